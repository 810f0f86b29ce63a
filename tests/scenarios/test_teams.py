"""CareNudge in Microsoft Teams, end to end: activities posted to the real ``/api/messages``
and a fake Bot Connector (their ``serviceUrl``) on loopback that records what the bot sent."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import jsonschema
import pytest
from redis.asyncio import Redis

from bot.app import ENGINE
from tests.conftest import RedisServer
from tests.fakes.bot_connector import FakeBotConnector, Sent
from tests.fakes.clock import ManualClock, utc
from tests.scenarios.teams import (
    BOT,
    TEAM,
    TENANT,
    WARD_7,
    TeamsWorld,
    card_text,
    submit_form,
    teams_activity,
    teams_world,
)

pytestmark = pytest.mark.slow
SCHEMA = json.loads(
    resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text()
)


@pytest.fixture
async def teams(
    redis: Redis, redis_server: RedisServer, teams_transport: str
) -> AsyncIterator[TeamsWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in teams_world(redis_server.url, clock, transport=teams_transport):
        yield world


def valid(sent: Sent) -> None:
    card: dict[str, Any] = sent.activity["attachments"][0]["content"]
    jsonschema.validate({k: v for k, v in card.items() if k != "msteams"}, SCHEMA)
    assert card["version"] == "1.5"


async def answers(teams: TeamsWorld, count: int) -> list[Sent]:
    return await teams.connector.wait_for(count)


async def nina_gets_a_daily_prompt(teams: TeamsWorld) -> None:
    """Nina joins ward-7, whose manager Mo sets a prompt to the team at 13:00 each day."""
    await a_team(teams)
    await teams.install("29:nina")
    await teams.say("29:nina", "nudge join ward-7")
    await teams.answer("29:nina", "ward-7")
    await teams.say("29:mo", "nudge create daily at 13:00 to team")
    await teams.answer("29:mo", "Cadence c1 is set")


async def a_team(teams: TeamsWorld) -> None:
    for user in ("29:ada", "29:mo"):
        assert await teams.install(user) == 201
    await answers(teams, 2)
    await teams.say("29:ada", "nudge manager add <at>Mo</at> to ward-7", mentions={"Mo": "29:mo"})
    await answers(teams, 3)


async def test_installing_in_a_personal_chat_brings_a_welcome(teams: TeamsWorld) -> None:
    assert await teams.install("29:jo") == 201
    [welcome] = await answers(teams, 1)
    assert welcome.conversation == "a:1on1-29:jo"
    text = card_text(welcome)
    assert "Hello, I'm CareNudge" in text
    assert "never score or rank anyone" in text
    assert "nudge snooze 3 days" in text
    assert "nudge stop" in text
    assert text.endswith("nudge my data shows what CareNudge holds about you.")
    assert "/privacy" not in text  # CareNudge has no public address here
    valid(welcome)


async def test_the_welcome_links_the_privacy_page_at_the_public_address(
    redis: Redis, redis_server: RedisServer
) -> None:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    site = "https://nudge.trust.nhs.uk"
    async for world in teams_world(redis_server.url, clock, public_url=site):
        assert await world.install("29:jo") == 201
        [welcome] = await answers(world, 1)
        text = card_text(welcome)
        assert (
            f"How your information is handled: [{site}/privacy]({site}/privacy). "
            "nudge my data shows what CareNudge holds about you."
        ) in text
        valid(welcome)
        privacy = await world.client.get("/privacy")
        assert privacy.status == 200


async def test_without_a_valid_token_a_request_gets_401(
    redis: Redis, redis_server: RedisServer
) -> None:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in teams_world(redis_server.url, clock, app_id="00000000-app"):
        assert await world.install("29:jo") == 401
        assert await world.say("29:jo", "nudge help", tz="") == 401
        assert world.connector.sent == []


async def test_commands_work_with_or_without_a_slash_and_after_an_at_mention(
    teams: TeamsWorld,
) -> None:
    await teams.install("29:jo")
    await answers(teams, 1)
    await teams.say("29:jo", "/nudge settings")
    await teams.say("29:jo", "nudge   settings")
    sent = await answers(teams, 3)
    assert "Your settings" in card_text(sent[1])
    assert "Your settings" in card_text(sent[2])
    await teams.say(
        "29:jo",
        "<at>CareNudge</at> nudge help",
        channel="19:ward7@thread",
        mentions={"CareNudge": "28:carenudge"},
    )
    sent = await answers(teams, 4)
    assert sent[3].conversation == "a:1on1-29:jo"  # a private answer goes to the 1:1
    assert "CareNudge: small, kind acts" in card_text(sent[3])


async def test_a_prompt_reaches_each_member_at_their_local_time_and_done_updates_it(
    teams: TeamsWorld,
) -> None:
    await a_team(teams)
    await teams.install("29:nina", tz="America/New_York")
    await answers(teams, 4)
    await teams.say("29:nina", "nudge join ward-7")
    await answers(teams, 5)
    await teams.say("29:mo", "nudge create daily at 08:00 to team local time")
    [*_, created] = await answers(teams, 6)
    assert "Cadence c1 is set" in card_text(created)

    teams.clock.set(utc(2026, 11, 30, 13, 0))  # 08:00 in New York
    [*_, prompt] = await answers(teams, 7)
    assert prompt.conversation == "a:1on1-29:nina"
    assert "[Done] [Snooze] [Not for me]" in card_text(prompt)
    valid(prompt)
    assert await teams.press("29:nina", prompt, "Done") == 201
    [update] = await teams.connector.wait_for(1, method="PUT")
    assert update.activity_id == prompt.activity_id
    assert card_text(update).startswith("**Done.**")
    valid(update)


async def test_someone_who_blocked_the_bot_is_not_retried_until_they_write_again(
    teams: TeamsWorld,
) -> None:
    await a_team(teams)
    await teams.install("29:sam")
    await answers(teams, 4)
    await teams.say("29:sam", "nudge join ward-7")
    await answers(teams, 5)
    await teams.say("29:mo", "nudge create daily at 13:00 to team")
    await answers(teams, 6)
    teams.connector.blocked.add("a:1on1-29:sam")
    teams.clock.set(utc(2026, 11, 30, 13, 0))
    await asyncio.sleep(0.5)
    assert teams.connector.refused == [403]  # one try, no storm
    teams.clock.set(utc(2026, 12, 1, 13, 0))
    await asyncio.sleep(0.5)
    assert teams.connector.refused == [403]  # marked unreachable: not even tried again

    teams.connector.blocked.clear()
    await teams.say("29:sam", "nudge settings")  # Sam is back
    await answers(teams, 7)
    teams.clock.set(utc(2026, 12, 2, 13, 0))
    [*_, prompt] = await answers(teams, 8)
    assert prompt.conversation == "a:1on1-29:sam"


async def test_throttling_and_server_errors_are_retried_and_nothing_is_sent_twice(
    teams: TeamsWorld,
) -> None:
    await a_team(teams)
    for user in ("29:a1", "29:a2", "29:a3"):
        await teams.install(user)
        await teams.say(user, "nudge join ward-7")
    await answers(teams, 9)
    await teams.say("29:mo", "nudge create daily at 13:00 to team")
    await answers(teams, 10)
    teams.connector.throttle_next, teams.connector.fail_next = 2, 2
    teams.clock.set(utc(2026, 11, 30, 13, 0))
    sent = await teams.connector.wait_for(13, within_s=20)
    prompts = [s.conversation for s in sent[10:]]
    assert sorted(prompts) == ["a:1on1-29:a1", "a:1on1-29:a2", "a:1on1-29:a3"]
    assert sorted(teams.connector.refused) == [429, 429, 502, 502]


async def test_a_shoutout_in_a_channel_reaches_the_people_recognised(teams: TeamsWorld) -> None:
    await teams.say(
        "29:priya",
        "<at>CareNudge</at> shoutout <at>Sam Okafor</at> for staying "
        "with the family after handover",
        channel="19:ward7@thread",
        mentions={"CareNudge": "28:carenudge", "Sam Okafor": "29:sam"},
    )
    sent = await answers(teams, 3)
    channel = next(s for s in sent if s.conversation == "19:ward7@thread")
    text = card_text(channel)
    assert "recognised <at>Sam Okafor</at> for staying with the family" in text
    entities = channel.activity["attachments"][0]["content"]["msteams"]["entities"]
    assert {
        "type": "mention",
        "text": "<at>Sam Okafor</at>",
        "mentioned": {"id": "29:sam", "name": "Sam Okafor"},
    } in entities
    assert teams.connector.created[0]["members"] == [{"id": "29:sam"}]  # a 1:1 was opened
    assert any(s.conversation == "a:1on1-29:sam" for s in sent)
    # CareNudge was in the team before it learnt channel names: this message taught it them.
    assert any("Shout-out s1 sent in #ward-7" in card_text(s) for s in sent)


async def test_an_answer_sent_to_the_1_1_chat_is_said_so_in_the_channel(teams: TeamsWorld) -> None:
    """Teams has no message only one person sees: "@CareNudge nudge settings" in a channel is
    answered in the 1:1 chat, and the thread says so; if the 1:1 can't be written to, the thread
    says what to do."""
    mentions = {"CareNudge": BOT}
    await teams.say("29:jo", "<at>CareNudge</at> nudge settings", channel=WARD_7, mentions=mentions)
    await teams.answer("29:jo", "Your settings")
    in_thread = await teams.connector.wait_until(
        lambda sent: any(s.conversation.startswith(f"{WARD_7};") for s in sent)
    )
    [ack] = [s for s in in_thread if s.conversation.startswith(f"{WARD_7};")]
    assert card_text(ack) == "<at>Jo</at>, I've answered you in your 1:1 chat with me."

    teams.connector.blocked.add("a:1on1-29:sam")  # Sam's 1:1 with CareNudge refuses writes
    await teams.say(
        "29:sam", "<at>CareNudge</at> nudge settings", channel=WARD_7, mentions=mentions
    )
    told = await teams.connector.wait_until(
        lambda sent: any("couldn't open a 1:1 chat" in card_text(s) for s in sent)
    )
    [note] = [s for s in told if "couldn't open a 1:1 chat" in card_text(s)]
    assert note.conversation.startswith(f"{WARD_7};")
    assert "Add CareNudge from Apps in Teams, then try again." in card_text(note)


async def test_a_channel_not_on_the_teams_list_is_the_channel_never_its_id(
    teams: TeamsWorld,
) -> None:
    """A private channel is not on the team's channel list; nor is its name anywhere in what
    Teams sends. The list is asked for once, not on every message."""
    for n, user in enumerate(("29:priya", "29:jo"), start=1):
        await teams.say(
            user,
            "<at>CareNudge</at> shoutout <at>Sam Okafor</at> for staying with the family",
            channel="19:private@thread.tacv2",
            mentions={"CareNudge": "28:carenudge", "Sam Okafor": "29:sam"},
        )
        confirmation = await teams.answer(user, f"Shout-out s{n} sent")
        assert f"Shout-out s{n} sent in the channel" in card_text(confirmation)
    assert teams.connector.listed == [TEAM]


async def test_a_pause_in_a_channel_opens_counts_presence_and_closes(teams: TeamsWorld) -> None:
    await teams.say(
        "29:jo",
        "<at>CareNudge</at> pause 30s for everyone who cared for her",
        channel="19:ward7@thread",
        mentions={"CareNudge": "28:carenudge"},
    )
    [opening, *_] = await answers(teams, 2)
    assert opening.conversation == "19:ward7@thread"
    assert "A moment to pause" in card_text(opening)
    await teams.press("29:alex", opening, "Pausing with you")
    [update] = await teams.connector.wait_for(1, method="PUT")
    assert "1 pausing together" in card_text(update)
    teams.clock.set(utc(2026, 11, 30, 12, 0, 30))
    sent = await answers(teams, 3)
    assert "Thank you for pausing together" in card_text(sent[-1])


async def test_a_pause_typo_in_a_channel_is_asked_about_in_the_1_1_and_posted_on_request(
    teams: TeamsWorld,
) -> None:
    assert await teams.install("29:jo") == 201
    await answers(teams, 1)
    await teams.say(
        "29:jo",
        "<at>CareNudge</at> pause days",
        channel="19:ward7@thread",
        mentions={"CareNudge": "28:carenudge"},
    )
    [_, asked] = await answers(teams, 2)
    assert asked.conversation != "19:ward7@thread"  # Teams has no private reply in a channel
    assert "Did you mean" in card_text(asked)
    await teams.press("29:jo", asked, "Post the pause")
    sent = await answers(teams, 4)
    opening = next(s for s in sent if s.conversation == "19:ward7@thread")
    assert "A moment to pause" in card_text(opening)
    assert "“days”" in card_text(opening)


async def test_a_manager_creates_a_cadence_through_the_card_form(teams: TeamsWorld) -> None:
    await a_team(teams)
    assert await teams.add_to_team("29:mo") == 201  # CareNudge learns the team's channels
    await teams.say(
        "29:mo",
        "<at>CareNudge</at> nudge create",
        channel="19:ward7@thread",
        mentions={"CareNudge": "28:carenudge"},
    )
    sent = await answers(teams, 5)
    [form] = [s for s in sent if "New cadence" in card_text(s)]
    assert form.conversation == "a:1on1-29:mo"  # forms are personal
    [said] = [s for s in sent if s.conversation.startswith("19:ward7@thread;messageid=")]
    assert card_text(said) == "<at>Mo</at>, the cadence form is waiting in your 1:1 chat with me."
    valid(form)
    assert "New cadence" in card_text(form)

    fields = {
        "audience": "here",
        "days": "mon,wed",
        "times": "13:00",
        "tz": "Europe/London",
        "theme": "helping",
        "local": "",
    }
    assert await submit_form(teams, "29:mo", form, "Preview", fields) == 201
    [*_, preview] = await answers(teams, 6)
    assert "Mon, Wed at 13:00 (Europe/London)" in card_text(preview)
    assert "#ward-7" in card_text(preview)
    valid(preview)

    await submit_form(teams, "29:mo", preview, "Save", {})
    [saved] = await teams.connector.wait_for(1, method="PUT")  # the preview, answered in place
    assert saved.activity_id == preview.activity_id
    assert "Cadence c1 is set" in card_text(saved)
    assert "[Save]" not in card_text(saved)
    await submit_form(teams, "29:mo", preview, "Save", {})  # pressed again, before it changed
    again = await teams.answer("29:mo", "Already saved")
    valid(again)
    assert await teams.client.app[ENGINE].stores.cadences.get("c2") is None  # one cadence
    teams.clock.set(utc(2026, 11, 30, 13, 0))  # a Monday
    [*_, prompt] = await answers(teams, 8)
    assert prompt.conversation == "19:ward7@thread"
    assert "Helping" in card_text(prompt)


async def test_from_a_1_1_chat_a_colleague_is_recognised_by_name_and_in_a_team_channel(
    teams: TeamsWorld,
) -> None:
    await teams.install("29:sam")
    await teams.add_to_team("29:sam")  # CareNudge learns the team's channels, #ward-7 among them
    await teams.say("29:sam", "nudge settings")  # CareNudge meets Sam, by name
    await answers(teams, 2)
    await teams.say("29:priya", "shoutout Sam for covering my break so I could eat in #ward-7")
    sent = await answers(teams, 5)
    channel = next(
        s for s in sent if s.conversation == "19:ward7@thread" and "recognised" in card_text(s)
    )
    assert "recognised <at>Sam</at> for covering my break so I could eat" in card_text(channel)
    assert any(
        s.conversation == "a:1on1-29:sam" and "You've been recognised" in card_text(s) for s in sent
    )


# --- data rights ---------------------------------------------------------------------------


async def test_my_data_and_forget_me_in_the_1_1_chat_leave_nothing_naming_them(
    teams: TeamsWorld, redis: Redis
) -> None:
    await nina_gets_a_daily_prompt(teams)
    teams.clock.set(utc(2026, 11, 30, 13, 0))
    await teams.answer("29:nina", "[Done] [Snooze] [Not for me]")

    await teams.say("29:nina", "nudge my data")
    summary = await teams.answer("29:nina", "What CareNudge holds about you")
    valid(summary)
    as_json = await teams.answer("29:nina", "Your data as JSON")
    valid(as_json)
    assert (
        "Also kept for Teams: where Teams reaches you, your Microsoft Entra object id, your "
        "1:1 chat with CareNudge (in the JSON below)."
    ) in card_text(summary)
    assert "ward-7" in card_text(summary)

    await teams.say("29:nina", "nudge forget me")
    asked = await teams.answer("29:nina", "It can't be undone.")
    assert await teams.press("29:nina", asked, "Erase everything") == 201
    done = await teams.answer("29:nina", "All erased")  # sent after her records were erased
    valid(done)

    async def naming_her() -> list[str]:
        found = []
        async for key in redis.scan_iter():
            value = await redis.get(key) if await redis.type(key) == "string" else ""
            if "nina" in key or "nina" in str(value):
                found.append(key)
        return found

    # Only the pace of the answer itself, sent after the erasure, may name her chat: it lapses
    # in about a second. Wait for that (and no longer than a few seconds), then nothing is left.
    async with asyncio.timeout(5):
        while left := await naming_her():
            assert all(":pace:" in key for key in left), left
            await asyncio.sleep(0.1)


# --- channels as Teams really sends them ----------------------------------------------------


async def test_a_channel_is_one_conversation_whatever_thread_it_is_typed_in(
    teams: TeamsWorld,
) -> None:
    await a_team(teams)  # ward-7, which the channel #ward-7 belongs to
    await teams.add_to_team("29:priya")
    for text in ("for staying with the family after handover", "for the calm night handover"):
        await teams.say(
            "29:priya",
            f"<at>CareNudge</at> shoutout <at>Sam</at> {text}",
            channel=WARD_7,  # each message a new post: a thread of its own
            mentions={"CareNudge": "28:carenudge", "Sam": "29:sam"},
        )
    sent = await answers(teams, 9)
    posts = [s for s in sent if "recognised" in card_text(s) and "Sam" in card_text(s)]
    assert {s.conversation for s in posts if not s.conversation.startswith("a:")} == {WARD_7}
    confirmations = [s for s in sent if "Shout-out s" in card_text(s)]
    assert confirmations
    assert all("sent in #ward-7" in card_text(s) for s in confirmations)  # never a raw id
    assert not any("19:" in card_text(s) for s in sent)
    stores = teams.client.app[ENGINE].stores
    digests = [c for c in await stores.cadences.get_many(["c1", "c2"]) if c is not None]
    assert len(digests) == 1  # one channel, one weekly digest


async def test_a_renamed_channel_is_found_by_its_new_name(teams: TeamsWorld) -> None:
    await teams.add_to_team("29:priya")
    renamed = teams_activity(teams.connector.url, "f:dd6ec311", "29:priya")
    renamed |= {  # Microsoft's docs' channelRenamed, with our ids
        "type": "conversationUpdate",
        "conversation": {"isGroup": True, "conversationType": "channel", "id": TEAM},
        "channelData": {
            "channel": {"id": WARD_7, "name": "ward-7-nights"},
            "team": {"id": TEAM},
            "eventType": "channelRenamed",
            "tenant": {"id": TENANT},
        },
    }
    assert await teams.post(renamed) == 201
    await teams.install("29:sam")
    await teams.say("29:sam", "nudge settings")
    await answers(teams, 2)
    await teams.say(
        "29:priya", "shoutout Sam for covering my break so I could eat in #ward-7-nights"
    )
    sent = await answers(teams, 5)
    assert any(s.conversation == WARD_7 and "recognised" in card_text(s) for s in sent)
    assert any("sent in #ward-7-nights" in card_text(s) for s in sent)


async def test_an_admin_is_an_admin_in_their_own_tenant_only(teams: TeamsWorld) -> None:
    """CARENUDGE_ADMINS names Ada as teams:tenant-1:29:ada: somebody in another tenant whose
    Teams id reads the same is nobody special there."""
    for tenant in ("tenant-2", TENANT):
        activity = teams_activity(teams.connector.url, f"a-{tenant}", "29:ada")
        activity["channelData"] = {"tenant": {"id": tenant}}
        activity["conversation"]["tenantId"] = tenant
        activity |= {
            "type": "message",
            "text": f"nudge manager add <at>Mo</at> to ward-{tenant[-1]}",
            "entities": [{"type": "mention", "text": "<at>Mo</at>", "mentioned": {"id": "29:mo"}}],
        }
        assert await teams.post(activity) == 201
    appointed = await teams.answer("29:ada", "ward-1")
    assert "<at>Mo</at> now manages ward-1." in card_text(appointed)
    [refused] = [s for s in teams.connector.sent if "ward-1" not in card_text(s)]
    assert "Only an admin can appoint managers." in card_text(refused)
    await teams.say("29:ada", "nudge settings")  # where Ada's admin id, tenant and all, is shown
    shown = await teams.answer("29:ada", "Your settings")
    assert card_text(shown).endswith("ADMINS: teams:tenant-1:29:ada")


async def test_a_name_teams_splits_into_two_mentions_is_one_person(teams: TeamsWorld) -> None:
    assert await teams.install("29:ada") == 201
    await teams.say(
        "29:ada",
        "nudge manager add <at>Sam</at> <at>Jones</at> to ward-8",
        mentions={"Sam": "29:samj", "Jones": "29:samj"},  # one person, as Teams sends it
    )
    answer = await teams.answer("29:ada", "ward-8")
    assert "<at>Sam Jones</at> now manages ward-8." in card_text(answer)


# --- installs and removals, as Microsoft's docs show them (subscribe-to-conversation-events) --


async def delivered(teams: TeamsWorld, fire_key: str) -> dict[str, str]:
    """How each delivery of a fire ended, once the fire has recorded them all."""
    stores = teams.client.app[ENGINE].stores
    async with asyncio.timeout(10):
        while True:
            states = await stores.deliveries.delivery_states(fire_key)
            if states and not any(v.startswith("sending") for v in states.values()):
                return states
            await asyncio.sleep(0.05)  # the fire's own record, in Redis: nothing to await


async def test_an_install_teams_announces_twice_gets_one_welcome(teams: TeamsWorld) -> None:
    assert await teams.install("29:nina") == 201
    added = teams_activity(teams.connector.url, "f:members-added", "29:nina")
    added |= {"type": "conversationUpdate", "membersAdded": [{"id": "28:carenudge"}]}
    assert await teams.post(added) == 201
    await teams.say("29:nina", "nudge help")  # after both, in the same chat
    await teams.answer("29:nina", "Examples")
    welcomes = [s for s in teams.connector.posted("a:1on1-29:nina") if "Try:" in card_text(s)]
    assert len(welcomes) == 1


async def test_after_the_app_is_removed_nothing_is_written_until_it_is_back(
    teams: TeamsWorld,
) -> None:
    await nina_gets_a_daily_prompt(teams)
    removed = teams_activity(teams.connector.url, "f:removed", "29:nina")
    removed |= {"type": "installationUpdate", "action": "remove"}
    assert await teams.post(removed) == 201
    await teams.until_reachable("a:1on1-29:nina", False)
    before = len(teams.connector.posted("a:1on1-29:nina"))
    teams.clock.set(utc(2026, 11, 30, 13, 0))
    states = await delivered(teams, "c:c1@1796043600")
    assert list(states.values()) == ["gone:app-removed"]
    assert len(teams.connector.posted("a:1on1-29:nina")) == before

    assert await teams.install("29:nina") == 201  # back
    await teams.until_reachable("a:1on1-29:nina", True)
    teams.clock.set(utc(2026, 12, 1, 13, 0))
    await teams.answer("29:nina", "[Done] [Snooze] [Not for me]")


async def test_removed_from_a_team_its_channels_get_nothing_more_and_its_manager_is_told(
    teams: TeamsWorld,
) -> None:
    await a_team(teams)
    await teams.add_to_team("29:mo")
    await teams.say("29:mo", "nudge create daily at 13:00 to #ward-7")
    await teams.answer("29:mo", "Cadence c1 is set")
    removed = teams_activity(teams.connector.url, "f:team-removed", "29:mo")
    removed |= {
        "type": "conversationUpdate",
        "membersRemoved": [{"id": "28:carenudge"}],
        "conversation": {"isGroup": True, "conversationType": "channel", "id": TEAM},
        "channelData": {
            "team": {"id": TEAM},
            "eventType": "teamMemberRemoved",
            "tenant": {"id": TENANT},
        },
    }
    assert await teams.post(removed) == 201
    await teams.until_reachable(WARD_7, False)
    teams.clock.set(utc(2026, 11, 30, 13, 0))
    states = await delivered(teams, "c:c1@1796043600")
    assert list(states.values()) == ["gone:not-in-channel"]
    assert teams.connector.posted(WARD_7) == []
    # Mo, who manages the cadence, is told once, and sees it where he looks at his cadences.
    told = await teams.answer("29:mo", "c1 can't reach #ward-7")
    assert "CareNudge isn't in #ward-7" in card_text(told)
    await teams.say("29:mo", "nudge list")
    listed = await teams.answer("29:mo", "Cadences for ward-7")
    assert "0 of 1 reached; #ward-7 needs CareNudge added" in card_text(listed)
    # Added back to the team: the next day's prompt is posted in #ward-7 again.
    await teams.add_to_team("29:mo")
    teams.clock.set(utc(2026, 12, 1, 13, 0))
    await teams.connector.wait_until(lambda sent: bool(teams.connector.posted(WARD_7)))


# --- the small things ----------------------------------------------------------------------


async def test_a_bare_mention_of_carenudge_in_a_channel_gets_the_help_in_its_thread(
    teams: TeamsWorld,
) -> None:
    await teams.say(
        "29:jo", "<at>CareNudge</at>", channel=WARD_7, mentions={"CareNudge": "28:carenudge"}
    )
    [answer] = await answers(teams, 1)
    assert answer.conversation.startswith(f"{WARD_7};messageid=")  # the thread it was said in
    assert "Examples" in card_text(answer)


async def test_a_malformed_activity_is_a_400_and_an_oversize_body_a_413(teams: TeamsWorld) -> None:
    activity = teams_activity(teams.connector.url, "bad-1", "29:jo")
    activity |= {"type": "message", "text": "nudge help"}
    for missing in ("conversation", "from", "recipient", "serviceUrl"):
        broken = {k: v for k, v in activity.items() if k != missing}
        assert await teams.post(broken) == 400, missing
    oversize = json.dumps(activity | {"text": "x" * (2 * 1024 * 1024)}).encode()
    response = await teams.client.post(
        "/api/messages", data=io.BytesIO(oversize), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert teams.connector.sent == []


# --- changing transport ---------------------------------------------------------------------


@pytest.mark.parametrize(("first", "then"), [("botbuilder", "agents"), ("agents", "botbuilder")])
async def test_a_bot_that_changes_transport_keeps_everything_it_knew(
    redis: Redis, redis_server: RedisServer, first: str, then: str
) -> None:
    """On one transport, Mo makes ward-7's daily prompt and Nina joins; the bot is restarted
    on the other, with the same Redis, and the prompt reaches Nina, and her Done updates it."""
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    connector = FakeBotConnector(channels={TEAM: [(TEAM, None), (WARD_7, "ward-7")]})
    await connector.start()
    try:
        async for before in teams_world(
            redis_server.url, clock, transport=first, connector=connector
        ):
            await nina_gets_a_daily_prompt(before)
        async for after in teams_world(
            redis_server.url, clock, transport=then, connector=connector
        ):
            clock.set(utc(2026, 11, 30, 13, 0))
            prompt = await after.answer("29:nina", "[Done] [Snooze] [Not for me]")
            assert await after.press("29:nina", prompt, "Done") == 201
            [update] = await connector.wait_for(1, method="PUT")
            assert card_text(update).startswith("**Done.**")
    finally:
        await connector.close()
