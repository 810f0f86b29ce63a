"""Bad conditions and bad input: Redis away, oversize names. Clear answers, nothing crashes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from nudges.cards import plain
from nudges.events import CommandInvoked
from nudges.model import Conversation, MemberRef
from scheduler.runner import RunnerSettings
from tests.conftest import build_world
from tests.fakes.clock import FakeClock, utc

NOWHERE = "redis://127.0.0.1:9/0"  # nothing listens on port 9


@pytest.fixture
async def away() -> AsyncIterator[Redis]:
    client = Redis.from_url(NOWHERE, decode_responses=True, socket_connect_timeout=0.5)
    yield client
    await client.aclose()


async def test_a_command_while_redis_is_away_gets_a_clear_answer(
    away: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    world = build_world(away, FakeClock(utc(2026, 12, 1, 9, 0)))
    event = CommandInvoked(
        "nudge",
        ("settings",),
        MemberRef("test", "T1", "sam"),
        "sam",
        Conversation("test", "T1", "ward-7"),
    )
    with caplog.at_level(logging.WARNING):
        reply = await world.engine.handle(event)
    assert reply is not None
    assert reply.status == "unavailable"
    assert "Please try again in a moment" in plain(reply.card)
    assert "Nothing was changed" in plain(reply.card)
    assert not [r for r in caplog.records if r.exc_info]  # logged once, without a trace


async def test_the_scheduler_keeps_running_while_redis_is_away(away: Redis) -> None:
    world = build_world(away, FakeClock(utc(2026, 12, 1, 9, 0)))
    world.runner.settings = RunnerSettings(poll_s=0.01)
    task = asyncio.create_task(world.runner.run())
    await asyncio.sleep(0.5)
    assert not task.done(), "the scheduler stopped when Redis went away"
    world.runner.stop()
    await asyncio.wait_for(task, timeout=5)


async def test_an_oversize_display_name_is_kept_short(redis: Redis) -> None:
    world = build_world(redis, FakeClock(utc(2026, 12, 1, 9, 0)))
    await world.stores.people.remember_name(MemberRef("test", "T1", "sam"), "Sam\n" + "x" * 10_000)
    member = await world.stores.people.member(MemberRef("test", "T1", "sam"))
    assert len(member.name) == 80
    assert "\n" not in member.name


async def test_reconcile_puts_back_cadences_whose_fires_were_lost_and_leaves_paused_ones(
    redis: Redis,
) -> None:
    world = build_world(redis, FakeClock(utc(2026, 12, 1, 9, 0)), default_tz="UTC")
    await world.channel_cadences(250)  # more than one reconcile batch
    assert (await world.say("mo", "pause c7")).status == "ok"
    await redis.delete("carenudge:due")  # as if Redis lost the queue but kept the cadences

    assert await world.engine.reconcile() == 249
    assert await world.engine.reconcile() == 0
    assert await world.queue.size() == (249, 0)
    await world.run_until(utc(2026, 12, 1, 10, 1))
    assert len(world.messenger.sent) == 249
    assert world.channel("room-6") not in {d.conversation for d in world.messenger.sent}
