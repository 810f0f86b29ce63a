"""CareNudge in Slack, end to end: signed requests into ``POST /slack/events`` and a fake
Slack Web API on loopback that records what the bot sent."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet
from redis.asyncio import Redis
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.oauth.installation_store.models.installation import Installation

from adapters.slack.settings import SlackSettings
from bot.app import ENGINE, build_app
from bot.settings import Settings
from nudges.model import MemberRef
from nudges.settings import Secret
from tests.conftest import RedisServer
from tests.fakes.clock import ManualClock, utc
from tests.fakes.slack_api import FakeSlackApi
from tests.scenarios.slack import (
    CADENCE_ANSWERS,
    TEAM,
    SlackWorld,
    open_home,
    press_on_home,
    slack_world,
    submit,
    texts,
)
from tests.scheduler.fleet import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
async def slack(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in slack_world(redis_server.url, clock):
        yield world


def valid(message: dict[str, object]) -> None:
    for block in Block.parse_all(message["blocks"]):  # type: ignore[arg-type]
        block.validate_json()


async def team_with_manager(slack: SlackWorld) -> None:
    assert await slack.command("UADA", "manager add <@UMO|mo> to ward-7") == 200
    await slack.api.wait_for_responses(1)


# --- security ------------------------------------------------------------------------------


async def test_a_request_with_a_bad_signature_gets_401(slack: SlackWorld) -> None:
    status, _ = await slack.post("command=%2Fnudge&text=help", secret="not-the-secret")
    assert status == 401
    assert slack.api.responses == []


async def test_a_stale_request_gets_401(slack: SlackWorld) -> None:
    status, _ = await slack.post("command=%2Fnudge&text=help", age_s=6 * 60)
    assert status == 401


# --- commands ------------------------------------------------------------------------------


async def test_a_slash_command_is_acknowledged_then_answered_privately(slack: SlackWorld) -> None:
    assert await slack.command("USAM", "help") == 200
    [reply] = await slack.api.wait_for_responses(1)
    assert reply["response_type"] == "ephemeral"
    assert "CareNudge: small, kind acts, made easy" in texts(reply)
    valid(reply)


async def test_commands_in_one_channel_are_worked_on_in_the_order_they_came(
    slack: SlackWorld,
) -> None:
    # Acknowledged at once, worked on afterwards: the cadence must wait for the manager.
    for user, text in [
        ("UADA", "manager add <@UMO|mo> to ward-7"),
        ("UMO", "create daily at 13:00 to team"),
        ("UADA", "manager remove <@UMO|mo> from ward-7"),
    ]:
        assert await slack.command(user, text) == 200
    first, second, third = await slack.api.wait_for_responses(3)
    assert "now manages ward-7" in texts(first)
    assert "Only" not in texts(second)
    assert "13:00" in texts(second)
    assert "no longer manages ward-7" in texts(third)


async def test_a_manager_creates_a_cadence_by_text_and_it_fires_into_the_channel(
    slack: SlackWorld,
) -> None:
    await team_with_manager(slack)
    await slack.command("UMO", "create daily at 13:00 to <#C0WARD7|ward-7> theme helping")
    replies = await slack.api.wait_for_responses(2)
    assert "Cadence c1 is set" in texts(replies[1])
    assert "#ward-7" in texts(replies[1])

    slack.clock.set(utc(2026, 11, 30, 13, 0))
    [prompt] = await slack.api.wait_for("chat.postMessage")
    assert prompt["channel"] == "C0WARD7"
    assert "Helping" in texts(prompt)
    valid(prompt)


async def test_direct_messages_arrive_at_each_members_own_local_time(slack: SlackWorld) -> None:
    slack.api.timezones["UNINA"] = "America/New_York"
    await team_with_manager(slack)
    for user in ("USAM", "UNINA"):
        await slack.command(user, "join ward-7")
    await slack.command("UMO", "create daily at 08:00 to team local time")
    await slack.api.wait_for_responses(4)

    slack.clock.set(utc(2026, 12, 1, 8, 0))  # 08:00 in London
    [london] = await slack.api.wait_for("chat.postMessage")
    assert london["channel"] == "DUSAM"
    slack.clock.set(utc(2026, 12, 1, 13, 0))  # 08:00 in New York (Slack's time zone for Nina)
    sent = await slack.api.wait_for("chat.postMessage", 2)
    assert sent[1]["channel"] == "DUNINA"
    opened = {c["users"] for c in slack.api.called("conversations.open")}
    assert opened == {"USAM", "UNINA"}


async def test_a_whole_ward_new_to_the_bot_at_once_still_gets_nudged_at_its_own_local_time(
    slack: SlackWorld,
) -> None:
    """users.info is paced (100 a minute): the lookups that cannot be made at once are made
    after each answer, and their nudges planned again, so none goes out at London's 08:00."""
    people = [f"UNY{i}" for i in range(8)]
    for user in people:
        slack.api.timezones[user] = "America/New_York"
    await team_with_manager(slack)
    for user in people:
        await slack.command(user, "join ward-7")
    await slack.command("UMO", "create daily at 08:00 to team local time")
    await slack.api.wait_for_responses(len(people) + 2)
    engine = slack.client.app[ENGINE]

    async def all_known() -> bool:
        known = [await engine.knows_time_zone(MemberRef("slack", TEAM, u)) for u in people]
        return all(known)

    assert await eventually(all_known, within_s=20)
    slack.clock.set(utc(2026, 12, 1, 8, 0))  # 08:00 in London: too early for New York
    await asyncio.sleep(0.5)
    assert slack.api.called("chat.postMessage") == []
    slack.clock.set(utc(2026, 12, 1, 13, 0))  # 08:00 in New York
    sent = await slack.api.wait_for("chat.postMessage", len(people))
    assert sorted(m["channel"] for m in sent) == sorted(f"D{u}" for u in people)


