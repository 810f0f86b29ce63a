"""Scheduler worker processes for the crash and replica tests: seeding the work, starting and
killing workers (``tests.scheduler.worker``), and reading what they sent from the inbox file.

Each inbox line is ``<pid> <channel> <key>``, where the key is ``<fire id>@<instant s>/<target>``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from redis.asyncio import Redis

from nudges.model import (
    Cadence,
    ChannelAudience,
    ChannelRef,
    CronSchedule,
    Member,
    MemberRef,
    MemberSettings,
    Role,
)
from tests.conftest import RedisServer, build_world
from tests.fakes.clock import FakeClock
from tests.fakes.inbox import read

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Sent:
    """One message in the inbox: who sent it, where, and its delivery key."""

    pid: int
    channel: str
    key: str

    @property
    def fire(self) -> str:
        """``<fire id>@<instant s>``: which fire sent it."""
        return self.key.partition("/")[0]

    @property
    def instant(self) -> int:
        """The fire's instant (Unix seconds)."""
        return instant_of(self.fire)

    @property
    def recipient(self) -> str:
        """The delivery target (``m:<member>`` or ``ch:<conversation>``)."""
        return self.key.partition("/")[2]


def instant_of(fire: str) -> int:
    """The instant (Unix seconds) of a ``<fire id>@<instant s>`` (or of its notice to managers,
    ``<fire id>@<instant s>:told:<problem>``)."""
    return int(fire.rsplit("@", 1)[1].partition(":")[0])


def sent(inbox: Path) -> list[Sent]:
    found = []
    for line in read(inbox):
        pid, channel, key = line.split(" ", 2)
        found.append(Sent(int(pid), channel, key))
    return found


def claimed(path: Path) -> list[tuple[int, str]]:
    """(pid, ``<fire id>@<instant s>``) for each fire a worker started with ``--claims path``
    claimed, in order."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        pid, _, fire = line.partition(" ")
        if fire:
            found.append((int(pid), fire))
    return found


def duplicates(sends: Iterable[Sent]) -> dict[str, int]:
    """Delivery keys sent more than once, with how many times."""
    counts = Counter(s.key for s in sends)
    return {key: n for key, n in counts.items() if n > 1}


def start_worker(server: RedisServer, inbox: Path, *options: str) -> subprocess.Popen[bytes]:
    """A scheduler process on ``server``'s Redis (see ``tests/scheduler/worker.py``)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.scheduler.worker",
            "--redis",
            server.url,
            "--inbox",
            str(inbox),
            *options,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill(*workers: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean-up, no handing back, exactly as if the machine lost the process."""
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
    for worker in workers:
        worker.wait(timeout=10)


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], within_s: float, every_s: float = 0.005
) -> bool:
    """Wait until ``check()`` is true, asking every ``every_s``, at most ``within_s`` seconds;
    returns whether it became true."""
    deadline = time.monotonic() + within_s
    while True:
        found = check()
        if found if isinstance(found, bool) else await found:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every_s)


async def wait_for_lines(inbox: Path, count: int, within_s: float) -> int:
    """Wait until the inbox has ``count`` messages (or ``within_s`` passed); returns how many."""
    await eventually(lambda: len(read(inbox)) >= count, within_s)
    return len(read(inbox))


async def seed_team(redis: Redis, size: int) -> None:
    """A team of ``size`` members who joined, and a cadence to all of them, due now."""
    now = datetime.now(UTC)
    world = build_world(redis, FakeClock(now), default_tz="UTC")
    await world.admin_makes_team("mo")
    for i in range(size):
        ref = MemberRef("test", "T1", f"m{i:04d}")
        await world.stores.people.set_role(ref.workspace, "ward-7", Role.MEMBER, ref, True)
        await world.stores.people.save_member(
            Member(ref, ref.user_id, MemberSettings(quiet_off=True))
        )
    reply = await world.say("mo", "create daily at 03:00 to team")
    assert reply.status == "ok"
    await world.queue.put([("c:c1", now)])  # due now, for the processes on the wall clock


async def delivery_states(redis: Redis) -> dict[str, str]:
    """Recipient -> delivery state of the only fire there is."""
    keys = [k async for k in redis.scan_iter(match="carenudge:delivery:*")]
    assert len(keys) == 1, keys
    return {str(k): str(v) for k, v in (await redis.hgetall(keys[0])).items()}


async def seed_channels(redis: Redis, at: datetime, channels: int) -> None:
    """``channels`` cadences, each every minute to its own channel, created at ``at``.

    Far more often than a team may ask for (at most once a day), so they are written to the
    store and planned directly: the fleet needs many fires in a few seconds of real time.
    """
    world = build_world(redis, FakeClock(at), default_tz="UTC")
    await world.admin_makes_team("mo")
    mo = world.member("mo")
    for i in range(channels):
        room = world.channel(f"room-{i:03d}")
        cadence = Cadence(
            id=await world.stores.cadences.next_id(),
            workspace=mo.workspace,
            team="ward-7",
            schedule=CronSchedule("* * * * *"),
            tz="UTC",
            theme=None,
            audience=ChannelAudience(ChannelRef(room, room.channel_id)),
            created_by=mo,
            created_at=at,
        )
        await world.stores.cadences.save(cadence)
        await world.engine.planner.plan(cadence)


def scaled_clock(at: datetime, speed: float, start_in_s: float) -> tuple[str, ...]:
    """Worker options for a clock running ``speed`` times faster, reading ``at`` in
    ``start_in_s`` real seconds; every worker given the same options agrees on the time."""
    anchor_wall = time.time() + start_in_s
    return ("--speed", str(speed), "--anchor-wall", str(anchor_wall), "--anchor-at", at.isoformat())


async def start_clock_when_ready(ready: Path, count: int, anchor_file: Path) -> None:
    """Wait until ``count`` workers started with ``--ready ready`` are up (however long a
    loaded machine takes to start Python), then start their shared clock (``--anchor-file``)."""
    up = await eventually(lambda: len(list(ready.parent.glob(f"{ready.name}.*"))) >= count, 120)
    assert up, "the workers did not start"
    draft = anchor_file.with_suffix(".draft")  # renamed whole, so it is never read half-written
    await asyncio.to_thread(draft.write_text, str(time.time() + 0.2))
    await asyncio.to_thread(draft.replace, anchor_file)


def missed(sends: Iterable[Sent], channels: Iterable[str], instants: Iterable[int]) -> list[str]:
    """``channel@instant`` for each of ``instants`` a channel got no message for."""
    got = {(s.channel, s.instant) for s in sends}
    return [f"{c}@{t}" for c in channels for t in instants if (c, t) not in got]
