"""The exactly-once state of each delivery, as the runner begins many fires at once: begun
only under the lease that holds the fire now, and taken over from any other."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from nudges.keys import KeySpace
from nudges.store import DeliveryStore
from scheduler.queue import RedisFireQueue
from tests.fakes.clock import utc

T0 = utc(2026, 12, 1, 7, 30)
LATER = utc(2026, 12, 1, 7, 31)


@dataclass(frozen=True)
class Lease:
    fire_id: str
    token: str

    async def until(self, at: object) -> None:
        return None

    def check(self) -> None:
        return None


async def leased(queue: RedisFireQueue, fire_id: str, at: datetime = T0) -> Lease:
    """A lease on ``fire_id``, as a replica that claimed it at ``at`` holds (taken over from
    an earlier holder whose lease has run out)."""
    await queue.put([(fire_id, T0)])
    claims = await queue.claim(at, 10)
    [claim] = [c for c in claims if c.fire.id == fire_id]
    return Lease(fire_id, claim.token)


async def test_fires_beginning_together_each_get_their_own_recipients_states(
    redis: Redis,
) -> None:
    store, queue = DeliveryStore(redis, KeySpace()), RedisFireQueue(redis)
    dead = await leased(queue, "f1")
    await store.begin_deliveries("f1", ["m:ana", "m:ben"], T0, dead)
    await store.finish_delivery("f1", "m:ana", "sent")  # ben was mid-send when its owner died
    after = T0 + queue.lease * 2  # its lease has run out
    f1 = await leased(queue, "f1", after)
    f2 = await leased(queue, "f2", after)
    f3 = await leased(queue, "f3", after)
    await store.begin_deliveries("f2", ["m:cy"], LATER, f2)  # cy is being sent to, by f2's holder

    first, second, third = await asyncio.gather(
        store.begin_deliveries("f1", ["m:ana", "m:ben", "m:dee"], LATER, f1),
        store.begin_deliveries("f2", ["m:cy", "m:eve"], LATER, f2),
        store.begin_deliveries("f3", ["m:ana"], LATER, f3),
    )

    assert first == ["sent", "doubt", "new"]
    assert second == ["busy", "new"]
    assert third == ["new"]
    assert (await store.delivery_states("f1"))["m:dee"].startswith(f"sending:{f1.token}:")


async def test_a_replica_that_wakes_after_a_takeover_leaves_the_rest_to_the_new_holder(
    redis: Redis,
) -> None:
    """It stalled past its lease mid fan-out; another replica took the fire over. When it
    wakes and begins its next batch, nothing is marked, so the new holder sends them all."""
    store, queue = DeliveryStore(redis, KeySpace()), RedisFireQueue(redis)
    await queue.put([("f1", T0)])
    [stalled] = await queue.claim(T0, 10)
    await store.begin_deliveries("f1", ["m:ana"], T0, Lease("f1", stalled.token))
    [taker] = await queue.claim(T0 + queue.lease * 2, 10)  # its lease ran out: taken over
    assert taker.token != stalled.token

    woke = await store.begin_deliveries("f1", ["m:ben", "m:cy"], LATER, Lease("f1", stalled.token))
    assert woke == ["lost", "lost"]
    taken = await store.begin_deliveries(
        "f1", ["m:ana", "m:ben", "m:cy"], LATER, Lease("f1", taker.token)
    )
    assert taken == ["doubt", "new", "new"]


async def test_nothing_is_begun_under_a_lease_that_is_not_held_any_more(redis: Redis) -> None:
    store, queue = DeliveryStore(redis, KeySpace()), RedisFireQueue(redis)
    await leased(queue, "f1")  # another replica holds f1 now
    lapsed = Lease("f1", "a-lapsed-token")
    assert await store.begin_deliveries("f1", ["m:ana", "m:ben"], LATER, lapsed) == ["lost"] * 2
    assert await store.delivery_states("f1") == {}
    assert not await store.begun("f1")
