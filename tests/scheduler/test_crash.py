"""A process killed with SIGKILL in the middle of a fan-out, and restarted, sends each
recipient exactly one prompt; two processes on one Redis send no duplicate and miss none."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from nudges.model import Member, MemberRef, MemberSettings
from tests.conftest import RedisServer, build_world
from tests.fakes.clock import FakeClock
from tests.fakes.inbox import read

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def start_worker(server: RedisServer, inbox: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.scheduler.worker",
            "--redis",
            server.url,
            "--inbox",
            str(inbox),
            *extra,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def wait_for_lines(inbox: Path, count: int, within_s: float) -> int:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        seen = len(read(inbox))
        if seen >= count:
            return seen
        await asyncio.sleep(0.01)
    return len(read(inbox))


async def seed_team(redis: Redis, size: int) -> None:
    """A team of ``size`` members who joined, and a cadence to all of them."""
    now = datetime.now(UTC)
    world = build_world(redis, FakeClock(now), default_tz="UTC")
    await world.admin_makes_team("mo")
    for i in range(size):
        ref = MemberRef("test", "T1", f"m{i:04d}")
        await world.store.set_role(ref.workspace, "ward-7", "members", ref, True)
        await world.store.save_member(Member(ref, ref.user_id, MemberSettings(quiet_off=True)))
    reply = await world.say("mo", "create daily at 03:00 to team")
    assert reply.status == "ok"
    await world.queue.put([("c:c1", now)])  # due now, for the processes on the wall clock


async def test_sigkill_mid_fanout_then_restart_sends_each_recipient_exactly_once(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    size = 500
    await seed_team(redis, size)
    inbox = tmp_path / "inbox"
    # Each send waits 5 ms before the platform has it and 5 ms before it answers, so kills
    # land both before a message arrives and after it arrived but before we recorded it.
    options = ("--lease", "1", "--delay", "0.005", "--concurrency", "4")
    in_flight: list[int] = []
    for kill_at in (120, 300):
        worker = start_worker(redis_server, inbox, *options)
        try:
            reached = await wait_for_lines(inbox, kill_at, within_s=30)
            assert reached >= kill_at, "the fan-out did not start"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        assert len(read(inbox)) < size, "the fan-out finished before the kill; slow it down"
        states = [str(s) for s in await redis.hvals(await _delivery_key(redis))]
        in_flight.append(sum(s.startswith("sending:") for s in states))

    worker = start_worker(redis_server, inbox, *options)
    try:
        await wait_for_lines(inbox, size, within_s=40)
        await asyncio.sleep(0.5)  # anything extra would show up now
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

    per_recipient = Counter(line.split(" ")[1] for line in read(inbox))
    assert len(per_recipient) == size
    assert set(per_recipient.values()) == {1}, {k: v for k, v in per_recipient.items() if v > 1}
    assert len({line.split(" ")[0] for line in read(inbox)}) == 3  # three processes sent
    assert sum(in_flight) > 0, "no kill landed mid-send: the restart path went untested"


async def _delivery_key(redis: Redis) -> str:
    keys = [k async for k in redis.scan_iter(match="carenudge:delivery:*")]
    assert len(keys) == 1
    return str(keys[0])


async def test_two_processes_on_one_redis_send_no_duplicate_and_miss_none(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    channels = 30
    anchor_at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    world = build_world(redis, FakeClock(anchor_at), default_tz="UTC")
    await world.admin_makes_team("mo")
    for i in range(channels):
        reply = await world.say("mo", f'create cron "* * * * *" to #room-{i:02d}')
        assert reply.status == "ok"

    inbox = tmp_path / "inbox"
    anchor_wall = time.time() + 1.0
    options = (
        "--speed",
        "60",
        "--anchor-wall",
        str(anchor_wall),
        "--anchor-at",
        anchor_at.isoformat(),
        "--lease",
        "30",
        "--poll",
        "0.5",
    )
    workers = [start_worker(redis_server, inbox, *options) for _ in range(2)]
    try:
        await asyncio.sleep(1.0 + 8.0)  # about 8 simulated minutes
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
        for worker in workers:
            worker.wait(timeout=10)

    lines = read(inbox)
    keys = Counter(line.split(" ")[2] for line in lines)
    assert [k for k, n in keys.items() if n > 1] == []
    minutes: dict[str, set[int]] = {}
    for key in keys:
        fire, _, recipient = key.partition("/")
        stamp = int(fire.rsplit("@", 1)[1])
        minutes.setdefault(recipient, set()).add(stamp)
    assert len(minutes) == channels
    for recipient, stamps in minutes.items():
        first, last = min(stamps), max(stamps)
        expected = set(range(first, last + 1, 60))
        assert stamps >= expected - {last}, f"{recipient} missed {sorted(expected - stamps)}"
        assert (last - first) // 60 >= 5, "the run was too short to say anything"
    per_process = Counter(line.split(" ")[0] for line in lines)
    assert len(per_process) == 2, "both processes should share the work"
    assert min(per_process.values()) > len(lines) // 10


async def test_a_snoozed_prompt_is_delivered_by_a_freshly_started_process(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    world = build_world(redis, FakeClock(now), default_tz="UTC")
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("sam", "quiet off")
    await world.say("mo", "create daily at 03:00 to team")
    await world.queue.put([("c:c1", now)])
    await world.runner.tick()
    [prompt] = world.messenger.sent
    await world.press("sam", 0, "Snooze")
    [job] = [j async for j in world.store.job_ids()]
    await world.queue.put([(job, datetime.now(UTC))])  # bring the snoozed time forward

    inbox = tmp_path / "inbox"
    worker = start_worker(redis_server, inbox)
    try:
        await wait_for_lines(inbox, 1, within_s=20)
        await asyncio.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    [line] = read(inbox)
    assert line.split(" ")[1] == "D-sam"
    assert line.split(" ")[2].startswith(job)
    assert await world.store.job(job) is None  # done with, so it never comes back
    assert prompt.conversation.channel_id == "D-sam"
