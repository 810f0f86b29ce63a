"""The Messenger port over Slack's Web API, against the fake on loopback: what each call sends,
and how Slack's errors come back as the engine's."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable

import pytest
from redis.asyncio import Redis
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RedisPacer, interval
from adapters.slack.messenger import RATE_LIMITED_TRIES, SlackMessenger
from nudges.cards import Card, Text
from nudges.errors import ConversationGone, RateLimited
from nudges.keys import KeySpace
from nudges.model import Conversation, MemberRef, MessageRef, Unreachable
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


GONE_AS_SLACK_SAYS = [
    ("chat.postMessage", "not_in_channel", Unreachable.NOT_IN_CHANNEL),
    ("chat.postMessage", "is_archived", Unreachable.ARCHIVED),
    ("chat.postMessage", "channel_not_found", Unreachable.CHANNEL_GONE),
    ("chat.postMessage", "restricted_action", Unreachable.NOT_ALLOWED),
    ("conversations.open", "user_not_found", Unreachable.PERSON_GONE),
    ("conversations.open", "user_disabled", Unreachable.PERSON_GONE),
    ("conversations.open", "cannot_dm_bot", Unreachable.UNKNOWN),
    ("chat.postMessage", "token_revoked", Unreachable.NOT_INSTALLED),
    ("chat.postMessage", "invalid_auth", Unreachable.NOT_INSTALLED),
    ("chat.postMessage", "account_inactive", Unreachable.NOT_INSTALLED),
    ("chat.postMessage", "not_authed", Unreachable.NOT_INSTALLED),
    ("conversations.open", "token_revoked", Unreachable.NOT_INSTALLED),
]


@pytest.mark.parametrize(("method", "error", "reason"), GONE_AS_SLACK_SAYS)
async def test_what_slack_will_never_take_is_gone_at_once_with_why(
    api: FakeSlackApi, redis: Redis, method: str, error: str, reason: Unreachable
) -> None:
    api.refuse(method, error)
    slack = messenger(api, redis)
    call: Awaitable[object] = (
        slack.open_dm(MemberRef("slack", "T1", "USAM"))
        if method == "conversations.open"
        else slack.send(Conversation("slack", "T1", "C1"), CARD)
    )
    with pytest.raises(ConversationGone) as caught:
        await call
    assert caught.value.reason is reason
    assert str(caught.value) == error
    assert len(api.called(method)) == 1  # never tried again


async def test_a_missing_scope_is_gone_and_the_fix_names_the_permission(
    api: FakeSlackApi, redis: Redis
) -> None:
    api.refuse("chat.postMessage", "missing_scope", needed="chat:write", provided="commands")
    with pytest.raises(ConversationGone) as caught:
        await messenger(api, redis).send(Conversation("slack", "T1", "C1"), CARD)
    assert caught.value.reason is Unreachable.NOT_ALLOWED
    assert "chat:write" in caught.value.fix
    assert len(api.called("chat.postMessage")) == 1


async def test_without_the_scope_to_look_at_a_channel_reach_is_left_to_the_first_fire(
    api: FakeSlackApi, redis: Redis
) -> None:
    api.refuse("conversations.info", "missing_scope", needed="channels:read")
    await messenger(api, redis).check_reach(Conversation("slack", "T1", "C1"))  # says nothing


async def test_rate_limited_without_a_429_is_still_a_slowdown(
    api: FakeSlackApi, redis: Redis
) -> None:
    api.refuse("chat.update", "rate_limited")
    slack = messenger(api, redis)
    with pytest.raises(RateLimited):
        await slack.update(MessageRef(Conversation("slack", "T1", "C1"), "1.1"), CARD)


async def test_an_update_met_by_a_429_waits_as_slack_asks_then_goes(
    api: FakeSlackApi, redis: Redis
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    client = AsyncWebClient(token="xoxb-test", base_url=api.api_url)

    async def client_for(team: str, where: str) -> AsyncWebClient:
        return client

    editor = RedisPacer(redis, record, SLACK.pace("update"), 0.0)
    slack = SlackMessenger(
        client_for, redis, SLACK, RedisPacer(redis, record, SLACK.pace(), 1.0), editor=editor
    )
    api.limit_next("chat.update")
    api.retry_after = 2
    await slack.update(MessageRef(Conversation("slack", "T1", "C1"), "1.1"), CARD)
    assert len(api.called("chat.update:429")) == 1
    assert len(api.called("chat.update")) == 1
    assert 1.9 <= max(waits) <= 2.0
