"""The long fault runs, for ``make faults``: twenty SIGKILLs during one fan-out to 1,000
members; three replicas on one Redis through a sustained run of fires (undisturbed, with one
of them killed, with one frozen past its lease and woken, and with a channel the bot is not
in); a replica stalled mid fan-out; a takeover after the grace window; a platform outage.
Each takes under a minute.

Kill points are random. The seed is in every failure, and ``FAULTS_SEED=<n>`` replays the same
plan (a busy machine will still time it differently).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from scheduler.queue import RedisFireQueue
from tests.conftest import RedisServer
from tests.scheduler.fleet import (
    Sent,
    claimed,
    delivery_states,
    duplicates,
    eventually,
    instant_of,
    kill,
    missed,
    scaled_clock,
    seed_channels,
    seed_team,
    sent,
    start_worker,
    wait_for_lines,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(600)]


@contextmanager
def noted(note: Callable[[], str]) -> Iterator[None]:
    """Add ``note()`` (the seed, what happened so far) to whatever fails inside."""
    try:
        yield
    except BaseException as exc:
        exc.add_note(note())
        raise


def fault_seed() -> int:
    return int(os.environ.get("FAULTS_SEED") or random.randrange(2**32))


# --- twenty SIGKILLs in one fan-out ---------------------------------------------------------

MEMBERS = 1_000
KILLS = 20
# A lease of 1 s, so that each restart takes the fire over quickly. Each send waits 3 ms before
# the platform has the message and 3 ms before the call returns, four at a time: kills land
# before a message arrives and after it arrived but before it was recorded, and the fan-out
# lasts long enough for twenty of them.
CRASHING = ("--lease", "1", "--delay", "0.003", "--delay-after", "0.003", "--concurrency", "4")


@dataclass(frozen=True, slots=True)
class Kill:
    """What a SIGKILL left behind, after ``messages`` had arrived: recipients still marked
    "sending" whose message the platform had (``arrived``) and had not (``pending``)."""

    messages: int
    arrived: int
    pending: int


async def killed(redis: Redis, inbox: Path) -> Kill:
    arrived = {s.recipient for s in sent(inbox)}
    sending = [r for r, s in (await delivery_states(redis)).items() if s.startswith("sending:")]
    return Kill(
        len(arrived),
        sum(r in arrived for r in sending),
        sum(r not in arrived for r in sending),
    )


async def test_twenty_sigkills_during_a_fanout_to_1000_members_leave_each_with_one_prompt(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    seed = fault_seed()
    rng = random.Random(seed)
    await seed_team(redis, MEMBERS)
    inbox = tmp_path / "inbox"
    # Kill each process once the inbox holds a random number of messages (at least one more
    # than when it started, so every process sends), and a random few ms later still.
    plan = [(n, rng.uniform(0, 0.01)) for n in sorted(rng.sample(range(10, MEMBERS - 50), KILLS))]
    kills: list[Kill] = []

    with noted(lambda: f"seed={seed} plan={plan} kills={kills}"):
        for count, then_s in plan:
            target = max(count, len(sent(inbox)) + 1)
            worker = start_worker(redis_server, inbox, *CRASHING)
            try:
                reached = await wait_for_lines(inbox, target, within_s=60)
                assert reached >= target, f"process {len(kills) + 1} sent nothing in 60 s"
                await asyncio.sleep(then_s)
            finally:
                kill(worker)
            kills.append(await killed(redis, inbox))
            assert kills[-1].messages < MEMBERS, "the fan-out ended before the kills did"

        worker = start_worker(redis_server, inbox, *CRASHING)
        try:
            assert await wait_for_lines(inbox, MEMBERS, within_s=120) >= MEMBERS
            queue = RedisFireQueue(redis)
            # Done: the fire is back in the queue for tomorrow; a late extra send would be in.
            assert await eventually(lambda: _finished(queue), within_s=60)
        finally:
            kill(worker)

        sends = sent(inbox)
        assert duplicates(sends) == {}
        per_member = Counter(s.channel for s in sends)
        assert sorted(per_member) == [f"D-m{i:04d}" for i in range(MEMBERS)]
        assert set(per_member.values()) == {1}
        assert Counter(state for state in (await delivery_states(redis)).values()) == {
            "sent": MEMBERS
        }
        assert len({s.pid for s in sends}) == KILLS + 1, "every process should have sent"
        assert sum(k.arrived for k in kills) > 0, "no kill fell between a send and its record"
        assert sum(k.pending for k in kills) > 0, "no kill left a recipient waiting to be sent"


async def _finished(queue: RedisFireQueue) -> bool:
    return await queue.size() == (1, 0)


# --- three replicas -------------------------------------------------------------------------

CHANNELS = 100
ROOMS = [f"room-{i:03d}" for i in range(CHANNELS)]
SPEED = 60  # a simulated minute each real second
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
# Leases of two simulated minutes (2 s): long beside the pauses of a busy machine, short beside
# the 15-minute grace. Claims of 25 fires: an instant here holds 100 fires, which one claim of
# the default 200 would give to one process; real instants (07:30) hold thousands.
REPLICA = ("--lease", "120", "--poll", "0.5", "--batch", "25")


def instants(minutes: int) -> list[int]:
    """The first ``minutes`` fire instants after START, in Unix seconds."""
    return [int((START + timedelta(minutes=m)).timestamp()) for m in range(1, minutes + 1)]


async def three_replicas(
    redis: Redis, server: RedisServer, tmp_path: Path, *extra: str
) -> tuple[list[subprocess.Popen[bytes]], Path, Path]:
    """Every-minute cadences to CHANNELS channels, and three processes on the scaled clock
    (given ``extra`` options too); returns the processes, the inbox and the file of what each
    claimed."""
    await seed_channels(redis, START, CHANNELS)
    inbox, claims = tmp_path / "inbox", tmp_path / "claims"
    clock = scaled_clock(START, SPEED, start_in_s=2.0)
    options = (*clock, *REPLICA, "--claims", str(claims), *extra)
    return [start_worker(server, inbox, *options) for _ in range(3)], inbox, claims


async def all_sent(inbox: Path, expected: list[int], rooms: list[str] = ROOMS) -> None:
    """Wait until every channel had its message for each of the ``expected`` instants."""
    await eventually(
        lambda: not missed(sent(inbox), rooms, expected),
        within_s=(expected[-1] - expected[0]) / SPEED + 60,
        every_s=0.2,
    )


def held(pid: int, claims: Path, inbox: Path, since: int) -> set[str]:
    """The fires due at ``since`` or later that process ``pid`` claimed and has not sent."""
    fires = {f for p, f in claimed(claims) if p == pid and instant_of(f) >= since}
    return fires - {s.fire for s in sent(inbox)}


async def until_prepared(redis: Redis, pid: int, claims: Path, inbox: Path, since: int) -> None:
    """Wait until process ``pid`` holds fires it has prepared (marked their delivery as being
    sent) and is waiting for their instant to send."""

    async def prepared() -> bool:
        fires = held(pid, claims, inbox, since)
        return any([await redis.exists(f"carenudge:delivery:{f}") for f in fires])

    assert await eventually(prepared, within_s=60, every_s=0.01), "it never held a fire"


def once_each(inbox: Path, expected: list[int]) -> list[Sent]:
    """What was sent, having checked that every channel had its message for each ``expected``
    instant, and no message went twice."""
    sends = sent(inbox)
    assert duplicates(sends) == {}
    assert missed(sends, ROOMS, expected) == []
    return sends


def sent_by(sends: list[Sent], fires: set[str]) -> set[int]:
    """The processes that sent ``fires``."""
    by_fire = {s.fire: s.pid for s in sends}
    return {by_fire[f] for f in fires}


async def test_three_replicas_share_half_an_hour_of_fires_with_no_duplicate_and_none_missed(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    workers, inbox, _ = await three_replicas(redis, redis_server, tmp_path)
    expected = instants(30)
    try:
        await all_sent(inbox, expected)
    finally:
        kill(*workers)

    sends = once_each(inbox, expected)
    per_process = Counter(s.pid for s in sends)
    assert sorted(per_process) == sorted(w.pid for w in workers)
    assert min(per_process.values()) >= 0.15 * len(sends), f"unfair shares: {per_process}"


async def test_when_one_of_three_replicas_is_killed_the_others_send_what_it_held_once(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    workers, inbox, claims = await three_replicas(redis, redis_server, tmp_path)
    victim, survivors = workers[0], {w.pid for w in workers[1:]}
    expected = instants(12)
    try:
        await until_prepared(redis, victim.pid, claims, inbox, since=expected[3])
        kill(victim)
        orphans = held(victim.pid, claims, inbox, since=expected[3])
        assert orphans, "it sent all it held before the kill landed"
        await all_sent(inbox, expected)
    finally:
        kill(*workers)

    sends = once_each(inbox, expected)
    assert sent_by(sends, orphans) <= survivors
    taken_over = max(instant_of(f) for f in orphans)
    assert {s.pid for s in sends if s.instant > taken_over} == survivors, "both carry on"


async def test_a_replica_frozen_past_its_lease_does_not_send_again_what_the_others_took_over(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    """SIGSTOP (a frozen VM or container) after it prepared its fires, then SIGCONT once the
    others have taken them over and sent them."""
    workers, inbox, claims = await three_replicas(redis, redis_server, tmp_path)
    frozen, others = workers[0], {w.pid for w in workers[1:]}
    expected = instants(14)
    try:
        await until_prepared(redis, frozen.pid, claims, inbox, since=expected[3])
        frozen.send_signal(signal.SIGSTOP)
        held_then = held(frozen.pid, claims, inbox, since=expected[3])
        assert held_then, "it sent all it held before it froze"
        # The others take them over once its lease has run out, and send them.
        assert await eventually(
            lambda: not held(frozen.pid, claims, inbox, since=expected[3]),
            within_s=60,
            every_s=0.05,
        )
        frozen.send_signal(signal.SIGCONT)
        await all_sent(inbox, expected)
    finally:
        kill(*workers)

    sends = once_each(inbox, expected)
    assert sent_by(sends, held_then) <= others
    woke_at = max(instant_of(f) for f in held_then)
    assert frozen.pid in {s.pid for s in sends if s.instant > woke_at}, "it should rejoin"


# --- a channel the bot is not in, with three replicas and one killed ------------------------

NOT_IN = "room-042"  # the cadence c43


async def test_a_channel_the_bot_is_not_in_is_told_to_its_manager_once_across_replicas(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Every fire of one cadence is refused with ``not_in_channel``, fires a simulated minute
    apart, shared by three replicas, one of them killed at a random point. Its manager is
    told once, with the fix; every fire records why; every other channel has each message."""
    workers, inbox, claims = await three_replicas(redis, redis_server, tmp_path, "--not-in", NOT_IN)
    others = [r for r in ROOMS if r != NOT_IN]
    expected = instants(12)
    victim = random.Random(seed := fault_seed()).choice(workers)
    with noted(lambda: f"seed={seed} victim={workers.index(victim)}"):
        try:
            await until_prepared(redis, victim.pid, claims, inbox, since=expected[3])
            kill(victim)
            await all_sent(inbox, expected, others)
            assert await eventually(
                lambda: _all_refused(redis, expected), within_s=60, every_s=0.2
            ), "a fire did not record why it could not reach the channel"
            assert await eventually(
                lambda: any(s.channel == "D-mo" for s in sent(inbox)), within_s=30
            ), "the manager was never told"
            await asyncio.sleep(1.0)  # a second notice would show now
        finally:
            kill(*workers)

        sends = sent(inbox)
        assert duplicates(sends) == {}
        assert missed(sends, others, expected) == []
        assert [s for s in sends if s.channel == NOT_IN] == []
        [notice] = [s for s in sends if s.channel == "D-mo"]
        assert notice.key.split("/")[0].endswith(":told:not-in-channel")
        for at in expected:
            state = await redis.hget(f"carenudge:delivery:c:c43@{at}", f"ch:test:T1:{NOT_IN}")
            assert state == "gone:not-in-channel", (at, state)


