"""The pacer shared through Redis: sends spread at a workspace's pace across its channels, and a
429 holds the whole workspace, in every replica, until Retry-After is up."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time

import pytest
from redis.asyncio import Redis

from adapters.pacing import RedisPacer, interval
from nudges.keys import KeySpace

PACE = KeySpace().platform("test").pace()


@pytest.fixture
def waits() -> list[float]:
    return []


def pacer(redis: Redis, waits: list[float], team_interval_s: float = 0.1) -> RedisPacer:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    return RedisPacer(redis, record, PACE, 1.0, team_interval_s=team_interval_s)


async def test_sends_to_many_channels_are_spread_at_the_workspaces_pace(
    redis: Redis, waits: list[float]
) -> None:
    first, second = pacer(redis, waits), pacer(redis, waits)  # two replicas
    for i in range(5):
        await (first if i % 2 else second).wait_turn("T1", f"D{i}")
    assert len(waits) == 4
    for turn, waited in enumerate(waits, start=1):
        assert turn * 0.1 - 0.02 <= waited <= turn * 0.1
    waits.clear()
    await first.wait_turn("T2", "D0")  # another workspace has its own pace
    assert waits == []


async def test_a_hold_stops_every_channel_then_they_go_one_turn_at_a_time(
    redis: Redis, waits: list[float]
) -> None:
    paced = pacer(redis, waits)
    await pacer(redis, []).hold("T1", 2.0)  # another replica met a 429
    for channel in ("D1", "D2", "D3"):
        await paced.wait_turn("T1", channel)
    assert 1.95 <= waits[0] <= 2.0
    assert 0.09 <= waits[1] - waits[0] <= 0.11  # not all at once when the hold ends
    assert 0.09 <= waits[2] - waits[1] <= 0.11
    waits.clear()
    await paced.wait_turn("T2", "D1")
    assert waits == []  # another workspace is not held


async def test_a_send_whose_turn_falls_inside_a_new_hold_waits_for_the_hold(
    redis: Redis,
) -> None:
    waits: list[float] = []
    paced: RedisPacer

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:  # while we wait for our turn, someone meets a 429
            await paced.hold("T1", 3.0)

    paced = RedisPacer(redis, sleep, PACE, 1.0, team_interval_s=0.5)
    await paced.wait_turn("T1", "D1")
    await paced.wait_turn("T1", "D2")
    assert len(waits) == 2
    assert 0.45 <= waits[0] <= 0.5
    assert 2.9 <= waits[1] <= 3.0


async def test_a_hold_never_shortens_a_longer_one(redis: Redis, waits: list[float]) -> None:
    paced = pacer(redis, waits)
    await paced.hold("T1", 5.0)
    await paced.hold("T1", 1.0)
    await paced.wait_turn("T1")
    assert 4.9 <= waits[0] <= 5.0


def test_the_pace_keeps_a_little_under_the_limit() -> None:
    assert interval(10) == pytest.approx(1 / 9.5)
    assert interval(30, headroom=1.0) == pytest.approx(1 / 30)


async def test_while_redis_is_away_sends_still_go_at_the_pace_of_this_replica(
    waits: list[float],
) -> None:
    with socket.socket() as s:  # a port where no Redis answers
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    away = Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=0.5)
    try:
        paced = pacer(away, waits)
        await paced.hold("T1", 1.0)
        for channel in ("D1", "D2"):
            await paced.wait_turn("T1", channel)
    finally:
        await away.aclose()
    assert 0.95 <= waits[0] <= 1.0  # the hold, kept in memory
    assert 0.09 <= waits[1] - waits[0] <= 0.11


async def test_a_send_that_wakes_late_takes_a_new_turn_rather_than_bunch_with_the_next(
    redis: Redis,
) -> None:
    woken: list[str] = []

    async def sleep(seconds: float) -> None:
        late = 0.15 if not woken else 0.0  # the event loop was busy for the first sleeper
        woken.append("x")
        await asyncio.sleep(seconds + late)

    paced = RedisPacer(redis, sleep, PACE, 1.0, team_interval_s=0.1)
    sent: list[float] = []

    async def send(channel: str) -> None:
        await paced.wait_turn("T1", channel)
        sent.append(time.monotonic())

    await send("D0")
    await asyncio.gather(send("D1"), send("D2"))
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert len(sent) == 3
    assert min(gaps) >= 0.09  # the late one went after the one behind it, not on top of it


async def test_a_call_better_made_later_gives_its_turn_back_instead_of_waiting(
    redis: Redis,
) -> None:
    """A lookup that would wait longer than its caller can spare does not take the slot: the
    next one may have it at once, and the pace is kept."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    paced = RedisPacer(redis, record, PACE, 0.0, team_interval_s=1.0)
    assert await paced.try_turn("T1", within_s=0.3)  # free: at once
    assert not await paced.try_turn("T1", within_s=0.3)  # would wait about a second
    assert not await paced.try_turn("T1", within_s=0.3)
    assert waits == []
    await paced.wait_turn("T1")  # the slots given back were not lost to anyone
    assert len(waits) == 1
    assert 0.9 <= waits[0] <= 1.0