async def test_metrics_count_deliveries_by_how_they_ended_without_naming_anyone(
    slack: SlackWorld,
) -> None:
    await team_with_manager(slack)
    for user in ("USAM", "ULEFT"):
        await slack.command(user, "join ward-7")
    await slack.command("UMO", "create daily at 13:00 to team")
    await slack.api.wait_for_responses(4)
    slack.api.gone_users.add("ULEFT")
    slack.clock.set(utc(2026, 11, 30, 13, 0))
    await slack.api.wait_for_posts("DUMO")  # the manager is told someone can't be reached
    body = ""

    async def counted() -> bool:
        nonlocal body
        body = await (await slack.client.get("/metrics")).text()
        return 'carenudge_deliveries_total{outcome="sent"} 2.0' in body  # Sam's, the notice

    assert await eventually(counted, within_s=10), body
    assert 'carenudge_deliveries_total{outcome="unreachable"} 1.0' in body
    assert 'carenudge_deliveries_total{outcome="given_up"} 0.0' in body
    assert 'carenudge_deliveries_total{outcome="duplicate_avoided"} 0.0' in body
    assert "USAM" not in body
    assert "ULEFT" not in body


async def test_a_cadence_for_a_channel_the_bot_was_never_invited_to_says_so_at_once(
    slack: SlackWorld,
) -> None:
    await team_with_manager(slack)
    slack.api.outside.add("CICU")
    await slack.command("UMO", "create daily at 09:00 to <#CICU|icu>")
    [*_, answer] = await slack.api.wait_for_responses(2)
    said = texts(answer)
    assert "CareNudge can't post in #icu yet" in said
    assert "/invite @CareNudge" in said
    assert "Nothing was saved" in said
    assert slack.api.called("conversations.info")[-1]["channel"] == "CICU"
    assert await slack.client.app[ENGINE].stores.cadences.get("c1") is None

    slack.api.outside.discard("CICU")  # invited
    await slack.command("UMO", "create daily at 09:00 to <#CICU|icu>")
    [*_, saved] = await slack.api.wait_for_responses(3)
    assert "Cadence c1 is set" in texts(saved)


async def test_done_on_a_direct_message_updates_it_in_place(slack: SlackWorld) -> None:
    await team_with_manager(slack)
    await slack.command("USAM", "join ward-7")
    await slack.command("UMO", "create daily at 13:00 to team")
    await slack.api.wait_for_responses(3)
    slack.clock.set(utc(2026, 11, 30, 13, 0))
    [prompt] = await slack.api.wait_for("chat.postMessage")
    assert await slack.press("USAM", {**prompt, "ts": "1764500001.000100"}, "Done") == 200
    [update] = await slack.api.wait_for("chat.update")
    assert update["channel"] == "DUSAM"
    assert update["ts"] == "1764500001.000100"
    assert texts(update).startswith("Done.")
    valid(update)


async def test_a_button_press_delivered_twice_acts_once(slack: SlackWorld) -> None:
    await team_with_manager(slack)
    await slack.command("USAM", "join ward-7")
    await slack.command("UMO", "create daily at 13:00 to team")
    await slack.api.wait_for_responses(3)
    slack.clock.set(utc(2026, 11, 30, 13, 0))
    [prompt] = await slack.api.wait_for("chat.postMessage")
    message = {**prompt, "ts": "1764500001.000100"}
    await slack.press("USAM", message, "Snooze")
    slack.triggers -= 1  # the same trigger id again: Slack retrying the delivery
    await slack.press("USAM", message, "Snooze")
    await slack.api.wait_for("chat.update")
    await asyncio.sleep(0.3)
    assert len(slack.api.called("chat.update")) == 1


