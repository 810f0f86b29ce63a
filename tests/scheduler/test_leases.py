"""A fire is sent only by the replica that holds its lease: one that lost it while waiting for
the instant (another replica took over, or it was paused past the lease) sends nothing it had
prepared, and the fire still goes out once."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta

from redis.asyncio import Redis

from scheduler.queue import Claim, RedisFireQueue
from tests.conftest import World
from tests.scheduler.fleet import eventually
from tests.scheduler.test_lookahead import ready_world

LEASE = timedelta(seconds=1)
ROOMS = ["room-0", "room-1", "room-2"]


async def prepared_then_taken_over(redis: Redis) -> tuple[World, asyncio.Task[None], list[Claim]]:
    """A running replica with 1 s leases that has taken three fires ahead and prepared them;
    then a second replica takes them over, as it may once the first one's lease ran out."""
    world = await ready_world(redis, channels=3)
    world.queue.lease = LEASE
    world.runner.settings = replace(world.runner.settings, lease=LEASE)
    instant = world.clock.now() + timedelta(seconds=1.5)
    await world.queue.put([(f"c:c{i + 1}", instant) for i in range(3)])
    task = asyncio.create_task(world.runner.run())

    async def prepared() -> bool:
        keys = [k async for k in redis.scan_iter(match="carenudge:delivery:*")]
        return len(keys) == 3  # each channel is marked as being sent to

    assert await eventually(prepared, within_s=5)
    rival = RedisFireQueue(redis, lease=timedelta(seconds=30))  # it holds them to the end
    taken = await rival.claim(world.clock.now() + LEASE + timedelta(milliseconds=100), 10)
    assert len(taken) == 3
    return world, task, taken


async def test_a_fire_taken_over_while_it_waited_for_its_instant_is_sent_once(
    redis: Redis,
) -> None:
    world, task, taken = await prepared_then_taken_over(redis)
    try:
        # The other replica delivers them too (to the same platform), on their instant.
        await asyncio.gather(*(world.engine.fire(d.fire, world.runner.hold(d)) for d in taken))
        await asyncio.sleep(0.3)
    finally:
        world.runner.stop()
        await asyncio.wait_for(task, timeout=5)
    assert sorted(d.conversation.channel_id for d in world.messenger.sent) == ROOMS


async def test_a_replica_paused_past_its_lease_sends_nothing_it_had_prepared(
    redis: Redis,
) -> None:
    world, task, _ = await prepared_then_taken_over(redis)
    try:
        # The pause itself (a frozen VM, a stopped container): nothing in this process runs
        # while the lease runs out and the instant passes. Then it wakes.
        time.sleep(2.0)  # noqa: ASYNC251
        await asyncio.sleep(0.5)
    finally:
        world.runner.stop()
        await asyncio.wait_for(task, timeout=5)
    assert world.messenger.sent == []
