"""Slack's errors as people meet them: CareNudge not in the channel, the channel archived or
gone, its token revoked, a permission it was installed without, Slack asking it to slow down,
and people it can no longer reach. Whoever met it is told what happened and what fixes it;
nothing that cannot succeed is tried again; the log has one plain line, never a traceback,
the message or a token."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from redis.asyncio import Redis

from adapters.slack.messenger import RATE_LIMITED_TRIES
from tests.conftest import RedisServer
from tests.fakes.clock import ManualClock, WallClock, utc
from tests.scenarios.slack import SlackWorld, slack_world, texts

pytestmark = pytest.mark.slow

TOKEN = "xoxb-test"
"""The bot token of the world (``slack_world``)."""
WORDS = "for staying with the family after handover"
SHOUTOUT = f"<@USAM|sam> {WORDS}"
PAUSE = "30s for everyone who cared for her"


@pytest.fixture
async def slack(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in slack_world(redis_server.url, clock):
        yield world


@pytest.fixture
async def wall(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    """On the wall clock, so that waiting as Slack asks takes the time it takes."""
    async for world in slack_world(redis_server.url, WallClock()):
        yield world


def plain_log(caplog: pytest.LogCaptureFixture, about: str) -> None:
    """One line says what Slack said; nothing is a traceback, an error, the words or a token."""
    ours = [r for r in caplog.records if r.name != "aiohttp.access"]
    assert [r for r in ours if r.exc_info or r.levelno >= logging.ERROR] == []
    assert len([r for r in ours if about in r.getMessage()]) == 1, [r.getMessage() for r in ours]
    assert "family" not in caplog.text
    assert "cared for her" not in caplog.text
    assert TOKEN not in caplog.text


async def answer_to(slack: SlackWorld, user: str, text: str, command: str) -> str:
    before = len(slack.api.responses)
    assert await slack.command(user, text, command=command) == 200
    responses = await slack.api.wait_for_responses(before + 1)
    [reply] = responses[before:]
    assert reply["response_type"] == "ephemeral"
    said = texts(reply)
    assert "Something went wrong" not in said
    assert "Traceback" not in said
    return said


# --- the channel ---------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "text"), [("/shoutout", SHOUTOUT), ("/pause", PAUSE)])
async def test_a_command_in_a_channel_carenudge_is_not_in_says_to_invite_it(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, command: str, text: str
) -> None:
    slack.api.outside.add("C0WARD7")
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UPRIYA", text, command)
    assert "CareNudge can't post in #ward-7 yet" in said
    assert "Invite CareNudge to the channel: type /invite @CareNudge there." in said
    assert "Nothing was posted" in said
    assert len(slack.api.called("chat.postMessage")) == 1  # tried once: it cannot succeed
    plain_log(caplog, "not_in_channel")

    slack.api.outside.discard("C0WARD7")  # invited: the same command now goes
    await answer_to(slack, "UPRIYA", text, command)
    _refused, posted = await slack.api.wait_for_posts("C0WARD7", 2)
    assert WORDS in texts(posted) or "A moment to pause" in texts(posted)


async def test_a_shoutout_in_an_archived_channel_says_so_and_how_to_fix_it(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    slack.api.archived.add("C0WARD7")
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UPRIYA", SHOUTOUT, "/shoutout")
    assert "#ward-7 was archived, so nothing can be posted there." in said
    assert "Unarchive the channel, or choose another one." in said
    assert slack.api.called("conversations.open") == []  # Sam is not told of what never was
    plain_log(caplog, "is_archived")


async def test_a_pause_in_a_channel_slack_cannot_find_says_to_invite_carenudge(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    slack.api.refuse("chat.postMessage", "channel_not_found")
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UJO", PAUSE, "/pause")
    assert "#ward-7 can't be found" in said
    assert "If it is a private channel, invite CareNudge to it (/invite @CareNudge)" in said
    assert len(slack.api.called("chat.postMessage")) == 1
    plain_log(caplog, "channel_not_found")

    # The channel was not left taken by a pause that never began.
    del slack.api.refusals["chat.postMessage"]
    said = await answer_to(slack, "UJO", PAUSE, "/pause")
    assert "Your pause has begun" in said


# --- CareNudge's access --------------------------------------------------------------------


REVOKED = ["token_revoked", "invalid_auth", "account_inactive", "not_authed"]
"""What Slack answers once it no longer takes a token (the app removed, the token revoked, the
workspace deleted), on every method's reference page."""