async def _all_refused(redis: Redis, expected: list[int]) -> bool:
    """Every one of the ``expected`` fires of c43 has recorded how it went."""
    states = [
        await redis.hget(f"carenudge:delivery:c:c43@{at}", f"ch:test:T1:{NOT_IN}")
        for at in expected
    ]
    return all(s == "gone:not-in-channel" for s in states)


# --- a replica stalled past its lease in the middle of a fan-out ----------------------------

IN_FLIGHT = 4
STALLING = ("--lease", "1", "--delay", "0.003", "--concurrency", str(IN_FLIGHT))


@pytest.mark.parametrize("platform", ["can tell", "cannot tell"])
async def test_a_replica_stalled_past_its_lease_mid_fanout_leaves_each_member_one_prompt(
    redis: Redis, redis_server: RedisServer, tmp_path: Path, platform: str
) -> None:
    """SIGSTOP at a random point of a fan-out to 1,000 members, past the lease; another
    replica takes the fire over; then SIGCONT. Everyone gets a prompt, and a second copy goes
    only to those whose message was on its way to the platform at the stall, even when the
    platform cannot say what arrived (as Slack and Teams cannot)."""
    options = (*STALLING, *(("--cannot-tell",) if platform == "cannot tell" else ()))
    seed = fault_seed()
    rng = random.Random(seed)
    await seed_team(redis, MEMBERS)
    inbox = tmp_path / "inbox"
    stall_at = rng.randrange(100, MEMBERS // 2)
    with noted(lambda: f"seed={seed} stall_at={stall_at}"):
        stalled = start_worker(redis_server, inbox, *options)
        other: subprocess.Popen[bytes] | None = None
        try:
            assert await wait_for_lines(inbox, stall_at, within_s=60) >= stall_at
            stalled.send_signal(signal.SIGSTOP)
            other = start_worker(redis_server, inbox, *options)
            other_pid = other.pid
            # The other replica takes over once the lease has lapsed, and gets well on.
            before = len(sent(inbox))
            assert await wait_for_lines(inbox, before + 100, within_s=60) >= before + 100
            stalled.send_signal(signal.SIGCONT)
            queue = RedisFireQueue(redis)
            assert await eventually(lambda: _finished(queue), within_s=120)
            await asyncio.sleep(0.5)  # a late send would show now
        finally:
            kill(stalled, *([other] if other else []))

        sends = sent(inbox)
        per_member = Counter(s.channel for s in sends)
        assert sorted(per_member) == [f"D-m{i:04d}" for i in range(MEMBERS)], (
            f"{MEMBERS - len(per_member)} members got nothing"
        )
        assert Counter((await delivery_states(redis)).values()) == {"sent": MEMBERS}
        # A second copy only for a message that was on its way to the platform at the very
        # moment of the stall (the fence had been passed): at most one per send in flight.
        twice = duplicates(sends)
        assert len(twice) <= IN_FLIGHT, twice
        for key in twice:
            assert {s.pid for s in sends if s.key == key} == {stalled.pid, other_pid}


# --- a takeover after the grace window, and a platform outage -------------------------------


async def test_a_fanout_taken_over_after_the_grace_window_is_still_finished(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    """The replica sending dies at a random point; the next one starts after the grace
    window has passed. Grace is for fires that never began: this one is finished."""
    seed = fault_seed()
    rng = random.Random(seed)
    await seed_team(redis, MEMBERS)
    inbox = tmp_path / "inbox"
    options = ("--lease", "1", "--delay", "0.003", "--concurrency", "4", "--grace", "2")
    kill_at = rng.randrange(50, MEMBERS - 100)
    with noted(lambda: f"seed={seed} kill_at={kill_at}"):
        first = start_worker(redis_server, inbox, *options)
        try:
            assert await wait_for_lines(inbox, kill_at, within_s=60) >= kill_at
        finally:
            kill(first)
        await asyncio.sleep(3.0)  # the fire is now past its 2 s of grace
        second = start_worker(redis_server, inbox, *options)
        try:
            assert await wait_for_lines(inbox, MEMBERS, within_s=120) >= MEMBERS
            await asyncio.sleep(0.5)
        finally:
            kill(second)
        sends = sent(inbox)
        assert duplicates(sends) == {}
        assert sorted({s.channel for s in sends}) == [f"D-m{i:04d}" for i in range(MEMBERS)]
        assert {s.pid for s in sends} == {first.pid, second.pid}


async def test_a_30_second_platform_outage_is_waited_out_and_nobody_is_given_up(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Every send answers 500 for the first 30 s of a fan-out to 1,000 members; then the
    platform is back. Everyone gets exactly one prompt: transient failures are waited out."""
    await seed_team(redis, MEMBERS)
    inbox = tmp_path / "inbox"
    back_at = time.time() + 30
    options = ("--lease", "2", "--concurrency", "8", "--down-until", str(back_at))
    worker = start_worker(redis_server, inbox, *options)
    try:
        await asyncio.sleep(25)
        assert sent(inbox) == [], "the outage let something through"
        assert await wait_for_lines(inbox, MEMBERS, within_s=150) >= MEMBERS
        queue = RedisFireQueue(redis)
        assert await eventually(lambda: _finished(queue), within_s=30)
    finally:
        kill(worker)
    sends = sent(inbox)
    assert duplicates(sends) == {}
    assert len({s.channel for s in sends}) == MEMBERS
    assert Counter((await delivery_states(redis)).values()) == {"sent": MEMBERS}