# --- shout-outs and the Pause ---------------------------------------------------------------


async def test_a_shoutout_posts_in_the_channel_and_typed_pings_stay_text(slack: SlackWorld) -> None:
    await slack.command(
        "UPRIYA",
        "<@USAM|sam> for staying with the family after handover <!channel> @here",
        command="/shoutout",
    )
    posts = await slack.api.wait_for("chat.postMessage", 2)
    channel_post = next(p for p in posts if p["channel"] == "C0WARD7")
    body = texts(channel_post)
    assert "<@UPRIYA> recognised <@USAM> for staying with the family after handover" in body
    assert "<!channel>" not in body
    assert "@channel @here" in body
    valid(channel_post)
    assert any(p["channel"] == "DUSAM" for p in posts)


async def test_a_command_with_the_word_payload_in_it_is_read_as_typed(slack: SlackWorld) -> None:
    """Bolt takes a form body with "payload" anywhere in it for a button's (and finds none)."""
    assert (
        await slack.command(
            "UPRIYA", "<@USAM|sam> for the payload checks on the night run", command="/shoutout"
        )
        == 200
    )
    posts = await slack.api.wait_for("chat.postMessage", 2)
    channel_post = next(p for p in posts if p["channel"] == "C0WARD7")
    assert "for the payload checks on the night run" in texts(channel_post)


async def test_a_shoutout_shows_what_was_typed_links_groups_and_all_escaped_once(
    slack: SlackWorld,
) -> None:
    """The text as Slack sends a command's text with escaping on (the shapes of
    https://api.slack.com/reference/surfaces/formatting): escaped once on the way in, undone
    once, escaped once on the way out; a user group is its name, and pings no one."""
    await slack.command(
        "UPRIYA",
        "<@USAM|sam> &amp; <@UJO> for holding A&amp;E together &lt;3 with "
        "<!subteam^S0NURSES|@nurses> :heart: see <https://example.org/rota?w=49&amp;d=7|the rota>.",
        command="/shoutout",
    )
    posts = await slack.api.wait_for("chat.postMessage", 3)
    channel_post = next(p for p in posts if p["channel"] == "C0WARD7")
    valid(channel_post)
    assert channel_post["blocks"][0]["text"]["text"] == (
        "<@UPRIYA> recognised <@USAM> and <@UJO> for holding A&amp;E together &lt;3 with "
        "@nurses :heart: see <https://example.org/rota?w=49&amp;d=7|the rota>."
    )
    assert "A&amp;E together &lt;3" in channel_post["text"]  # the notification, likewise
    for post in posts:
        for wrong in ("&amp;amp;", "&amp;lt;", "@@nurses", "<!subteam", "&lt;https"):
            assert wrong not in texts(post)
    assert {"DUSAM", "DUJO"} <= {p["channel"] for p in posts}


async def test_the_privacy_guard_reads_the_words_as_typed_not_as_slack_escaped_them(
    slack: SlackWorld,
) -> None:
    """ "&lt;3" after a bay is a heart, not a name beside a bed; "&amp;" hides nobody."""
    await slack.command(
        "UPRIYA", "<@USAM|sam> for settling bay 3 so calmly tonight &lt;3", command="/shoutout"
    )
    posts = await slack.api.wait_for("chat.postMessage", 2)
    assert "bay 3 so calmly tonight &lt;3" in texts(
        next(p for p in posts if p["channel"] == "C0WARD7")
    )
    await slack.command(
        "UPRIYA",
        "<@UJO|jo> for sitting with Mrs Jones &amp; her family all evening",
        command="/shoutout",
    )
    [*_, refused] = await slack.api.wait_for_responses(2)
    assert refused["response_type"] == "ephemeral"
    assert "title and surname" in texts(refused)
    assert "Jones" not in texts(refused)
    assert "&amp;amp;" not in texts(refused)
    await slack.command(
        "UPRIYA",
        "<@UJO|jo> for writing up <https://notes.example.org/9434765919|the notes> so clearly",
        command="/shoutout",
    )
    [*_, hidden] = await slack.api.wait_for_responses(3)
    assert "NHS number" in texts(hidden)  # an address is read too, not only a link's words
    assert "9434765919" not in texts(hidden)
    assert len(slack.api.called("chat.postMessage")) == 2