@pytest.mark.parametrize("error", REVOKED)
@pytest.mark.parametrize(("command", "text"), [("/shoutout", SHOUTOUT), ("/pause", PAUSE)])
async def test_with_its_token_revoked_people_are_told_carenudge_needs_adding_again(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, error: str, command: str, text: str
) -> None:
    await answer_to(slack, "UPRIYA", "help", "/nudge")  # served while the token still worked
    slack.api.revoke(TOKEN, error)
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UPRIYA", text, command)
    assert "CareNudge needs adding to this Slack workspace again: your Slack admin can do it." in (
        said
    )
    assert len(slack.api.called("chat.postMessage")) == 1  # not tried again
    plain_log(caplog, error)


async def test_a_permission_carenudge_was_installed_without_is_named_for_the_admin(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    slack.api.refuse(
        "chat.postMessage", "missing_scope", needed="chat:write", provided="commands,users:read"
    )
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UPRIYA", SHOUTOUT, "/shoutout")
    assert "CareNudge isn't allowed to post in #ward-7." in said
    assert "installed without a permission it needs (Slack calls it chat:write)" in said
    assert "your Slack admin can add CareNudge to the workspace again" in said
    assert len(slack.api.called("chat.postMessage")) == 1  # not tried again
    plain_log(caplog, "missing_scope")


# --- Slack asking CareNudge to slow down ---------------------------------------------------


async def test_a_429_is_waited_out_as_slack_asks_and_the_shoutout_then_posts(
    wall: SlackWorld,
) -> None:
    slack = wall
    slack.api.rate_limit_next, slack.api.retry_after = 1, 1
    said = await answer_to(slack, "UPRIYA", SHOUTOUT, "/shoutout")
    assert "Shout-out s1 sent in #ward-7" in said
    [limited] = [c for c in slack.api.calls if c.method == "chat.postMessage:429"]
    [posted] = [
        c
        for c in slack.api.calls
        if c.method == "chat.postMessage" and c.params["channel"] == "C0WARD7"
    ]
    assert posted.at - limited.at >= 0.95  # Retry-After: 1


async def test_when_slack_keeps_asking_to_slow_down_the_person_is_told_to_try_again_soon(
    wall: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    slack = wall
    slack.api.rate_limit_next, slack.api.retry_after = RATE_LIMITED_TRIES, 1
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UJO", PAUSE, "/pause")
    assert "Messages are going out more slowly for a moment, so nothing was posted." in said
    assert "try again in a minute" in said
    tries = [c.at for c in slack.api.calls if c.method == "chat.postMessage:429"]
    assert len(tries) == RATE_LIMITED_TRIES
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(tries))
    plain_log(caplog, "RateLimited")


# --- people CareNudge can no longer reach --------------------------------------------------


@pytest.mark.parametrize("error", ["user_not_found", "user_disabled", "cannot_dm_bot"])
async def test_the_giver_hears_when_someone_they_recognised_cannot_be_told(
    slack: SlackWorld, error: str
) -> None:
    slack.api.refuse("conversations.open", error)
    said = await answer_to(slack, "UPRIYA", SHOUTOUT, "/shoutout")
    assert "Shout-out s1 sent in #ward-7" in said
    assert "I couldn't tell them by direct message" in said
    assert "USAM" not in said
    assert len(slack.api.called("conversations.open")) == 1  # not tried again
    [post] = await slack.api.wait_for_posts("C0WARD7")
    assert WORDS in texts(post)


async def test_with_its_token_revoked_before_anything_was_served_bolt_says_so_at_once(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt asks auth.test about the one token on the first request; refused, it answers the
    person itself, in our words (``user_facing_authorize_error_message``)."""
    slack.api.revoke(TOKEN, "token_revoked")
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "C0WARD7",
            "channel_name": "ward-7",
            "user_id": "UPRIYA",
            "command": "/shoutout",
            "text": SHOUTOUT,
            "response_url": slack.api.response_url("r1"),
            "trigger_id": "trigger.1",
        }
    )
    with caplog.at_level(logging.INFO):
        status, said = await slack.post(body)
    assert status == 200
    assert "CareNudge isn't installed in this workspace yet (or was removed)" in said
    assert "Your Slack admin can add it again." in said
    assert slack.api.called("chat.postMessage") == []
    assert [r for r in caplog.records if r.exc_info] == []
    assert TOKEN not in caplog.text
    assert "family" not in caplog.text


@pytest.mark.parametrize("command", ["/nudge", "/shoutout"])
async def test_a_form_slack_will_not_open_is_answered_not_left_silent(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    await answer_to(slack, "UPRIYA", "help", "/nudge")  # served while the token still worked
    slack.api.revoke(TOKEN, "invalid_auth")
    with caplog.at_level(logging.INFO):
        said = await answer_to(slack, "UPRIYA", "", command)
    assert "CareNudge needs adding to this Slack workspace again: your Slack admin can do it." in (
        said
    )
    assert len(slack.api.called("views.open")) == 1
    plain_log(caplog, "invalid_auth")
