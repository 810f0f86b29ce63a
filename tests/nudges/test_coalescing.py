"""Calls made together share one Redis round trip; each caller still gets its own answer,
and its own error."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from redis.asyncio import Redis

from nudges.coalescing import Coalescer
from tests.conftest import World


async def test_calls_in_one_turn_go_together_and_each_gets_its_own_answer() -> None:
    batches: list[list[int]] = []

    async def double(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        return [i * 2 for i in items]

    coalescer = Coalescer(double, most=4)
    answers = await asyncio.gather(*(coalescer(i) for i in range(10)))
    assert answers == [i * 2 for i in range(10)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert await coalescer(21) == 42  # a lone call still goes, on its own
    assert batches[-1] == [21]


async def test_an_error_reaches_every_caller_of_that_round_trip_and_no_other() -> None:
    async def fail_on_odd(items: Sequence[int]) -> list[int]:
        if any(i % 2 for i in items):
            raise ConnectionError("Redis went away")
        return list(items)

    coalescer = Coalescer(fail_on_odd)
    results = await asyncio.gather(coalescer(2), coalescer(3), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    assert await coalescer(4) == 4


async def test_a_cancelled_caller_does_not_stop_the_others() -> None:
    async def slow(items: Sequence[int]) -> list[int]:
        await asyncio.sleep(0.05)
        return list(items)

    coalescer = Coalescer(slow)
    first = asyncio.ensure_future(coalescer(1))
    second = asyncio.ensure_future(coalescer(2))
    await asyncio.sleep(0.01)
    first.cancel()
    assert await second == 2
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_fires_due_together_read_their_cadences_in_one_round_trip(
    world: World, redis: Redis
) -> None:
    await world.channel_cadences(30)
    await redis.config_resetstat()
    found = await asyncio.gather(*(world.stores.cadences.get(f"c{i + 1}") for i in range(30)))
    assert [c.id for c in found if c] == [f"c{i + 1}" for i in range(30)]
    stats = await redis.info("commandstats")
    assert stats["cmdstat_mget"]["calls"] == 1
    assert "cmdstat_get" not in stats
