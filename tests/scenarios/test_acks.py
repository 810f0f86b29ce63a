"""Acknowledge first, then work: Slack gives up on a request after 3 s and Teams after 15 s, so
every request is answered at once and the work (and the reply people read) follows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable

import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from adapters.teams.settings import TeamsSettings
from bot.app import build_app
from bot.settings import Settings
from nudges.settings import EngineSettings
from tests.conftest import RedisServer
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.clock import ManualClock, utc
from tests.scenarios.slack import SlackWorld, slack_world, texts
from tests.scenarios.teams import TeamsWorld, card_text, teams_world

pytestmark = pytest.mark.slow
AT_ONCE = 50
PROMPTLY_S = 1.0
"""Far inside Slack's 3 s, even on a busy test machine."""


@pytest.fixture
async def teams(
    redis: Redis, redis_server: RedisServer, teams_transport: str
) -> AsyncIterator[TeamsWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in teams_world(redis_server.url, clock, transport=teams_transport):
        yield world


@pytest.fixture
async def slack(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    async for world in slack_world(redis_server.url, ManualClock(utc(2026, 11, 30, 12, 0))):
        yield world


async def timed(call: Awaitable[int]) -> tuple[int, float]:
    started = time.monotonic()
    status = await call
    return status, time.monotonic() - started


async def test_a_teams_message_is_acknowledged_before_its_answer_waits_its_turn(
    teams: TeamsWorld,
) -> None:
    teams.connector.throttle_next, teams.connector.retry_after = 1, "1"  # Teams says: wait 1 s
    status, took = await timed(teams.say("29:jo", "nudge settings"))
    assert status == 201
    assert took < 0.5
    assert teams.connector.posted() == []  # the answer is still to come
    [answer] = await teams.connector.wait_for(1)
    assert "Your settings" in card_text(answer)
    assert teams.connector.refused == [429]


async def test_messages_in_one_teams_chat_are_answered_in_the_order_they_came(
    teams: TeamsWorld,
) -> None:
    for text in ("nudge stop", "nudge start", "nudge settings"):
        assert await teams.say("29:jo", text) == 201
    answers = await teams.connector.wait_for(3)
    assert "stopped" in card_text(answers[0]).lower()
    assert "Nudges on" in card_text(answers[1])
    assert "Your settings" in card_text(answers[2])


async def test_fifty_teams_messages_at_once_are_all_acknowledged_promptly_then_answered(
    teams: TeamsWorld,
) -> None:
    said = await asyncio.gather(
        *(timed(teams.say(f"29:p{n}", "nudge settings")) for n in range(AT_ONCE))
    )
    assert {status for status, _ in said} == {201}
    assert max(took for _, took in said) < PROMPTLY_S
    answers = await teams.connector.wait_for(AT_ONCE, within_s=15)
    assert {a.conversation for a in answers} == {f"a:1on1-29:p{n}" for n in range(AT_ONCE)}


async def test_fifty_slash_commands_at_once_are_all_acknowledged_promptly_then_answered(
    slack: SlackWorld,
) -> None:
    said = await asyncio.gather(
        *(timed(slack.command(f"UP{n}", "settings")) for n in range(AT_ONCE))
    )
    assert {status for status, _ in said} == {200}
    assert max(took for _, took in said) < PROMPTLY_S
    answers = await slack.api.wait_for_responses(AT_ONCE, within_s=15)
    assert all("Your settings" in texts(a) for a in answers)


async def test_a_teams_message_acknowledged_as_the_bot_stops_is_still_answered(
    redis: Redis, redis_server: RedisServer
) -> None:
    connector = FakeBotConnector()
    await connector.start()
    settings = Settings(
        redis_url=redis_server.url,
        engine=EngineSettings(default_tz="Europe/London"),
        teams=TeamsSettings(),
    )
    app = build_app(settings, clock=ManualClock(utc(2026, 11, 30, 12, 0)))
    client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    try:
        world = TeamsWorld(client, connector, ManualClock(utc(2026, 11, 30, 12, 0)))
        assert await world.say("29:jo", "nudge settings") == 201
    finally:
        await client.close()  # at once: the answer has not gone out yet
    try:
        [answer] = connector.posted()
        assert "Your settings" in card_text(answer)
    finally:
        await connector.close()
