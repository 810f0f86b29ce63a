"""The runner takes fires a little before their instant and prepares them, so that a minute
shared by thousands of cadences still goes out on the minute; never early, and a runner that
stops hands back what it has not sent."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest
from redis.asyncio import Redis

from scheduler.queue import Claim, RedisFireQueue
from scheduler.runner import RunnerSettings
from tests.conftest import World, build_world
from tests.fakes.clock import WallClock

LEAD = timedelta(seconds=2)


async def ready_world(redis: Redis, channels: int) -> World:
    world = build_world(redis, WallClock(), default_tz="UTC")
    await world.channel_cadences(channels, "daily at 03:00")
    world.runner.settings = RunnerSettings(lead=LEAD, poll_s=0.05)
    return world


async def test_fires_are_taken_ahead_and_sent_on_their_instant_not_before(redis: Redis) -> None:
    world = await ready_world(redis, channels=20)
    soon = world.runner.clock.now() + timedelta(seconds=1)
    instant = soon.replace(microsecond=soon.microsecond // 1000 * 1000)  # Redis keeps ms
    await world.queue.put([(f"c:c{i + 1}", instant) for i in range(20)])

    task = asyncio.create_task(world.runner.run())
    try:
        await asyncio.sleep(0.6)
        assert await world.queue.size() == (0, 20), "the fires were not taken ahead"
        assert world.messenger.sent == []
        await asyncio.sleep(1.0)
    finally:
        world.runner.stop()
        await asyncio.wait_for(task, timeout=5)

    sent_at = [d.at for d in world.messenger.sent if d.at]
    assert len(sent_at) == 20
    assert min(sent_at) >= instant
    assert max(sent_at) - instant < timedelta(milliseconds=250)
    assert await world.queue.size() == (20, 0)  # each back in the queue for tomorrow


async def test_a_runner_that_stops_hands_back_fires_it_has_not_sent(redis: Redis) -> None:
    world = await ready_world(redis, channels=3)
    instant = (world.runner.clock.now() + timedelta(seconds=2)).replace(microsecond=0)
    await world.queue.put([(f"c:c{i + 1}", instant) for i in range(3)])

    task = asyncio.create_task(world.runner.run())
    await asyncio.sleep(0.5)
    assert await world.queue.size() == (0, 3)
    world.runner.stop()
    await asyncio.wait_for(task, timeout=5)

    assert world.messenger.sent == []
    assert await world.queue.size() == (3, 0)
    assert await world.queue.scheduled([f"c:c{i + 1}" for i in range(3)]) == [instant] * 3


class SlowRenewals(RedisFireQueue):
    """Renewing leases takes a while, as it can on a busy Redis."""

    async def renew(self, dues: Sequence[Claim], now: datetime) -> list[Claim]:
        await asyncio.sleep(0.02)
        return await super().renew(dues, now)


async def test_fires_reaching_their_instant_in_waves_all_go_out_with_no_error_logged(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    # Fires already due are claimed and prepared a batch at a time, so they reach their
    # (past) instant in waves, while the leases of the wave before are being renewed.
    world = await ready_world(redis, channels=600)
    queue = SlowRenewals(redis)
    world.runner.queue = queue
    world.runner.settings = RunnerSettings(lead=LEAD, poll_s=0.05, batch=50)
    due = world.runner.clock.now() - timedelta(seconds=1)
    await queue.put([(f"c:c{i + 1}", due) for i in range(600)])

    task = asyncio.create_task(world.runner.run())
    try:
        for _ in range(300):
            if len(world.messenger.sent) >= 600:
                break
            await asyncio.sleep(0.05)
    finally:
        world.runner.stop()
        await asyncio.wait_for(task, timeout=5)

    assert len({d.conversation for d in world.messenger.sent}) == 600
    assert len(world.messenger.sent) == 600
    gc.collect()  # a task that failed unseen is reported when it is collected
    await asyncio.sleep(0)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
