"""Every card the engine can send, built at its worst case (the most teams, members, cadences,
shout-outs and the longest names and texts it allows) and rendered for Slack and for Teams:
each stays inside the platform's limits (``tests/adapters/limits.py``), and where there was
more than fits, the card says so and shows the way to the rest, rather than being cut.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis
from slack_sdk.models.views import View

from adapters.slack.answers import cadence_words, saved_words
from adapters.slack.modals import cadence_modal
from nudges.cards import Card, plain
from nudges.help import topics
from tests.adapters.limits import slack_blocks, slack_home, slack_message, teams_activity
from tests.conftest import World, build_world
from tests.fakes.clock import FakeClock, utc

LONG = 80
"""The longest display name kept (``nudges.store.MAX_NAME``)."""
SPECIFIC = "for staying with the family after handover so they felt looked after"


def name(i: int, stem: str = "n") -> str:
    """A distinct display name of the longest length kept."""
    return f"{stem}{i:03d}".ljust(LONG, "x")


def team(i: int) -> str:
    """A distinct team name of the longest length allowed (40)."""
    return f"team-{i:03d}".ljust(40, "x")


Scenario = Callable[[World], Awaitable[list[Card]]]
SCENARIOS: dict[str, Scenario] = {}


def scenario(fn: Scenario) -> Scenario:
    SCENARIOS[fn.__name__] = fn
    return fn


async def ok(world: World, who: str, text: str, command: str = "nudge") -> Card:
    reply = await world.command(command, who, text)
    assert reply.status == "ok", plain(reply.card)
    return reply.card


@scenario
async def help_and_welcome(world: World) -> list[Card]:
    cards = [(await world.say("sam", f"help {topic}")).card for topic in topics()]
    cards.append((await world.say("sam", "help " + "y" * 3000)).card)
    from nudges.help import welcome_card

    return [*cards, welcome_card()]


@scenario
async def settings(world: World) -> list[Card]:
    await ok(world, "sam", "quiet 21:00-07:00")
    await ok(world, "sam", "shift night")
    return [await ok(world, "sam", "me"), await ok(world, "sam", "snooze 1 week")]


@scenario
async def team_with_many_managers_and_members(world: World) -> list[Card]:
    for i in range(60):
        await ok(world, "ada", f"manager add @{name(i, 'm')} to ward-7")
    for i in range(200):
        await ok(world, name(i), "join ward-7")
    card = await ok(world, name(0), "team ward-7")
    assert " and 50 more" in plain(card)
    assert "Members who joined: 200" in plain(card)
    return [card]


@scenario
async def many_teams(world: World) -> list[Card]:
    for i in range(120):
        await ok(world, "ada", f"manager add @mo to {team(i)}")
        await ok(world, "sam", f"join {team(i)}")
    teams, budget = await ok(world, "sam", "teams"), await ok(world, "sam", "budget")
    assert "Page 1 of 6 · 120 teams" in plain(teams)
    assert "[More]" in plain(teams)
    last = await ok(world, "sam", "teams page 6")
    assert team(119) in plain(last)
    assert "[More]" not in plain(last)
    assert "And 110 more teams: each one's budget is on /nudge team <name>." in plain(budget)
    return [teams, last, budget]


@scenario
async def unseen_in_a_big_team(world: World) -> list[Card]:
    await world.admin_makes_team("mo")
    for i in range(300):
        await ok(world, name(i), "join ward-7")
    card = await ok(world, "mo", "unseen", "shoutout")
    assert "Page 1 of 20 · 300 people not recognised lately" in plain(card)
    assert "Or type /shoutout unseen team ward-7 page 2" in plain(card)
    return [card]


@scenario
async def weekly_digest_of_a_busy_channel(world: World) -> list[Card]:
    await world.admin_makes_team("mo")
    words = (SPECIFIC + " ") * 7  # just under the 500 characters a shout-out may have
    recipients = " ".join(f"@{name(r, 'r')}" for r in range(20))
    cards = []
    for i in range(60):
        card = await ok(world, name(i, "g"), f"{recipients} {words.strip()}", "shoutout")
        cards.append(card)
    await world.run_until(utc(2026, 12, 4, 16, 0))
    [digest] = [d.card for d in world.messenger.sent if d.at == utc(2026, 12, 4, 16, 0)]
    assert "60 shout-outs this week" in plain(digest)
    shown = plain(digest).count(" recognised @")
    assert 1 <= shown < 60
    assert f"And {60 - shown} more shout-outs, each one posted here this week." in plain(digest)
    public = [d.card for d in world.messenger.sent[:3]]
    return [digest, *cards[:1], *public]


@scenario
async def words_given_back_when_too_long(world: World) -> list[Card]:
    """A shout-out, a dedication and a prompt far over their limits: the words come back."""
    await world.admin_makes_team("mo")
    huge = " ".join(["w" * 199] * 199)  # 39,800 characters, in fewer words than MAX_ARGS
    escaped = " ".join(["&<>*_" * 40] * 199)  # what both renderers must escape, at length
    cards = []
    for command, text in (
        ("shoutout", f"@sam {huge}"),
        ("shoutout", f"@sam {escaped}"),
        ("pause", f"for {huge}"),
        ("nudge", f'prompt add "{huge}" behaviour helping'),
        ("nudge", f"create daily at 09:00 to #ward-7 theme {huge}"),
    ):
        reply = await world.command(command, "mo", text)
        assert reply.status == "invalid", plain(reply.card)
        cards.append(reply.card)
    for card in cards[:4]:
        assert "more characters didn't fit here." in plain(card)
    return cards


@scenario
async def pause_cards(world: World) -> list[Card]:
    await world.admin_makes_team("mo")
    dedication = "for the night team " + "and the care they gave " * 7
    reply = await world.command("pause", "mo", dedication.strip()[:199] + " 60s")
    return [reply.card, *(d.card for d in world.messenger.sent)]


@scenario
async def cadences_at_their_largest(world: World) -> list[Card]:
    await world.admin_makes_team("mo")
    people = " ".join(f"@{name(i)}" for i in range(100))
    cards = [await ok(world, "mo", f"create weekdays at 07:30 to {people} theme attending")]
    cards.append(await ok(world, "mo", "preview c1"))
    cards.append(await ok(world, "mo", "show c1"))
    await world.channel_cadences(19)
    cards.append(await ok(world, "mo", "list"))
    return cards


@scenario
async def prompts_at_their_largest(world: World) -> list[Card]:
    await world.admin_makes_team("mo")
    text = ("Ask one person how their shift is really going, and listen. " * 5)[:279]
    for _ in range(60):
        await ok(world, "mo", f'prompt add "{text}" behaviour attending')
    from nudges.library import library

    for prompt in library():
        await ok(world, "mo", f"prompt retire {prompt.id}")
    return [await ok(world, "mo", "prompts")]


@scenario
async def home_of_a_manager_of_many_teams(world: World) -> list[Card]:
    await world.channel_cadences(200)
    home = plain(await world.engine.home(world.member("mo")))
    assert "And 5 more teams you manage: /nudge list shows all their cadences" in home
    assert "And 10 more: /nudge list team ward-0" in home
    assert "And 15 more: /nudge list team ward-2" in home
    return [await world.engine.home(world.member("mo"))]


@scenario
async def a_persons_data_at_its_largest(world: World) -> list[Card]:
    """Someone with a long name who gave and received 150 shout-outs of the longest words in
    the time they are kept, and was sent a month of prompts: their summary and every part of
    the JSON fit, however many messages it takes."""
    from datetime import timedelta

    from nudges.model import Behaviour, Shoutout

    await world.admin_makes_team("mo", members=(name(0),))
    me, other = world.member(name(0)), world.member(name(1))
    stores = world.stores
    words = ("for " + "staying with the family and the care you gave " * 12)[:500]
    for i in range(300):
        shoutout = Shoutout(
            id=f"s{i}",
            workspace=me.workspace,
            channel=world.channel("ward-7"),
            giver=me if i % 2 else other,
            recipients=(other,) if i % 2 else (me,),
            words=(words,),
            behaviour=Behaviour.ATTENDING,
            private=False,
            given_at=world.clock.now() - timedelta(hours=i),
        )
        await stores.shoutouts.save_shoutout(shoutout, "2026-W49", new=True)
    await ok(world, "mo", "budget team ward-7 7 a week 2 a day")
    await ok(world, "mo", "create daily at 09:00 to team")
    await world.run_until(utc(2026, 12, 30, 12, 0))
    before = len(world.messenger.sent)
    cards = [await ok(world, name(0), "my data"), await ok(world, name(0), "forget me")]
    sent = [d.card for d in world.messenger.sent[before:]]
    assert len(sent) > 10  # the JSON, in parts
    assert "(part 1 of " in sent[1].fallback_text
    return [*cards, *sent]


@scenario
async def an_evaluation(world: World) -> list[Card]:
    await world.admin_makes_team("mo", team=team(1))
    return [
        await ok(world, "ada", f"evaluation team {team(1)} 20%"),
        await ok(world, "mo", f"evaluation team {team(1)}"),
        await ok(world, "ada", f"evaluation team {team(1)} off"),
    ]


HOMES = {"home_of_a_manager_of_many_teams"}


@pytest.fixture(params=["slack", "teams"])
def platform(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def platform_world(redis: Redis, platform: str) -> World:
    return build_world(redis, FakeClock(utc(2026, 11, 30, 12, 0)), platform=platform)


@pytest.mark.parametrize("case", sorted(SCENARIOS))
async def test_every_card_at_its_worst_fits_the_platform(
    platform_world: World, platform: str, case: str
) -> None:
    cards = await SCENARIOS[case](platform_world)
    for card in cards:
        if platform == "teams":
            teams_activity(card)
        elif case in HOMES:
            slack_home(card)
        else:
            slack_message(card)


async def test_more_on_a_long_unseen_list_shows_the_next_people(world: World) -> None:
    await world.admin_makes_team("mo", members=tuple(f"p{i:02d}" for i in range(20)))
    first = await world.command("shoutout", "mo", "unseen")
    assert "@p00" in plain(first.card)
    assert "@p15" not in plain(first.card)
    second = await world.press_on("mo", first.card, "More")
    assert second.status == "ok"
    assert "Page 2 of 2" in plain(second.card)
    assert "@p15" in plain(second.card)
    assert "@p00" not in plain(second.card)
    assert "[More]" not in plain(second.card)


@pytest.mark.parametrize("count", [2, 150])
def test_the_slack_cadence_form_is_valid_for_a_manager_of_any_number_of_teams(
    count: int,
) -> None:
    """A static_select holds at most 100 options: past that, the team is typed."""
    teams = [team(i) for i in range(count)]
    modal = cadence_modal("C1", "ward-7", "Europe/London", teams)
    View(**modal).validate_json()
    for block in slack_blocks(modal["blocks"]):
        element = getattr(block, "element", None)
        if element is not None:
            element.validate_json()
    [team_input] = [b for b in modal["blocks"] if b["block_id"] == "team"]
    kind = "plain_text_input" if count > 100 else "static_select"
    assert team_input["element"]["type"] == kind
    answer = (
        {"value": f" {teams[-1]} "} if count > 100 else {"selected_option": {"value": teams[-1]}}
    )
    words = cadence_words({"values": {"team": {"team": answer}}}, "T1")
    assert words[-2:] == ["team", teams[-1]]


def test_the_teams_cadence_form_fits_for_a_manager_of_many_teams() -> None:
    """The Teams form (a card of the adapter's own) with 120 teams of the longest names, in a
    channel of the longest name: valid, and inside a Teams message."""
    from adapters.teams.forms import cadence_form
    from adapters.teams.messenger import adaptive
    from nudges.model import Conversation
    from tests.adapters.limits import TEAMS_ACTIVITY_BYTES, utf16_size
    from tests.adapters.teams.test_render import valid as valid_adaptive_card

    channel = Conversation("teams", "tenant-1", "19:" + "c" * 60 + "@thread.tacv2")
    for many in (60, 120):  # the most listed, and typed
        form = cadence_form("Europe/London", [team(i) for i in range(many)], channel, "x" * 80)
        valid_adaptive_card(form)
        assert utf16_size(adaptive(form)) <= TEAMS_ACTIVITY_BYTES
    assert "too many to list here: type its name" in json.dumps(form)


def test_the_slack_preview_keeps_the_words_of_the_most_people_the_form_takes_whole() -> None:
    """The preview carries the words to save in private_metadata (3,000 characters): with
    as many people as the form lets a manager choose, they are all there, as JSON."""
    from adapters.slack.modals import MAX_PEOPLE, preview_modal
    from nudges.cards import Heading, Mention
    from nudges.events import Arg
    from nudges.model import MemberRef

    people = [Mention(MemberRef("slack", "T1", f"U{i:010d}"), "x") for i in range(MAX_PEOPLE)]
    words: list[Arg] = [
        *("create", "weekdays", "at", "07:30", "to"),
        *people,
        *("tz", "Europe/London"),
    ]
    preview = preview_modal(
        Card((Heading("Preview"),), "Preview"), words, {"channel": "C0123456789", "name": "ward-7"}
    )
    View(**preview).validate_json()
    assert len(json.loads(preview["private_metadata"])["words"]) == len(words)


CHANNEL_ID = "C0123456789"
WIDE_NAME = "病棟-" * 27  # 81 characters, none of them ASCII: six in JSON each


@pytest.mark.parametrize("name", ["ward-7", WIDE_NAME, "x" * 500])
def test_the_slack_forms_carry_their_channel_whole_in_private_metadata(name: str) -> None:
    """Whatever the channel is called, the forms' metadata is whole JSON, within 3,000."""
    from adapters.slack.modals import MAX_CHANNEL_NAME, MAX_METADATA, shoutout_modal

    teams = [team(i) for i in range(150)]
    for modal in (
        cadence_modal(CHANNEL_ID, name, "America/Argentina/ComodRivadavia", teams),
        shoutout_modal(CHANNEL_ID, name),
    ):
        View(**modal).validate_json()
        assert len(modal["private_metadata"]) <= MAX_METADATA
        metadata = json.loads(modal["private_metadata"])
        assert metadata == {"channel": CHANNEL_ID, "name": name[:MAX_CHANNEL_NAME]}


def test_the_slack_preview_of_the_largest_answers_the_form_takes_carries_every_word() -> None:
    """The most people (with ids of today's longest), all seven days, the twelve times a day a
    cadence may have filling the times box, a time zone and a typed team name each filling
    its box, from a channel with the widest name: the words to save all travel, and read
    back as they were."""
    from adapters.slack.modals import (
        MAX_METADATA,
        MAX_PEOPLE,
        MAX_TEAM,
        MAX_TIMES,
        MAX_TZ,
        previewed,
    )
    from nudges.cards import Heading
    from nudges.model import WEEKDAYS

    times = ", ".join(f"{h:02d}:00" for h in range(12)).ljust(MAX_TIMES)
    answers = {
        "days": {"selected_options": [{"value": d} for d in WEEKDAYS]},
        "times": {"value": times},
        "people": {"selected_users": [f"W{i:010d}" for i in range(MAX_PEOPLE)]},
        "tz": {"value": "z" * MAX_TZ},
        "theme": {"selected_option": {"value": "self-compassion"}},
        "team": {"value": team(1).rjust(MAX_TEAM, "#")},
    }
    words = cadence_words({"values": {k: {k: v} for k, v in answers.items()}}, "T1")
    opened = json.loads(cadence_modal(CHANNEL_ID, WIDE_NAME, "UTC", [])["private_metadata"])
    answer = previewed(Card((Heading("Preview"),), "Preview"), words, opened)
    assert answer["response_action"] == "update"
    preview = answer["view"]
    View(**preview).validate_json()
    assert len(preview["private_metadata"]) <= MAX_METADATA
    assert saved_words(json.loads(preview["private_metadata"]), "T1") == words


def test_a_slack_preview_that_cannot_carry_its_words_asks_for_fewer_people() -> None:
    """Should ids ever grow past what the limit was planned for, the preview is refused
    under the people picker, never sent with its words cut."""
    from adapters.slack.modals import MAX_PEOPLE, previewed
    from nudges.cards import Heading, Mention
    from nudges.events import Arg
    from nudges.model import MemberRef

    people = [Mention(MemberRef("slack", "T1", f"U{i:040d}"), "x") for i in range(MAX_PEOPLE)]
    words: list[Arg] = ["weekdays", "at", "07:30", "to", *people]
    answer = previewed(Card((Heading("Preview"),), "Preview"), words, {"channel": CHANNEL_ID})
    assert answer == {
        "response_action": "errors",
        "errors": {
            "people": "That's more than this form can carry. Please choose fewer people, "
            "or send it to the whole team."
        },
    }


def test_the_slack_shoutout_form_takes_no_more_than_a_shoutout_may_hold() -> None:
    from adapters.slack.modals import shoutout_modal
    from nudges.language.recognition import MAX_RECIPIENTS, MAX_SHOUTOUT_CHARS

    elements = {b["block_id"]: b["element"] for b in shoutout_modal("C1", "ward-7")["blocks"]}
    assert elements["people"]["max_selected_items"] == MAX_RECIPIENTS
    assert elements["message"]["max_length"] == MAX_SHOUTOUT_CHARS
