"""The Pause as a team notices it: the opening, presence counted without names, the close after
the chosen silence (even across a restart), the follow-up check-in hours later, the privacy
check on a dedication, and the monthly count that never says who called one.

The clock starts on Monday 30 Nov 2026 at 12:00 UTC; London is on GMT, so London time is UTC.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from nudges.cards import Actions, Card, ContextLine, Heading, Mention, Reply, Text, plain
from nudges.library import library
from nudges.model import Context
from nudges.pause import CLOSING, FOLLOW_UP_LEAD, OPENING
from tests.conftest import World, build_world
from tests.fakes.clock import utc
from tests.fakes.messenger import Delivery

BANNED = re.compile(
    r"\b(scores?|scored|scoring|rank\w*|performance|compliance|compliant|kpis?)\b"
    r"|you failed to|patient",
    re.IGNORECASE,
)
START = utc(2026, 11, 30, 12, 0)
DEDICATION = "for the lady we lost this morning, and for everyone who cared for her"
AFTER_A_DEATH = {
    f"{FOLLOW_UP_LEAD} {p.text}" for p in library() if Context.AFTER_DEATH in p.contexts
}


async def pause(world: World, who: str, text: str = "", where: str = "ward-7") -> Reply:
    return await world.command("pause", who, text, where)


def labels(card: Card) -> list[str]:
    return [b.label for block in card.blocks if isinstance(block, Actions) for b in block.buttons]


def mentions_in(card: Card) -> list[Mention]:
    return [
        part
        for block in card.blocks
        if isinstance(block, Text | ContextLine)
        for part in block.parts
        if isinstance(part, Mention)
    ]


def in_channel(world: World, channel: str = "ward-7") -> list[Delivery]:
    return world.messenger.to(channel)


def dms(world: World, who: str) -> list[Delivery]:
    return world.messenger.to(f"D-{who}")


def opening_index(world: World) -> int:
    return next(
        i for i, d in enumerate(world.messenger.sent) if d.card.fallback_text.endswith("together")
    )


def cards_shown(world: World, *replies: Reply) -> list[Card]:
    return [
        *(d.card for d in world.messenger.sent),
        *(card for _, card in world.messenger.updates),
        *(r.card for r in replies),
    ]


# --- opening ------------------------------------------------------------------------------------


async def test_the_opening_is_our_own_short_words_with_a_pausing_with_you_button(
    world: World,
) -> None:
    reply = await pause(world, "sam")
    assert reply.status == "ok", plain(reply.card)
    assert reply.private
    assert "Your pause has begun" in plain(reply.card)
    assert "It will close in 30 seconds." in plain(reply.card)
    [opening] = in_channel(world)
    assert opening.at == START
    assert opening.text == (
        f"A moment to pause\n{OPENING}\n30 seconds of silence. Pausing is voluntary.\n"
        "[Pausing with you]"
    )
    assert len(opening.text.split()) < 40
    assert labels(opening.card) == ["Pausing with you"]


async def test_the_dedication_is_shown_as_plain_text_and_nothing_in_it_becomes_a_mention(
    world: World,
) -> None:
    await pause(world, "sam", f"{DEDICATION} @here <!channel> @everyone @priya")
    [opening] = in_channel(world)
    typed = f"{DEDICATION} @here <!channel> @everyone @priya"
    assert Text(("“", typed, "”")) in opening.card.blocks
    assert mentions_in(opening.card) == []
    ours = [b for b in opening.card.blocks if b != Text(("“", typed, "”"))]
    assert len(plain(Card(tuple(ours), "")).split()) < 40


async def test_pausing_with_you_counts_each_person_once_and_names_no_one(world: World) -> None:
    await pause(world, "sam", DEDICATION)
    index = opening_index(world)
    opening = world.messenger.sent[index]
    assert await world.press("priya", index, "Pausing with you") is None
    assert await world.press("priya", index, "Pausing with you") is None
    assert await world.press("alex", index, "Pausing with you") is None
    counted = [plain(card).splitlines()[-2] for _, card in world.messenger.updates]
    assert counted == [
        "30 seconds of silence. 1 pausing together.",
        "30 seconds of silence. 1 pausing together.",
        "30 seconds of silence. 2 pausing together.",
    ]
    for ref, card in world.messenger.updates:
        assert ref == opening.ref
        assert mentions_in(card) == []
        for name in ("sam", "priya", "alex"):
            assert name not in plain(card).lower()
            assert name not in card.fallback_text.lower()


# --- close --------------------------------------------------------------------------------------


async def test_the_close_arrives_after_the_default_30_seconds_and_thanks_the_team(
    world: World,
) -> None:
    await pause(world, "sam")
    index = opening_index(world)
    await world.press("priya", index, "Pausing with you")
    await world.press("alex", index, "Pausing with you")
    await world.run_until(START + timedelta(seconds=29))
    assert len(in_channel(world)) == 1
    await world.run_until(START + timedelta(seconds=30))
    [_, closing] = in_channel(world)
    assert closing.at == START + timedelta(seconds=30)
    assert closing.text == f"{CLOSING}\n2 of you paused together."
    ref, ended = world.messenger.updates[-1]
    assert ref == world.messenger.sent[index].ref
    assert "This pause has ended. 2 paused together." in plain(ended)
    assert labels(ended) == []


async def test_a_deleted_opening_message_does_not_stop_the_close(world: World) -> None:
    await pause(world, "sam")
    world.messenger.refuse_updates = True  # someone deleted the opening message
    await world.run_until(START + timedelta(minutes=5))
    [_, closing] = in_channel(world)
    assert closing.text.startswith(CLOSING)
    assert await world.queue.size() == (0, 0)  # closed for good, not retried every lease
    reply = await world.press("priya", opening_index(world), "Pausing with you")
    assert reply is not None
    assert "ended" in plain(reply.card).lower()


async def test_a_close_with_no_one_pressing_still_thanks_everyone(world: World) -> None:
    await pause(world, "sam")
    await world.run_until(START + timedelta(minutes=1))
    [_, closing] = in_channel(world)
    assert closing.text == f"{CLOSING}\nThank you to everyone who paused, seen or unseen."


@pytest.mark.parametrize(
    ("words", "seconds"),
    [("10s", 10), ("45s", 45), ("45 seconds", 45), ("60", 60), ("1 minute", 60), ("120s", 120)],
)
async def test_the_chosen_silence_decides_when_the_close_arrives(
    world: World, words: str, seconds: int
) -> None:
    reply = await pause(world, "sam", f"{words} {DEDICATION}")
    assert f"It will close in {seconds} seconds." in plain(reply.card)
    assert f"{seconds} seconds of silence." in in_channel(world)[0].text
    assert Text(("“", DEDICATION, "”")) in in_channel(world)[0].card.blocks
    await world.run_until(START + timedelta(seconds=seconds - 1))
    assert len(in_channel(world)) == 1
    await world.run_until(START + timedelta(seconds=seconds))
    assert in_channel(world)[-1].text.startswith(CLOSING)
    assert [d.at for d in in_channel(world)] == [START, START + timedelta(seconds=seconds)]


@pytest.mark.parametrize(
    "words", ["0s", "5s", "9 seconds", "121s", "3 minutes", "0 seconds", "300", "0"]
)
async def test_a_silence_outside_10_to_120_seconds_is_refused_clearly(
    world: World, words: str
) -> None:
    reply = await pause(world, "sam", f"{words} {DEDICATION}")
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "A pause can last between 10 seconds and 2 minutes" in text
    assert "Try: /pause 45s for everyone who cared for her" in text
    assert world.messenger.sent == []
    assert await world.queue.next_at() is None


async def test_the_close_still_arrives_once_after_a_restart_during_the_silence(
    world: World,
) -> None:
    await pause(world, "sam", DEDICATION)
    await world.press("priya", opening_index(world), "Pausing with you")
    await world.run_until(START + timedelta(seconds=10))

    restarted = build_world(world.redis, world.clock)  # a new process on the same Redis
    assert await restarted.engine.reconcile() == 0  # the close is still queued
    await restarted.run_until(START + timedelta(seconds=30))
    [closing] = restarted.messenger.sent
    assert closing.conversation == world.channel("ward-7")
    assert closing.at == START + timedelta(seconds=30)
    assert closing.text == f"{CLOSING}\nThank you to everyone who paused, seen or unseen."
    [(ref, ended)] = restarted.messenger.updates
    assert ref == world.messenger.sent[0].ref
    assert "This pause has ended. 1 paused together." in plain(ended)

    await restarted.engine.reconcile()
    await restarted.run_until(START + timedelta(hours=1))
    await world.run_until(START + timedelta(hours=1))
    assert len(restarted.messenger.sent) == 1
    assert len(world.messenger.sent) == 1  # the first process sent only the opening


async def test_a_close_taken_by_a_process_that_then_died_is_sent_once_by_the_next(
    world: World,
) -> None:
    await pause(world, "sam")
    due = START + timedelta(seconds=30)
    world.clock.set(due)
    [taken] = await world.queue.claim(due, 10)  # the first process takes the close, and dies
    assert taken.fire.scheduled_at == due

    restarted = build_world(world.redis, world.clock)
    await restarted.run_until(due + timedelta(seconds=29))
    assert restarted.messenger.sent == []  # its lease still holds
    await restarted.run_until(START + timedelta(minutes=10))
    [closing] = restarted.messenger.sent
    assert closing.text.startswith(CLOSING)
    assert closing.at == due + world.queue.lease


async def test_pausing_with_you_after_the_close_is_thanked_and_not_counted(world: World) -> None:
    await pause(world, "sam")
    index = opening_index(world)
    await world.run_until(START + timedelta(seconds=30))
    updates = len(world.messenger.updates)
    reply = await world.press("priya", index, "Pausing with you")
    assert reply is not None
    assert "This pause has ended" in plain(reply.card)
    assert "Thank you for being there." in plain(reply.card)
    assert len(world.messenger.updates) == updates


# --- follow-up ----------------------------------------------------------------------------------


async def test_a_follow_up_reaches_the_teams_managers_hours_later(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await world.say("ada", "manager add @lee to ward-7")
    reply = await pause(world, "sam", f"follow up in 3h {DEDICATION}")
    assert "In 3 hours, the team's managers will get a gentle check-in nudge." in plain(reply.card)
    await world.run_until(START + timedelta(hours=2, minutes=59))
    assert dms(world, "mo") == []
    await world.run_until(START + timedelta(hours=3))
    for manager in ("mo", "lee"):
        [follow_up] = dms(world, manager)
        assert follow_up.at == START + timedelta(hours=3)
        assert follow_up.card.fallback_text in AFTER_A_DEATH
        assert "after a death" in follow_up.text
        assert "Following the Pause your team held earlier" in plain(follow_up.card)
    assert dms(world, "sam") == []
    assert dms(world, "priya") == []


async def test_a_follow_up_to_me_reaches_the_caller_after_three_hours_by_default(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await pause(world, "sam", f"follow up to me {DEDICATION}")
    assert "In 3 hours, you will get a gentle check-in nudge." in plain(reply.card)
    await world.run_until(START + timedelta(hours=4))
    [follow_up] = dms(world, "sam")
    assert follow_up.at == START + timedelta(hours=3)
    assert follow_up.card.fallback_text in AFTER_A_DEATH
    assert dms(world, "mo") == []


async def test_a_follow_up_without_a_team_reaches_the_caller(world: World) -> None:
    reply = await pause(world, "sam", "follow up in 2h", where="corridor")
    assert "In 2 hours, you will get a gentle check-in nudge." in plain(reply.card)
    await world.run_until(START + timedelta(hours=2))
    [follow_up] = dms(world, "sam")
    assert follow_up.card.fallback_text in AFTER_A_DEATH
    assert "a nudge for" not in plain(follow_up.card)  # there is no team to name, not "-"


async def test_the_follow_up_names_no_one_and_quotes_nothing_from_the_dedication(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    dedication = "for Dorothy, who loved the garden, and for the night team"
    await pause(world, "sam", f"follow up {dedication}")
    await world.run_until(START + timedelta(hours=3))
    [follow_up] = dms(world, "mo")
    assert mentions_in(follow_up.card) == []
    shown = f"{plain(follow_up.card)}\n{follow_up.card.fallback_text}".lower()
    for word in ("dorothy", "garden", "night team", "sam"):
        assert word not in shown


async def test_a_follow_up_due_in_quiet_hours_arrives_when_they_end(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    world.clock.set(utc(2026, 11, 30, 18, 30))
    reply = await pause(world, "sam", "follow up in 3h")
    assert "the team's managers will get a gentle check-in nudge" in plain(reply.card)
    await world.run_until(utc(2026, 12, 1, 12, 0))  # 21:30 is in mo's quiet hours
    [follow_up] = dms(world, "mo")
    assert follow_up.at == utc(2026, 12, 1, 7, 0)
    assert follow_up.card.fallback_text in AFTER_A_DEATH


async def test_without_a_follow_up_nobody_gets_a_check_in(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await pause(world, "sam", DEDICATION)
    await world.run_until(START + timedelta(hours=12))
    assert [d.conversation.channel_id for d in world.messenger.sent] == ["ward-7", "ward-7"]


# --- privacy ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dedication", "hidden"),
    [
        ("for Mrs Jones, who we lost this morning", "Jones"),
        ("for Margaret in bay 3", "Margaret"),
        ("for 943 476 5919", "5919"),
        ("for the gentleman born 12/03/1948", "1948"),
    ],
)
async def test_a_dedication_that_could_identify_someone_is_refused_and_nothing_is_posted(
    world: World, dedication: str, hidden: str
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await pause(world, "sam", f"45s follow up {dedication}")
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "Could you say it another way?" in text
    assert "in our care" in text
    assert hidden not in text
    assert hidden not in reply.card.fallback_text
    assert world.messenger.sent == []
    assert await world.queue.next_at() is None
    assert "Pauses held this month: 0" in plain((await world.say("mo", "team ward-7")).card)


# --- counting -----------------------------------------------------------------------------------


async def test_pauses_are_counted_for_the_team_each_month_without_saying_who_called_them(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await pause(world, "sam", DEDICATION)
    await world.run_until(world.clock.now() + timedelta(minutes=1))  # one at a time
    await pause(world, "priya")
    await pause(world, "alex", where="corridor")  # no team: not counted for ward-7
    for viewer in ("mo", "sam"):
        team = await world.say(viewer, "team ward-7")
        text = plain(team.card)
        assert "Pauses held this month: 2" in text
        assert "sam" not in text
        assert "priya" not in text
        assert [m.member.user_id for m in mentions_in(team.card)] == ["mo"]

    await world.run_until(utc(2026, 12, 1, 9, 0))
    assert "Pauses held this month: 0" in plain((await world.say("mo", "team ward-7")).card)


async def test_nothing_the_pause_sends_says_who_called_it(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await pause(world, "sam", f"follow up {DEDICATION}")
    await world.press("priya", opening_index(world), "Pausing with you")
    await world.run_until(START + timedelta(hours=4))
    shown = cards_shown(world)
    assert len(shown) == 5  # opening, one update, closing, the ended opening, the follow-up
    for card in shown:
        assert mentions_in(card) == []
        for text in (plain(card), card.fallback_text):
            assert "sam" not in text.lower()
            assert "priya" not in text.lower()


# --- words --------------------------------------------------------------------------------------


async def test_nothing_the_bot_says_about_a_pause_uses_the_words_we_avoid(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    replies = [
        await pause(world, "sam", f"follow up in 3h {DEDICATION}"),
        await pause(world, "sam", "200s"),
        await pause(world, "sam", "follow up in 20h"),
        await pause(world, "sam", "follow up to someone"),
        await pause(world, "sam", "for Mrs Jones"),
        await pause(world, "sam", "for Margaret in bay 3"),
        await pause(world, "sam", "help"),
        await pause(world, "priya", f"60s follow up to me {DEDICATION}"),
    ]
    index = opening_index(world)
    await world.press("priya", index, "Pausing with you")
    await world.run_until(START + timedelta(hours=4))
    late = await world.press("mo", index, "Pausing with you")
    assert late is not None
    replies.append(late)
    shown = cards_shown(world, *replies)
    assert any(CLOSING in plain(card) for card in shown)
    assert any(card.fallback_text in AFTER_A_DEATH for card in shown)
    for card in shown:
        for text in (plain(card), card.fallback_text):
            assert not BANNED.search(text), text
    assert all(
        isinstance(b, Heading | Text | ContextLine | Actions) for c in shown for b in c.blocks
    )
