"""The small words in every reply: plural forms, empty lists, placeholders and the help topic
asked for. A scripted week on ward 7 collects everything the bot says, and each text is read
for the slips a person would notice ("In 1 hours", "a nudge for -", "Members: .")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from nudges import help
from tests.conftest import World
from tests.fakes.clock import utc
from tests.nudges.test_shoutouts import everything_said

SLIPS = {
    "a singular count with a plural word": re.compile(
        r"\b1 (?:hours|minutes|seconds|days|weeks|people|persons|prompts|cadences|members"
        r"|managers|shout-outs|times|nudges|teams)\b"
    ),
    "a plural count with a singular word": re.compile(
        r"\b(?:0|[2-9]|\d{2,}) (?:hour|minute|second|day|week|person|prompt|cadence|member"
        r"|manager|shout-out|nudge|team)\b(?![-'])"
    ),
    "a placeholder for a missing name": re.compile(r"\bfor -(?:\W|$)|[a-z:] None\b|\[\]|\{\}"),
    "an empty list": re.compile(r":\s*[.,;]|\(\s*\)"),
    # Between buttons, plain text shows two spaces: "[Done]  [Snooze]".
    "a doubled space or stop": re.compile(r"[^\]\s]  +[^\[\s]|\.\.(?!\.)|\s,"),
}


def slips(texts: list[str]) -> list[str]:
    return [
        f"{name}: {text!r}"
        for text in texts
        for name, pattern in SLIPS.items()
        if pattern.search(text)
    ]


def test_the_slips_would_be_caught() -> None:
    assert slips(["In 1 hours, you"]) != []
    assert slips(["a nudge for -"]) != []
    assert slips(["Members: ."]) != []
    assert slips(["3 person"]) != []
    assert slips(["In 1 hour, you will get 3 prompts."]) == []


async def test_a_week_on_the_ward_says_nothing_with_a_slip(world: World) -> None:
    replies = []
    say = world.say

    # A new team: empty lists first.
    replies.append(await say("ada", "list"))
    replies.append(await say("ada", "teams"))
    await world.admin_makes_team("mo")
    replies.append(await say("mo", "team ward-7"))
    replies.append(await say("mo", "list"))
    replies.append(await world.command("shoutout", "mo", "unseen team ward-7"))
    # People join and set themselves up.
    for name in ("sam", "priya"):
        replies.append(await say(name, "join ward-7"))
    replies.append(await say("sam", "shift night", where="dm"))
    replies.append(await say("sam", "quiet 10:00-18:00", where="dm"))
    replies.append(await say("sam", "tz EST", where="dm"))
    replies.append(await say("sam", "settings", where="dm"))
    replies.append(await say("priya", "snooze 1 day", where="dm"))
    replies.append(await say("priya", "snooze off", where="dm"))
    # A manager's cadences, prompts and a preview.
    replies.append(await say("mo", "create daily at 09:00 to team"))
    replies.append(await say("mo", "create weekdays at 19:00 to #ward-7 theme helping"))
    replies.append(await say("mo", "preview daily at 07:30 to #ward-7"))
    replies.append(await say("mo", "list"))
    replies.append(await say("mo", "show c1"))
    replies.append(await say("mo", "prompts"))
    replies.append(
        await say("mo", 'prompt add "Ask one colleague what helped today." behaviour helping')
    )
    replies.append(await say("mo", "team ward-7"))
    # A hard day: a Pause with a follow-up in one hour, shout-outs, and the unseen.
    start = world.clock.now()
    replies.append(
        await world.command(
            "pause", "priya", "for everyone who cared for her follow up in 1h to me"
        )
    )
    replies.append(await world.command("pause", "sam", "for her"))
    replies.append(
        await world.command("shoutout", "priya", "@sam for sitting with the family all afternoon")
    )
    replies.append(await world.command("shoutout", "priya", "@sam thanks!"))
    replies.append(await world.command("shoutout", "mo", "unseen team ward-7"))
    await world.run_until(start + timedelta(hours=2))
    await world.run_until(utc(2026, 12, 7, 20, 0))
    replies.append(await say("mo", "team ward-7"))
    replies.append(await say("mo", "pause c1"))
    replies.append(await say("mo", "list"))
    replies.append(await say("mo", "delete c2"))

    said = everything_said(world, *replies)
    assert len(said) > 60
    assert slips(said) == []


@pytest.mark.parametrize(
    ("asked", "title"),
    [
        ("pause", "The Pause"),
        ("the pause", "The Pause"),
        ("shoutout", "Recognise a colleague"),
        ("create", "Create a cadence (managers)"),
        ("tz", "Your own settings"),
    ],
)
def test_help_on_a_word_shows_the_topic_a_person_means(asked: str, title: str) -> None:
    assert help.help_card(asked).fallback_text == title