async def test_a_pause_opens_counts_presence_and_closes_after_the_silence(
    slack: SlackWorld,
) -> None:
    assert await slack.command("UJO", "30s for everyone who cared for her", command="/pause") == 200
    [opening] = await slack.api.wait_for("chat.postMessage")
    assert "A moment to pause" in texts(opening)
    for user in ("UALEX", "UPRIYA"):
        await slack.press(user, {**opening, "ts": "1764500001.000100"}, "Pausing with you")
    updates = await slack.api.wait_for("chat.update", 2)
    assert "2 pausing together" in texts(updates[-1])
    assert "alex" not in texts(updates[-1]).lower()

    slack.clock.set(utc(2026, 11, 30, 12, 0, 30))
    posts = await slack.api.wait_for("chat.postMessage", 2)
    assert "Thank you for pausing together" in texts(posts[1])


async def test_escape_codes_and_control_characters_never_reach_the_channel(
    slack: SlackWorld,
) -> None:
    typed = "<@USAM|sam> for staying \x1b[31mlate\x1b[0m\x07 with the \u202efamily\x00 tonight"
    await slack.command("UPRIYA", typed, command="/shoutout")
    posts = await slack.api.wait_for("chat.postMessage", 2)
    channel_post = next(p for p in posts if p["channel"] == "C0WARD7")
    body = texts(channel_post)
    assert "for staying late with the family tonight" in body
    assert not any(c in body for c in "\x1b\x07\x00\u202e")


async def test_a_pause_typo_is_shown_back_privately_and_posted_only_when_asked(
    slack: SlackWorld,
) -> None:
    assert await slack.command("UJO", "follow up in 3 days", command="/pause") == 200
    assert await slack.command("UJO", "days", command="/pause") == 200
    refused, asked = await slack.api.wait_for_responses(2)
    assert "half an hour and 12 hours" in texts(refused)
    assert asked["response_type"] == "ephemeral"
    assert "Did you mean" in texts(asked)
    valid(asked)
    assert slack.api.called("chat.postMessage") == []
    await slack.press("UJO", asked, "Post the pause", channel="C0WARD7", ephemeral=True)
    [opening] = await slack.api.wait_for("chat.postMessage")
    assert "A moment to pause" in texts(opening)
    assert "“days”" in texts(opening)


# --- rate limits ---------------------------------------------------------------------------


async def test_a_fanout_to_200_through_429s_loses_nothing_and_sends_nothing_twice(
    slack: SlackWorld,
) -> None:
    await team_with_manager(slack)
    slack.api.rate_limit_next = 30
    slack.api.retry_after = 0
    for i in range(200):
        await slack.command(f"U{i:03d}", "join ward-7")
    await slack.command("UMO", "create daily at 13:00 to team")
    await slack.api.wait_for_responses(202, within_s=60)
    slack.clock.set(utc(2026, 11, 30, 13, 0))
    sent = await slack.api.wait_for("chat.postMessage", 200, within_s=60)
    await asyncio.sleep(0.5)
    per_channel = Counter(p["channel"] for p in slack.api.called("chat.postMessage"))
    assert len(per_channel) == 200
    assert set(per_channel.values()) == {1}
    assert len(slack.api.called("chat.postMessage:429")) == 30
    assert len(sent) == 200


# --- App Home ------------------------------------------------------------------------------


def valid_view(view: dict[str, object]) -> None:
    View(**view).validate_json()  # type: ignore[arg-type]


async def test_the_home_tab_shows_settings_and_a_retried_event_publishes_once(
    slack: SlackWorld,
) -> None:
    assert await open_home(slack, "USAM", "Ev1") == 200
    assert await open_home(slack, "USAM", "Ev1") == 200  # Slack retrying the same event
    [published] = await slack.api.wait_for("views.publish")
    await asyncio.sleep(0.3)
    assert len(slack.api.called("views.publish")) == 1
    assert published["user_id"] == "USAM"
    view = published["view"]
    valid_view(view)
    body = texts(view)
    assert "Your CareNudge" in body
    assert "Quiet hours" in body
    assert "Europe/London" in body  # Slack's time zone for Sam, learnt on first visit


async def test_a_home_button_changes_a_setting_and_the_tab_shows_it(slack: SlackWorld) -> None:
    await open_home(slack, "USAM", "Ev2")
    [first] = await slack.api.wait_for("views.publish")
    assert await press_on_home(slack, "USAM", first["view"], "Snooze a week") == 200
    published = await slack.api.wait_for("views.publish", 2)
    body = texts(published[1]["view"])
    assert "Snoozed until" in body
    assert "No nudges until" in body  # the confirmation, shown at the top of the tab
    assert slack.api.responses == []  # nothing posted to a response_url: Home has none


