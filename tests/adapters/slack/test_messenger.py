"""The Messenger port over Slack's Web API, against the fake on loopback: what each call sends,
and how Slack's errors come back as the engine's."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RedisPacer, interval
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

    async def client_for(team: str, where: str) -> AsyncWebClient:
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

    async def client_for(team: str, where: str) -> AsyncWebClient:
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


async def test_direct_messages_are_opened_and_people_looked_up_under_their_own_limits(
    api: FakeSlackApi, redis: Redis
) -> None:
    """conversations.open (50 a minute) and users.info (100 a minute) are paced per workspace
    before Slack's limits, each on its own, shared by every replica through Redis."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    client = AsyncWebClient(token="xoxb-test", base_url=api.api_url)

    async def client_for(team: str, where: str) -> AsyncWebClient:
        return client

    def pacer(kind: str, per_minute: float) -> RedisPacer:
        every = interval(per_minute / 60)
        return RedisPacer(redis, record, SLACK.pace(kind), 0.0, team_interval_s=every)

    def replica() -> SlackMessenger:
        return SlackMessenger(
            client_for,
            redis,
            SLACK,
            RedisPacer(redis, record, SLACK.pace(), 1.0),
            opener=pacer("open", 50),
            looker=pacer("users", 100),
        )

    first, second = replica(), replica()
    for i, slack in enumerate((first, second, first)):
        await slack.open_dm(MemberRef("slack", "T1", f"U{i}"))
    opened = list(waits)
    waits.clear()
    for i, slack in enumerate((first, second)):
        await slack.time_zone(MemberRef("slack", "T1", f"U{i}"))
    looked_up = list(waits)

    assert len(api.called("conversations.open")) == 3
    assert len(opened) == 2  # the first went at once; the others waited their turn
    assert interval(50 / 60) * 0.9 <= opened[0] <= interval(50 / 60)
    assert interval(50 / 60) * 1.9 <= opened[1] <= interval(50 / 60) * 2
    assert len(looked_up) == 1  # a limit of its own: not behind the opens
    assert interval(100 / 60) * 0.9 <= looked_up[0] <= interval(100 / 60)
