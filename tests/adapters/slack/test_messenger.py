"""The Messenger port over Slack's Web API, against the fake on loopback: what each call sends,
and how Slack's errors come back as the engine's."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RedisPacer
from adapters.slack.messenger import RATE_LIMITED_TRIES, SlackMessenger
from nudges.cards import Card, Text
from nudges.errors import ConversationGone, RateLimited
from nudges.keys import KeySpace
from nudges.model import Conversation, MemberRef
from tests.fakes.slack_api import FakeSlackApi

SLACK = KeySpace().platform("slack")

CARD = Card((Text(("Check in with someone after today's hard case.",)),), "Check in")


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    yield fake
    await fake.close()


async def no_wait(seconds: float) -> None:
    return None


def messenger(api: FakeSlackApi, redis: Redis) -> SlackMessenger:
    client = AsyncWebClient(token="xoxb-test", base_url=api.api_url)

    async def client_for(team: str) -> AsyncWebClient:
        return client

    return SlackMessenger(client_for, redis, SLACK, RedisPacer(redis, no_wait, SLACK.pace(), 1.0))


async def test_send_update_and_open_dm_call_the_web_api(api: FakeSlackApi, redis: Redis) -> None:
    slack = messenger(api, redis)
    dm = await slack.open_dm(MemberRef("slack", "T1", "USAM"))
    assert dm.channel_id == "DUSAM"
    await slack.open_dm(MemberRef("slack", "T1", "USAM"))
    assert len(api.called("conversations.open")) == 1  # cached
    ref = await slack.send(dm, CARD, key="k1")
    await slack.update(ref, CARD)
    [posted] = api.called("chat.postMessage")
    assert posted["channel"] == "DUSAM"
    assert posted["text"] == "Check in"
    assert posted["unfurl_links"] is False
    [updated] = api.called("chat.update")
    assert updated["ts"] == ref.message_id
    assert await slack.was_sent(dm, "k1") is None  # Slack can't tell without history scopes


async def test_a_429_that_outlasts_the_retries_is_rate_limited(
    api: FakeSlackApi, redis: Redis
) -> None:
    api.rate_limit_next, api.retry_after = RATE_LIMITED_TRIES, 7
    with pytest.raises(RateLimited) as caught:
        await messenger(api, redis).send(Conversation("slack", "T1", "C1"), CARD)
    assert caught.value.retry_after_s == 7
    assert api.called("chat.postMessage") == []


async def test_after_a_429_the_message_waits_for_the_hold_on_the_workspace_then_goes(
    api: FakeSlackApi, redis: Redis
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    client = AsyncWebClient(token="xoxb-test", base_url=api.api_url)

    async def client_for(team: str) -> AsyncWebClient:
        return client

    slack = SlackMessenger(client_for, redis, SLACK, RedisPacer(redis, record, SLACK.pace(), 1.0))
    api.rate_limit_next, api.retry_after = 1, 3
    await slack.send(Conversation("slack", "T1", "C1"), CARD)
    assert len(api.called("chat.postMessage")) == 1
    assert 2.9 <= max(waits) <= 3.0
    waits.clear()
    await slack.send(Conversation("slack", "T1", "C2"), CARD)  # another channel: held too
    assert 2.9 <= max(waits) <= 3.0


async def test_someone_slack_cannot_reach_is_gone(api: FakeSlackApi, redis: Redis) -> None:
    api.gone_users.add("ULEFT")
    with pytest.raises(ConversationGone):
        await messenger(api, redis).open_dm(MemberRef("slack", "T1", "ULEFT"))


async def test_messages_to_one_channel_are_paced_a_second_apart_across_senders(
    redis: Redis,
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    first = RedisPacer(redis, record, SLACK.pace(), 1.0)
    second = RedisPacer(redis, record, SLACK.pace(), 1.0)  # another replica
    started = time.monotonic()
    await first.wait_turn("T1", "C1")
    await second.wait_turn("T1", "C1")
    await first.wait_turn("T1", "C1")
    await second.wait_turn("T1", "C2")  # another channel is not held up
    assert time.monotonic() - started < 0.5
    assert len(waits) == 2
    assert 0.9 <= waits[0] <= 1.0
    assert 1.9 <= waits[1] <= 2.0