async def test_managers_pause_and_delete_cadences_from_the_home_tab(slack: SlackWorld) -> None:
    await team_with_manager(slack)
    await slack.command("UMO", "create daily at 13:00 to <#C0WARD7|ward-7>")
    await slack.api.wait_for_responses(2)
    await open_home(slack, "UMO", "Ev3")
    [home] = await slack.api.wait_for("views.publish")
    assert "c1 · Every day at 13:00 · #ward-7" in texts(home["view"])
    await press_on_home(slack, "UMO", home["view"], "Pause")
    paused = (await slack.api.wait_for("views.publish", 2))[1]["view"]
    assert "(paused)" in texts(paused)
    slack.clock.set(utc(2026, 11, 30, 13, 0))
    await asyncio.sleep(0.3)
    assert slack.api.called("chat.postMessage") == []
    await press_on_home(slack, "UMO", paused, "Delete")
    deleted = (await slack.api.wait_for("views.publish", 3))[2]["view"]
    assert "c1 ·" not in texts(deleted)
    assert "Deleted c1" in texts(deleted)


# --- modals --------------------------------------------------------------------------------


async def test_nudge_alone_opens_a_form_that_previews_before_saving(slack: SlackWorld) -> None:
    await team_with_manager(slack)
    assert await slack.command("UMO", "") == 200
    [opened] = await slack.api.wait_for("views.open")
    assert opened["trigger_id"] == f"trigger.{slack.triggers}"
    form = opened["view"]
    valid_view(form)
    assert form["title"]["text"] == "New cadence"

    status, answer = await submit(slack, "UMO", form, CADENCE_ANSWERS)
    assert status == 200
    assert answer["response_action"] == "update"
    preview = answer["view"]
    valid_view(preview)
    assert "Mon, Wed at 13:00 (Europe/London)" in texts(preview)
    assert "Attending" in texts(preview)
    assert await slack.client.app[ENGINE].stores.cadences.get("c1") is None  # not saved yet

    status, answer = await submit(slack, "UMO", preview, {})
    assert status == 200
    assert answer == {}  # the form closes
    [note] = await slack.api.wait_for("chat.postEphemeral")
    assert note["user"] == "UMO"
    assert "Cadence c1 is set" in texts(note)
    assert await slack.client.app[ENGINE].stores.cadences.get("c1") is not None


async def test_a_mistake_in_the_form_is_shown_under_its_field(slack: SlackWorld) -> None:
    await team_with_manager(slack)
    await slack.command("UMO", "")
    [opened] = await slack.api.wait_for("views.open")
    answers = {**CADENCE_ANSWERS, "times": {"type": "plain_text_input", "value": "25:00"}}
    status, answer = await submit(slack, "UMO", opened["view"], answers)
    assert status == 200
    assert answer["response_action"] == "errors"
    assert "I couldn't read the time '25:00'" in answer["errors"]["times"]


@pytest.mark.parametrize(
    ("field", "answer", "block", "said"),
    [
        ("tz", {"type": "plain_text_input", "value": "Mars/Olympus"}, "tz", "Mars/Olympus"),
        (
            "people",
            {"type": "multi_users_select", "selected_users": [f"U{i:03d}" for i in range(101)]},
            "channel",
            "at most 100 people",
        ),
    ],
)
async def test_each_mistake_in_the_form_is_shown_under_the_field_it_is_about(
    slack: SlackWorld, field: str, answer: dict[str, object], block: str, said: str
) -> None:
    await team_with_manager(slack)
    await slack.command("UMO", "")
    [opened] = await slack.api.wait_for("views.open")
    answers = {**CADENCE_ANSWERS, field: answer}
    if field == "people":
        del answers["channel"]
    status, reply = await submit(slack, "UMO", opened["view"], answers)
    assert status == 200
    assert reply["response_action"] == "errors"
    assert list(reply["errors"]) == [block]
    assert said in reply["errors"][block]


