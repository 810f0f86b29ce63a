"""The exactly-once state of each delivery, as the runner begins many fires at once."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from nudges.keys import KeySpace
from nudges.store import DeliveryStore
from tests.fakes.clock import utc

T0 = utc(2026, 12, 1, 7, 30)
LATER = utc(2026, 12, 1, 7, 31)


async def test_fires_beginning_together_each_get_their_own_recipients_states(
    redis: Redis,
) -> None:
    store = DeliveryStore(redis, KeySpace())
    await store.begin_deliveries("f1", ["m:ana", "m:ben"], T0, T0)
    await store.finish_delivery("f1", "m:ana", "sent")  # ben was mid-send when its owner died
    await store.begin_deliveries("f2", ["m:cy"], LATER, LATER)  # cy is being sent to now

    first, second, third = await asyncio.gather(
        store.begin_deliveries("f1", ["m:ana", "m:ben", "m:dee"], LATER, LATER),
        store.begin_deliveries("f2", ["m:cy", "m:eve"], LATER, LATER),
        store.begin_deliveries("f3", ["m:ana"], LATER, LATER),
    )

    assert first == ["sent", "doubt", "new"]
    assert second == ["busy", "new"]
    assert third == ["new"]
    assert (await store.delivery_states("f1"))["m:dee"].startswith("sending:")
