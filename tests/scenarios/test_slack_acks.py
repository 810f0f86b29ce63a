"""Every Slack interaction acknowledges first, then works: a form is answered from what can be
said without Slack, opens before anything is looked up, and is acted on once however often it
is submitted. Slack here is a fake that holds chosen calls unanswered until released, so each
test sees what was answered while Slack was still busy (no timings)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from adapters.slack.settings import SlackSettings
from bot.app import ENGINE, build_app
from bot.settings import Settings
from nudges.model import MemberRef
from nudges.settings import EngineSettings, Secret
from tests.conftest import RedisServer
from tests.fakes import ARRIVAL_S
from tests.fakes.clock import ManualClock, utc
from tests.scenarios.slack import (
    CADENCE_ANSWERS,
    SECRET,
    TEAM,
    SlackWorld,
    slack_world,
    submit,
    texts,
)
from tests.scheduler.fleet import eventually

pytestmark = pytest.mark.slow

PEOPLE = [f"UP{i:02d}" for i in range(12)]
SPECIFIC = "for staying with the family after handover: they felt looked after"


@pytest.fixture
async def slack(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    async for world in slack_world(redis_server.url, ManualClock(utc(2026, 11, 30, 12, 0))):
        yield world


def shoutout_to(people: list[str]) -> dict[str, Any]:
    return {
        "people": {"type": "multi_users_select", "selected_users": people},
        "message": {"type": "plain_text_input", "value": SPECIFIC},
        "behaviour": {"type": "static_select", "selected_option": {"value": "helping"}},
        "private": {"type": "checkboxes", "selected_options": []},
    }


async def cadence_form(slack: SlackWorld) -> dict[str, Any]:
    """The form ``/nudge`` opens for Mo, who manages ward-7, as Slack holds it."""
    await slack.command("UADA", "manager add <@UMO|mo> to ward-7")
    await slack.api.wait_for_responses(1)
    await slack.command("UMO", "")
    await slack.api.wait_for("views.open")
    return slack.api.views[-1]


async def shoutout_form(slack: SlackWorld, user: str = "UPRIYA") -> dict[str, Any]:
    """The form ``/shoutout`` opens, as Slack holds it (with its view id and hash)."""
    opened = len(slack.api.views)
    assert await slack.command(user, "", command="/shoutout") == 200
    await slack.api.wait_for("views.open", opened + 1)
    return slack.api.views[-1]


async def answered(submitting: Any) -> tuple[int, dict[str, Any]]:
    """The HTTP answer to a submission. Bounded: one that waits for held calls never comes."""
    async with asyncio.timeout(ARRIVAL_S):
        result: tuple[int, dict[str, Any]] = await submitting
        return result


def posts_to(slack: SlackWorld) -> Counter[str]:
    return Counter(str(p["channel"]) for p in slack.api.called("chat.postMessage"))


# --- the shout-out form --------------------------------------------------------------------


async def test_a_shoutout_to_twelve_is_acknowledged_while_every_post_is_still_held(
    slack: SlackWorld,
) -> None:
    form = await shoutout_form(slack)
    slack.api.stall("chat.postMessage", "conversations.open")

    status, answer = await answered(submit(slack, "UPRIYA", form, shoutout_to(PEOPLE)))

    assert status == 200
    assert answer["response_action"] == "update"
    assert "Sending it now" in texts(answer["view"])
    assert slack.api.called("chat.postMessage") == []  # not one post answered yet
    [held] = await slack.api.wait_for_held("chat.postMessage")  # the channel's, after the ack
    assert held["channel"] == "C0WARD7"

    await slack.api.release()
    await slack.api.wait_for("chat.postMessage", 1 + len(PEOPLE))
    [note] = await slack.api.wait_for("chat.postEphemeral")
    assert note["user"] == "UPRIYA"
    assert "Shout-out s1 sent in #ward-7" in texts(note)
    [done] = slack.api.called("views.update")
    assert done["view_id"] == form["id"]
    assert "Shout-out s1 sent in #ward-7" in texts(done["view"])
    assert posts_to(slack) == Counter({"C0WARD7": 1, **{f"D{p}": 1 for p in PEOPLE}})


async def test_a_problem_in_the_shoutout_form_is_shown_under_the_words_at_once(
    slack: SlackWorld,
) -> None:
    form = await shoutout_form(slack)
    slack.api.stall("chat.postMessage", "conversations.open", "chat.postEphemeral")
    answers = {
        **shoutout_to(["USAM"]),
        "message": {"type": "plain_text_input", "value": "for looking after Mrs Jones so well"},
    }
    status, answer = await answered(submit(slack, "UPRIYA", form, answers))
    assert status == 200
    assert answer["response_action"] == "errors"
    assert "title and surname" in answer["errors"]["message"]
    assert slack.api.held == []  # nothing was sent, or waited for


async def test_a_shoutout_form_submitted_twice_posts_once(slack: SlackWorld) -> None:
    form = await shoutout_form(slack)
    slack.api.stall("chat.postMessage")  # the first is still sending when the second comes
    _, first = await answered(submit(slack, "UPRIYA", form, shoutout_to(["USAM", "UJO"])))
    _, second = await answered(submit(slack, "UPRIYA", form, shoutout_to(["USAM", "UJO"])))
    assert "Sending it now" in texts(first["view"])
    assert second == {}  # the same form again: it just closes
    await slack.api.release()
    await slack.api.wait_for("chat.postEphemeral")
    assert posts_to(slack) == Counter({"C0WARD7": 1, "DUSAM": 1, "DUJO": 1})
    assert len(slack.api.called("chat.postEphemeral")) == 1


async def test_a_shoutout_form_submitted_twice_at_once_to_two_replicas_posts_once(
    slack: SlackWorld, redis_server: RedisServer
) -> None:
    form = await shoutout_form(slack)
    async with replica(slack, redis_server) as other:
        answers = await asyncio.gather(
            answered(submit(slack, "UPRIYA", form, shoutout_to(["USAM", "UJO"]))),
            answered(submit(other, "UPRIYA", form, shoutout_to(["USAM", "UJO"]))),
        )
        assert sorted(bool(answer) for _, answer in answers) == [False, True]  # closed; sending
        await slack.api.wait_for("chat.postEphemeral")
    assert posts_to(slack) == Counter({"C0WARD7": 1, "DUSAM": 1, "DUJO": 1})
    assert len(slack.api.called("chat.postEphemeral")) == 1


async def test_a_shoutout_that_fails_after_the_form_closed_is_told_privately(
    slack: SlackWorld,
) -> None:
    form = await shoutout_form(slack)
    slack.api.refuse("chat.postMessage", "invalid_blocks")  # Slack refuses the post for good
    status, answer = await answered(submit(slack, "UPRIYA", form, shoutout_to(["USAM"])))
    assert status == 200
    assert "Sending it now" in texts(answer["view"])
    [note] = await slack.api.wait_for("chat.postEphemeral")
    assert "That couldn't be posted" in texts(note)  # and who to tell if it keeps happening
    [shown] = slack.api.called("views.update")
    assert shown["view"]["title"]["text"] == "Not sent"


# --- opening a form ------------------------------------------------------------------------


async def test_the_cadence_form_opens_before_the_time_zone_is_asked_of_slack(
    slack: SlackWorld,
) -> None:
    await slack.command("UADA", "manager add <@UMO|mo> to ward-7")
    await slack.api.wait_for_responses(1)
    slack.api.stall("users.info")
    slack.api.timezones["UMO"] = "America/New_York"

    assert await slack.command("UMO", "") == 200
    [opened] = await slack.api.wait_for("views.open")
    [asked] = await slack.api.wait_for_held("users.info")  # asked after the form opened
    assert asked["user"] == "UMO"
    assert "UMO" not in [c["user"] for c in slack.api.called("users.info")]  # no answer yet
    [tz] = [b for b in opened["view"]["blocks"] if b["block_id"] == "tz"]
    assert "initial_value" not in tz["element"]  # not known yet: left for Slack's
    assert tz["optional"] is True

    await slack.api.release()
    engine = slack.client.app[ENGINE]
    member = MemberRef("slack", TEAM, "UMO")
    assert await eventually(lambda: engine.knows_time_zone(member), within_s=ARRIVAL_S)
    answers = {k: v for k, v in CADENCE_ANSWERS.items() if k != "tz"}
    _, preview = await answered(submit(slack, "UMO", slack.api.views[-1], answers))
    assert "Mon, Wed at 13:00 (America/New_York)" in texts(preview["view"])


async def test_a_form_opens_while_the_channel_is_still_busy_with_earlier_work(
    slack: SlackWorld,
) -> None:
    slack.api.stall("chat.postMessage")
    await slack.command("UJO", f"<@USAM|sam> {SPECIFIC}", command="/shoutout")
    await slack.api.wait_for_held("chat.postMessage")  # the channel's work, waiting on Slack

    assert await slack.command("UPRIYA", "", command="/shoutout") == 200
    await slack.api.wait_for("views.open")
    assert [c.method for c in slack.api.held] == ["chat.postMessage"]  # still waiting
    await slack.api.release()
    [sent] = await slack.api.wait_for_responses(1)  # the earlier work, done after all
    assert "Shout-out s1 sent" in texts(sent)


@pytest.mark.parametrize("trouble", ["refused", "too slow"])
async def test_a_form_that_cannot_open_is_answered_in_plain_words(
    slack: SlackWorld, trouble: str
) -> None:
    if trouble == "refused":
        slack.api.refuse("views.open", "expired_trigger_id")
    else:
        slack.api.stall("views.open")  # past the trigger's 3 s: it would never open now
    assert await slack.command("UPRIYA", "", command="/shoutout") == 200
    [reply] = await slack.api.wait_for_responses(1)
    assert reply["response_type"] == "ephemeral"
    said = texts(reply)
    assert "The form didn't open" in said
    assert "Please try /shoutout again in a moment" in said
    assert "/shoutout @name for what they did" in said
    await slack.api.release()
    engine = slack.client.app[ENGINE]  # the time zone is still learnt, after the answer
    member = MemberRef("slack", TEAM, "UPRIYA")
    assert await eventually(lambda: engine.knows_time_zone(member), within_s=ARRIVAL_S)


# --- the cadence form ----------------------------------------------------------------------


async def test_a_cadence_preview_is_answered_while_slack_is_asked_about_the_channel(
    slack: SlackWorld,
) -> None:
    await cadence_form(slack)
    slack.api.stall("conversations.info")
    slack.api.outside.add("CICU")
    answers = {
        **CADENCE_ANSWERS,
        "channel": {"type": "conversations_select", "selected_conversation": "CICU"},
    }
    status, answer = await answered(submit(slack, "UMO", slack.api.views[-1], answers))
    assert status == 200
    assert "Mon, Wed at 13:00 (Europe/London)" in texts(answer["view"])
    await slack.api.wait_for_held("conversations.info")  # Slack, slow to say, is not waited for

    await slack.api.release()
    [shown] = await slack.api.wait_for("views.update")  # and the preview then says so
    assert shown["view_id"] == slack.api.views[-1]["id"]
    assert "CareNudge can't post in" in texts(shown["view"])
    assert "/invite @CareNudge" in texts(shown["view"])


async def test_when_slack_says_at_once_the_channel_problem_shows_under_the_channel_picker(
    slack: SlackWorld,
) -> None:
    """The rest of what was chosen stays in the form: only the channel needs changing."""
    await cadence_form(slack)
    slack.api.outside.add("CICU")
    answers = {
        **CADENCE_ANSWERS,
        "channel": {"type": "conversations_select", "selected_conversation": "CICU"},
    }
    status, answer = await answered(submit(slack, "UMO", slack.api.views[-1], answers))
    assert status == 200
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["channel"]
    assert "/invite @CareNudge" in answer["errors"]["channel"]
    assert slack.api.called("views.update") == []


async def test_a_cadence_form_saved_twice_saves_one_cadence(slack: SlackWorld) -> None:
    await cadence_form(slack)
    form = slack.api.views[-1]
    _, preview = await answered(submit(slack, "UMO", form, CADENCE_ANSWERS))
    slack.api.stall("conversations.info")  # Save asks Slack about the channel, after its ack
    saving = {**preview["view"], "id": form["id"]}  # Slack keeps the id through an update
    first, second = await asyncio.gather(
        answered(submit(slack, "UMO", saving, {})), answered(submit(slack, "UMO", saving, {}))
    )
    assert first == second == (200, {})  # the form closes at once, both times
    await slack.api.release()
    [note] = await slack.api.wait_for("chat.postEphemeral")
    assert "Cadence c1 is set" in texts(note)
    engine = slack.client.app[ENGINE]
    assert await engine.stores.cadences.get("c1") is not None
    assert await engine.stores.cadences.get("c2") is None
    assert len(slack.api.called("chat.postEphemeral")) == 1


# --- a second replica ----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def replica(world: SlackWorld, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    """Another CareNudge on the same Redis and the same fake Slack: a second replica."""
    slack = SlackSettings(
        signing_secret=Secret(SECRET), bot_token=Secret("xoxb-test"), api_url=world.api.api_url
    )
    settings = Settings(
        redis_url=redis_server.url, engine=EngineSettings(default_tz="Europe/London"), slack=slack
    )
    server = TestServer(build_app(settings, clock=world.clock), host="127.0.0.1", port=0)
    async with TestClient(server) as client:
        yield SlackWorld(client, world.api, world.clock, world.triggers + 1000)
