"""The due queue: each fire is claimed by one replica, taken again when its owner's lease runs
out, and completed (with its next instant) only by its owner."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from nudges.errors import ClaimLost
from scheduler.queue import RedisFireQueue
from tests.fakes.clock import utc

T0 = utc(2026, 12, 1, 7, 30)


@pytest.fixture
def queue(redis: Redis) -> RedisFireQueue:
    return RedisFireQueue(redis, lease=timedelta(seconds=30))


async def test_a_due_fire_is_claimed_once_even_by_racing_replicas(queue: RedisFireQueue) -> None:
    await queue.put([(f"c:c{i}", T0) for i in range(100)])
    claims = await asyncio.gather(*(queue.claim(T0, 10) for _ in range(20)))
    ids = [due.fire.id for claim in claims for due in claim]
    assert len(ids) == 100
    assert len(set(ids)) == 100


async def test_nothing_is_claimed_before_it_is_due(queue: RedisFireQueue) -> None:
    await queue.put([("c:c1", T0)])
    assert await queue.claim(T0 - timedelta(seconds=1), 10) == []
    [due] = await queue.claim(T0, 10)
    assert due.fire.scheduled_at == T0


async def test_a_fire_whose_owner_died_is_taken_again_after_the_lease(
    queue: RedisFireQueue,
) -> None:
    await queue.put([("c:c1", T0)])
    [first] = await queue.claim(T0, 10)
    assert await queue.claim(T0 + timedelta(seconds=29), 10) == []
    [again] = await queue.claim(T0 + timedelta(seconds=31), 10)
    assert again.fire == first.fire  # the same fire, at the same scheduled instant
    with pytest.raises(ClaimLost):
        await queue.complete(first, None)
    await queue.complete(again, T0 + timedelta(days=1))
    assert await queue.scheduled(["c:c1"]) == [T0 + timedelta(days=1)]


async def test_renewing_a_lease_keeps_the_fire(queue: RedisFireQueue) -> None:
    await queue.put([("c:c1", T0)])
    [due] = await queue.claim(T0, 10)
    assert await queue.renew([due], T0 + timedelta(seconds=25)) == []
    assert await queue.claim(T0 + timedelta(seconds=40), 10) == []
    [stolen] = await queue.claim(T0 + timedelta(seconds=56), 10)
    assert await queue.renew([due], T0 + timedelta(seconds=57)) == [due]
    await queue.complete(stolen, None)
    assert await queue.scheduled(["c:c1"]) == [None]


async def test_a_fire_rescheduled_while_running_waits_for_the_running_one(
    queue: RedisFireQueue,
) -> None:
    await queue.put([("c:c1", T0)])
    [due] = await queue.claim(T0, 10)
    await queue.put([("c:c1", T0 + timedelta(seconds=5))])  # an edit while it runs
    assert await queue.claim(T0 + timedelta(seconds=10), 10) == []
    await queue.complete(due, T0 + timedelta(days=1))
    assert await queue.scheduled(["c:c1"]) == [T0 + timedelta(days=1)]


async def test_discarded_fires_are_not_claimed(queue: RedisFireQueue) -> None:
    await queue.put([("c:c1", T0), ("c:c2", T0)])
    await queue.discard(["c:c1"])
    assert [d.fire.id for d in await queue.claim(T0, 10)] == ["c:c2"]
    assert await queue.size() == (0, 1)


async def test_a_fire_taken_ahead_is_leased_from_now_and_not_from_its_instant(
    queue: RedisFireQueue,
) -> None:
    await queue.put([("c:c1", T0)])
    assert await queue.claim(T0 - timedelta(seconds=10), 10, ahead=timedelta(seconds=5)) == []
    [due] = await queue.claim(T0 - timedelta(seconds=10), 10, ahead=timedelta(seconds=10))
    assert due.fire.scheduled_at == T0
    # Looking ahead does not make a live lease look expired.
    assert await queue.claim(T0 + timedelta(seconds=19), 10, ahead=timedelta(seconds=60)) == []
    [again] = await queue.claim(T0 + timedelta(seconds=21), 10)
    assert again.fire == due.fire


async def test_a_fire_handed_back_waits_again_at_its_own_instant(queue: RedisFireQueue) -> None:
    await queue.put([("c:c1", T0)])
    [due] = await queue.claim(T0 - timedelta(seconds=5), 10, ahead=timedelta(seconds=10))
    assert await queue.release(due)
    assert await queue.scheduled(["c:c1"]) == [T0]
    assert await queue.size() == (1, 0)
    [again] = await queue.claim(T0, 10)
    assert again.fire.scheduled_at == T0
    assert not await queue.release(due)  # no longer ours


async def test_fires_completing_together_each_get_their_own_next_instant(
    queue: RedisFireQueue,
) -> None:
    await queue.put([("c:c1", T0), ("c:c2", T0), ("c:c3", T0)])
    one, two, three = await queue.claim(T0, 10)
    assert await queue.renew([one, two], T0 + timedelta(seconds=25)) == []
    [three_again] = await queue.claim(T0 + timedelta(seconds=31), 10)
    assert three_again.fire == three.fire  # the third one's lease ran out; another took it

    done = await asyncio.gather(
        queue.complete(one, T0 + timedelta(days=1)),
        queue.complete(two, None),
        queue.complete(three, T0 + timedelta(days=7)),
        return_exceptions=True,
    )

    assert done[0] is None
    assert done[1] is None
    assert isinstance(done[2], ClaimLost)
    assert await queue.scheduled(["c:c1", "c:c2", "c:c3"]) == [T0 + timedelta(days=1), None, T0]