async def test_shoutout_alone_opens_a_form_and_sending_it_posts_the_shoutout(
    slack: SlackWorld,
) -> None:
    assert await slack.command("UPRIYA", "", command="/shoutout") == 200
    [opened] = await slack.api.wait_for("views.open")
    valid_view(opened["view"])
    answers = {
        "people": {"type": "multi_users_select", "selected_users": ["USAM", "UJO"]},
        "message": {
            "type": "plain_text_input",
            "value": "for staying with the family after handover",
        },
        "behaviour": {"type": "static_select", "selected_option": {"value": "helping"}},
        "private": {"type": "checkboxes", "selected_options": []},
    }
    status, answer = await submit(slack, "UPRIYA", opened["view"], answers)
    assert status == 200
    assert "Sending it now" in texts(answer["view"])  # the form says so at once
    valid_view(answer["view"])
    posts = await slack.api.wait_for("chat.postMessage", 3)
    channel_post = next(p for p in posts if p["channel"] == "C0WARD7")
    assert "<@UPRIYA> recognised <@USAM> and <@UJO> for staying with the family" in texts(
        channel_post
    )
    assert "Helping" in texts(channel_post)
    [note] = await slack.api.wait_for("chat.postEphemeral")
    assert "Shout-out s1 sent in #ward-7" in texts(note)
    [sent] = slack.api.called("views.update")  # and the form, once it has gone out
    assert sent["view_id"] == "V1"
    assert "Shout-out s1 sent in #ward-7" in texts(sent["view"])
    valid_view(sent["view"])


async def test_a_shoutout_form_with_identifying_details_asks_for_a_rephrase(
    slack: SlackWorld,
) -> None:
    await slack.command("UPRIYA", "", command="/shoutout")
    [opened] = await slack.api.wait_for("views.open")
    answers = {
        "people": {"type": "multi_users_select", "selected_users": ["USAM"]},
        "message": {"type": "plain_text_input", "value": "for looking after Mrs Jones so well"},
        "behaviour": {"type": "static_select", "selected_option": {"value": "suggest"}},
    }
    _, answer = await submit(slack, "UPRIYA", opened["view"], answers)
    assert answer["response_action"] == "errors"
    assert "title and surname" in answer["errors"]["message"]
    assert "Jones" not in answer["errors"]["message"]
    assert slack.api.called("chat.postMessage") == []


async def test_too_many_people_in_the_shoutout_form_is_said_under_the_people_picker(
    slack: SlackWorld,
) -> None:
    """The picker takes at most 20; should a client send more, the form says so there."""
    await slack.command("UPRIYA", "", command="/shoutout")
    [opened] = await slack.api.wait_for("views.open")
    [picker] = [b for b in opened["view"]["blocks"] if b["block_id"] == "people"]
    assert picker["element"]["max_selected_items"] == 20
    answers = {
        "people": {
            "type": "multi_users_select",
            "selected_users": [f"U{i:03d}" for i in range(21)],
        },
        "message": {"type": "plain_text_input", "value": "for covering every break today"},
        "behaviour": {"type": "static_select", "selected_option": {"value": "suggest"}},
    }
    status, answer = await submit(slack, "UPRIYA", opened["view"], answers)
    assert status == 200
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["people"]
    assert "at most 20 people" in answer["errors"]["people"]
    assert slack.api.called("chat.postMessage") == []


# --- installing in many workspaces ---------------------------------------------------------


