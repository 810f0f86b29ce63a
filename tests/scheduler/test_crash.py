"""A process killed with SIGKILL in the middle of a fan-out, and restarted, sends each
recipient exactly one prompt; two processes on one Redis send no duplicate and miss none.
(The longer runs of the same faults are in ``test_faults.py``, for ``make faults``.)"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tests.conftest import RedisServer, build_world
from tests.fakes.clock import FakeClock
from tests.scheduler.fleet import (
    delivery_states,
    duplicates,
    eventually,
    kill,
    missed,
    scaled_clock,
    seed_channels,
    seed_team,
    sent,
    start_clock_when_ready,
    start_worker,
    wait_for_lines,
)

pytestmark = pytest.mark.slow


async def test_sigkill_mid_fanout_then_restart_sends_each_recipient_exactly_once(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    size = 500
    await seed_team(redis, size)
    inbox = tmp_path / "inbox"
    # Each send waits 5 ms before the platform has it and 5 ms before it answers, so kills
    # land both before a message arrives and after it arrived but before we recorded it.
    options = ("--lease", "1", "--delay", "0.005", "--delay-after", "0.005", "--concurrency", "4")
    in_flight: list[int] = []
    for kill_at in (120, 300):
        worker = start_worker(redis_server, inbox, *options)
        try:
            reached = await wait_for_lines(inbox, kill_at, within_s=30)
            assert reached >= kill_at, "the fan-out did not start"
        finally:
            kill(worker)
        assert len(sent(inbox)) < size, "the fan-out finished before the kill; slow it down"
        states = (await delivery_states(redis)).values()
        in_flight.append(sum(s.startswith("sending:") for s in states))

    worker = start_worker(redis_server, inbox, *options)
    try:
        await wait_for_lines(inbox, size, within_s=40)
        await asyncio.sleep(0.5)  # anything extra would show up now
    finally:
        kill(worker)

    sends = sent(inbox)
    assert duplicates(sends) == {}
    assert len({s.channel for s in sends}) == size
    assert len({s.pid for s in sends}) == 3  # three processes sent
    assert sum(in_flight) > 0, "no kill landed mid-send: the restart path went untested"


async def test_two_processes_on_one_redis_send_no_duplicate_and_miss_none(
    redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    channels, anchor_at = 30, datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    await seed_channels(redis, anchor_at, channels)
    inbox, ready, anchor = tmp_path / "inbox", tmp_path / "ready", tmp_path / "anchor"
    clock = scaled_clock(anchor_at, speed=60, start_in_s=0)
    started = ("--ready", str(ready), "--anchor-file", str(anchor))
    options = (*clock, *started, "--lease", "120", "--poll", "0.5")  # 2 s: over a busy stall
    workers = [start_worker(redis_server, inbox, *options) for _ in range(2)]

    def minutes_covered() -> int:
        instants = [s.instant for s in sent(inbox)]
        return (max(instants) - min(instants)) // 60 if instants else 0

    try:
        await start_clock_when_ready(ready, 2, anchor)  # both up before the first fire
        assert await eventually(lambda: minutes_covered() >= 7, within_s=90, every_s=0.1)
    finally:
        kill(*workers)

    sends = sent(inbox)
    assert duplicates(sends) == {}
    first, last = min(s.instant for s in sends), max(s.instant for s in sends)
    rooms = [f"room-{i:03d}" for i in range(channels)]
    minutes = range(first, last, 60)  # the last minute may have been cut short by the kill
    assert missed(sends, rooms, minutes) == []
    per_process = Counter(s.pid for s in sends)
    assert len(per_process) == 2, "both processes should share the work"
    assert min(per_process.values()) > len(sends) // 10


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
    [job] = [j async for j in world.stores.jobs.ids()]
    await world.queue.put([(job, datetime.now(UTC))])  # bring the snoozed time forward

    inbox = tmp_path / "inbox"
    worker = start_worker(redis_server, inbox)
    try:
        await wait_for_lines(inbox, 1, within_s=20)
        await asyncio.sleep(0.3)
    finally:
        kill(worker)
    [line] = sent(inbox)
    assert line.channel == "D-sam"
    assert line.key.startswith(job)
    assert await world.stores.jobs.payload(job) is None  # done with, so it never comes back
    assert prompt.conversation.channel_id == "D-sam"
