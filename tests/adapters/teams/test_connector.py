"""The Bot Connector client: what it sends, how it waits out 429, 412 and 5xx with back-off,
and how a blocked conversation comes back as ConversationGone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.pacing import RedisPacer
from adapters.teams.connector import BotConnector
from nudges.errors import ConversationGone, DeliveryError, RateLimited
from nudges.keys import KeySpace
from tests.fakes.bot_connector import FakeBotConnector

PACE = KeySpace()


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotConnector]:
    connector = FakeBotConnector()
    await connector.start()
    yield connector
    await connector.close()


@pytest.fixture
async def waits() -> list[float]:
    """Back-off waits between attempts."""
    return []


@pytest.fixture
async def paced() -> list[float]:
    """Waits for a turn under the rate limits."""
    return []


@pytest.fixture
async def connector(
    redis: Redis, waits: list[float], paced: list[float]
) -> AsyncIterator[BotConnector]:
    async def back_off(seconds: float) -> None:
        waits.append(seconds)

    async def turn(seconds: float) -> None:
        paced.append(seconds)

    async def no_token() -> str | None:
        return None

    client = BotConnector(
        no_token,
        RedisPacer(redis, turn, PACE.platform("teams").pace(), 1 / 7, team_interval_s=1 / 30),
        sleep=back_off,
    )
    yield client
    await client.close()


ACTIVITY = {"type": "message", "text": "hello"}


async def test_send_update_and_open_a_personal_chat(
    connector: BotConnector, fake: FakeBotConnector
) -> None:
    chat = await connector.open_personal(fake.url, "tenant-1", "28:bot", "29:jo")
    assert chat == "a:1on1-29:jo"
    assert fake.created[0]["channelData"] == {"tenant": {"id": "tenant-1"}}
    activity_id = await connector.send(fake.url, "tenant-1", chat, ACTIVITY)
    await connector.update(fake.url, "tenant-1", chat, activity_id, ACTIVITY)
    [posted] = fake.posted(chat)
    assert posted.activity["text"] == "hello"
    assert posted.token == ""  # anonymous: no Authorization header at all
    [put] = fake.updated()
    assert put.activity_id == activity_id


@pytest.mark.parametrize("status", [412, 502, 504])
async def test_passing_failures_are_retried_with_jittered_back_off(
    connector: BotConnector, fake: FakeBotConnector, waits: list[float], status: int
) -> None:
    fake.fail_next, fake.failure_status = 2, status
    await connector.send(fake.url, "t", "c1", ACTIVITY)
    assert fake.refused == [status, status]
    assert len(fake.posted("c1")) == 1
    assert len(waits) == 2
    assert 0 <= waits[0] <= 0.5
    assert 0 <= waits[1] <= 1.0


async def test_429_waits_as_asked_and_gives_up_as_rate_limited(
    connector: BotConnector, fake: FakeBotConnector, paced: list[float]
) -> None:
    fake.throttle_next, fake.retry_after = 1, "3"
    await connector.send(fake.url, "t", "c1", ACTIVITY)
    assert 2.9 <= max(paced) <= 3.0  # the next turn waited out the hold on the tenant
    fake.throttle_next = 10
    with pytest.raises(RateLimited) as caught:
        await connector.send(fake.url, "t", "c1", ACTIVITY)
    assert caught.value.retry_after_s == 3.0
    assert len(fake.posted("c1")) == 1  # nothing sent twice


async def test_a_conversation_blocked_by_the_user_is_gone_and_not_retried(
    connector: BotConnector, fake: FakeBotConnector
) -> None:
    fake.blocked.add("a:1on1-29:jo")
    with pytest.raises(ConversationGone):
        await connector.send(fake.url, "t", "a:1on1-29:jo", ACTIVITY)
    assert fake.refused == [403]


async def test_an_unreachable_connector_is_a_delivery_error(connector: BotConnector) -> None:
    with pytest.raises(DeliveryError):
        await connector.send("http://127.0.0.1:9/", "t", "c1", ACTIVITY)


async def test_sends_are_paced_per_conversation_and_per_tenant(
    connector: BotConnector, fake: FakeBotConnector, paced: list[float]
) -> None:
    for _ in range(3):
        await connector.send(fake.url, "t", "c1", ACTIVITY)
    waited = sorted(w for w in paced if w > 0)
    assert len(waited) >= 2
    assert waited[-1] >= 0.2  # the third message in one conversation waits two sevenths
    assert all(w <= 0.3 for w in waited)