@pytest.fixture
async def multi(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in slack_world(redis_server.url, clock, oauth=True):
        yield world


async def test_a_workspace_installs_through_oauth_and_is_then_served_with_its_own_token(
    multi: SlackWorld, redis: Redis
) -> None:
    page = await multi.client.get("/slack/install")
    assert page.status == 200
    html = await page.text()
    link = re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', html)
    assert link is not None
    query = parse_qs(urlsplit(unescape(link.group(1))).query)
    assert query["client_id"] == ["111.222"]
    assert query["scope"] == ["commands,chat:write,im:write,users:read,channels:read,groups:read"]
    state = query["state"][0]

    # Bolt ties the state to this browser with a Secure cookie; send it back as a browser
    # on HTTPS would (the test client speaks plain HTTP on loopback).
    cookie = {"Cookie": f"slack-app-oauth-state={page.cookies['slack-app-oauth-state'].value}"}
    done = await multi.client.get(
        f"/slack/oauth_redirect?code=the-code&state={state}", headers=cookie
    )
    assert done.status == 200, await done.text()
    [exchange] = multi.api.called("oauth.v2.access")
    assert exchange["code"] == "the-code"
    # What an admin (or anyone with a copy of the Redis files) reads holds no token.
    for key in ("carenudge:slack:installation:-:T9", "carenudge:slack:bot:-:T9"):
        stored = await redis.get(key)
        assert stored is not None
        assert "xoxb-" not in stored
        assert "ward-9" not in stored

    # A forged or replayed state is refused.
    again = await multi.client.get(f"/slack/oauth_redirect?code=x&state={state}", headers=cookie)
    assert again.status in (400, 401)
    assert len(multi.api.called("oauth.v2.access")) == 1

    assert await multi.command_in("T9", "UADA", "manager add <@UMO|mo> to ward-9") == 200
    await multi.api.wait_for_responses(1)
    await multi.command_in("T9", "UMO", "create daily at 13:00 to <#C9|ward-9>")
    await multi.api.wait_for_responses(2)
    multi.clock.set(utc(2026, 11, 30, 13, 0))
    await multi.api.wait_for("chat.postMessage")
    assert multi.api.tokens("chat.postMessage") == ["xoxb-ward-9"]


def installed_before_encryption(api: FakeSlackApi, team: str, token: str) -> dict[str, str]:
    """The records an earlier CareNudge wrote for an installation: its fields, in plain JSON
    (and Slack knows whose the token is)."""
    api.issued[token] = {"team_id": team}
    installation = Installation(
        app_id="A1",
        enterprise_id=None,
        team_id=team,
        user_id="UADA",
        bot_token=token,
        bot_id="B9",
        bot_user_id="UBOT9",
        bot_scopes="commands,chat:write",
    )
    return {
        f"carenudge:slack:installation:-:{team}": json.dumps(vars(installation)),
        f"carenudge:slack:bot:-:{team}": json.dumps(vars(installation.to_bot())),
    }


async def test_an_installation_saved_before_encryption_is_served_and_then_kept_encrypted(
    multi: SlackWorld, redis: Redis
) -> None:
    records = installed_before_encryption(multi.api, "T9", "xoxb-ward-9")
    await redis.mset(records)
    assert await multi.command_in("T9", "UADA", "manager add <@UMO|mo> to ward-9") == 200
    [answer] = await multi.api.wait_for_responses(1)
    assert "now manages ward-9" in answer["text"]
    for key in records:
        stored = await redis.get(key)
        assert "xoxb-" not in stored
    # ... and it is still served, from the encrypted records, with its own token.
    await multi.command_in("T9", "UMO", "create daily at 13:00 to <#C9|ward-9>")
    await multi.api.wait_for_responses(2)
    multi.clock.set(utc(2026, 11, 30, 13, 0))
    await multi.api.wait_for("chat.postMessage")
    assert multi.api.tokens("chat.postMessage") == ["xoxb-ward-9"]


async def test_installations_saved_before_encryption_are_encrypted_when_slack_starts(
    redis: Redis, redis_server: RedisServer
) -> None:
    records = installed_before_encryption(FakeSlackApi(), "T7", "xoxb-ward-7")
    await redis.mset(records)
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for _ in slack_world(redis_server.url, clock, oauth=True):
        for key in records:
            assert "xoxb-" not in await redis.get(key)


async def test_with_the_wrong_secret_key_the_workspace_is_told_plainly_and_the_log_says_why(
    redis: Redis, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for first in slack_world(redis_server.url, clock, oauth=True):
        await redis.mset(installed_before_encryption(first.api, "T9", "xoxb-ward-9"))
        assert await first.command_in("T9", "UADA", "help") == 200
        await first.api.wait_for_responses(1)  # read, and so encrypted with SECRET_KEY
    other = Fernet.generate_key().decode()
    async for world in slack_world(redis_server.url, clock, oauth=True, secret_key=other):
        assert await world.command_in("T9", "UADA", "help") == 200
        [answer] = await world.api.wait_for_responses(1)
        assert "CareNudge isn't installed in this workspace yet" in answer["text"]
        assert "Traceback" not in answer["text"]
    assert "can't be read with CARENUDGE_SECRET_KEY: it was saved with another key" in caplog.text


async def test_a_workspace_that_never_installed_is_not_served(multi: SlackWorld) -> None:
    await multi.command_in("T404", "USAM", "help")
    [answer] = await multi.api.wait_for_responses(1)
    assert "CareNudge isn't installed in this workspace yet" in answer["text"]
    assert multi.api.called("chat.postMessage") == []


# --- Socket Mode ---------------------------------------------------------------------------


async def test_in_socket_mode_commands_arrive_over_the_websocket_and_are_acknowledged(
    redis: Redis, redis_server: RedisServer
) -> None:
    api = FakeSlackApi(team_id="T1")
    await api.start()
    settings = Settings(
        redis_url=redis_server.url,
        slack=SlackSettings(
            signing_secret=Secret(""),
            bot_token=Secret("xoxb-test"),
            app_token=Secret("xapp-test"),
            api_url=api.api_url,
        ),
    )
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    try:
        server = TestServer(build_app(settings, clock=clock), host="127.0.0.1", port=0)
        async with TestClient(server) as client:
            unsigned = await client.post("/slack/events", data=b"command=%2Fnudge&text=help")
            assert unsigned.status == 404  # nothing comes in over HTTP in Socket Mode
            [opened] = await api.wait_for("apps.connections.open")
            assert api.tokens("apps.connections.open") == ["xapp-test"]
            payload = {
                "team_id": "T1",
                "channel_id": "C0WARD7",
                "channel_name": "ward-7",
                "user_id": "USAM",
                "user_name": "sam",
                "command": "/nudge",
                "text": "help",
                "response_url": api.response_url("socket"),
                "trigger_id": "trigger.socket",
            }
            await api.send_envelope("slash_commands", payload, "env-1")
            ack = await api.wait_for_ack("env-1")
            assert ack["envelope_id"] == "env-1"
            [reply] = await api.wait_for_responses(1)
            assert reply["response_type"] == "ephemeral"
            assert "CareNudge: small, kind acts" in texts(reply)
            assert opened is not None
    finally:
        await api.close()


# --- data rights ---------------------------------------------------------------------------


async def test_my_data_then_forget_me_leaves_nothing_in_redis_that_names_them(
    slack: SlackWorld, redis: Redis
) -> None:
    await team_with_manager(slack)
    await slack.command("USAM", "join ward-7")
    await slack.command("UMO", "create daily at 13:00 to team")
    await slack.api.wait_for_responses(3)
    slack.clock.set(utc(2026, 11, 30, 13, 0))
    await slack.api.wait_for_posts("DUSAM", 1)  # the prompt: Slack's DM channel, now cached

    await slack.command("USAM", "my data")
    [*_, sent] = await slack.api.wait_for_responses(4)
    assert "Sent to you privately" in texts(sent)
    _, summary, as_json = await slack.api.wait_for_posts("DUSAM", 3, within_s=15)
    assert "What CareNudge holds about you" in texts(summary)
    valid(summary)
    valid(as_json)
    data = json.loads("".join(texts(as_json).splitlines(keepends=True)[2:]))
    assert data["you"]["user_id"] == "USAM"
    assert data["teams"]["joined"] == ["ward-7"]
    assert data["kept_by_the_platform_adapter"] == {
        "Your direct-message channel with CareNudge": "DUSAM",
        "Your time zone, as Slack gave it": "Europe/London",  # the fake's users.info
    }

    await slack.command("USAM", "forget me")
    [*_, asked] = await slack.api.wait_for_responses(5)
    assert "It can't be undone." in texts(asked)
    await slack.press("USAM", asked, "Erase everything", channel="C0WARD7", ephemeral=True)
    [*_, done] = await slack.api.wait_for_responses(6)
    assert "All erased" in texts(done)
    async for key in redis.scan_iter():
        assert "USAM" not in key, key
        if await redis.type(key) == "string":
            assert "USAM" not in str(await redis.get(key)), key


async def test_the_person_who_installed_can_be_forgotten_and_the_workspace_keeps_working(
    multi: SlackWorld, redis: Redis
) -> None:
    await redis.mset(installed_before_encryption(multi.api, "T9", "xoxb-ward-9"))  # by UADA
    assert await multi.command_in("T9", "UADA", "my data") == 200
    await multi.api.wait_for_responses(1)
    _, as_json = await multi.api.wait_for_posts("DUADA", 2, within_s=15)
    data = json.loads("".join(texts(as_json).splitlines(keepends=True)[2:]))
    assert data["kept_by_the_platform_adapter"]["You installed CareNudge in this workspace"] == "T9"

    assert await multi.command_in("T9", "UADA", "forget me") == 200
    [*_, asked] = await multi.api.wait_for_responses(2)
    assert (
        await multi.press(
            "UADA", asked, "Erase everything", channel="C9", ephemeral=True, team="T9"
        )
        == 200
    )
    [*_, done] = await multi.api.wait_for_responses(3)
    assert "All erased" in texts(done)

    # The workspace is still served with its own token, and its record no longer names them.
    assert await multi.command_in("T9", "UADA", "manager add <@UMO|mo> to ward-9") == 200
    [*_, added] = await multi.api.wait_for_responses(4)
    assert "now manages ward-9" in texts(added)
    assert await multi.command_in("T9", "UADA", "my data") == 200
    await multi.api.wait_for_responses(5)
    *_, again = await multi.api.wait_for_posts("DUADA", 4, within_s=15)
    assert "You installed" not in texts(again)
    assert multi.api.tokens("chat.postMessage")[-1] == "xoxb-ward-9"
