"""The three buttons on every prompt: Done, Snooze and Not for me, in a direct message and in a
channel; and what a stale or forged button value gets.

The clock starts on Monday 30 Nov 2026 at 12:00 UTC; London is on GMT, so London time is UTC.
"""

from __future__ import annotations

import logging

import pytest

from nudges.cards import Action, Actions, Card, Mention, Reply, Text, plain
from nudges.events import ActionInvoked
from nudges.library import library
from nudges.model import Behaviour, Context
from tests.conftest import World, build_world
from tests.fakes.clock import utc


def buttons(card: Card) -> list[str]:
    return [b.label for block in card.blocks if isinstance(block, Actions) for b in block.buttons]


def mentioned(card: Card) -> set[str]:
    return {
        part.member.user_id
        for block in card.blocks
        if isinstance(block, Text)
        for part in block.parts
        if isinstance(part, Mention)
    }


async def team_card(world: World) -> str:
    reply = await world.say("mo", "team ward-7")
    assert reply.status == "ok", plain(reply.card)
    return plain(reply.card)


async def first_prompt_to(world: World, who: str, *, at: str = "09:00") -> int:
    """Set up ward-7 with a daily team cadence, run to its first fire (today if still to come,
    else tomorrow) and return the delivery index of the prompt that reached ``who``."""
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await world.say("mo", f"create daily at {at} to team")
    hour, minute = (int(x) for x in at.split(":"))
    first = utc(2026, 11, 30, hour, minute)
    if first <= world.clock.now():
        first = utc(2026, 12, 1, hour, minute)
    await world.run_until(first)
    return index_of(world, who)


def index_of(world: World, who: str) -> int:
    """The delivery index of the latest prompt that reached ``who`` by direct message."""
    return max(
        i for i, d in enumerate(world.messenger.sent) if d.conversation.channel_id == f"D-{who}"
    )


async def test_every_prompt_carries_done_snooze_and_not_for_me(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to team")
    await world.say("mo", "create daily at 10:00 to #ward-7")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert len(world.messenger.sent) == 2
    for delivery in world.messenger.sent:
        assert buttons(delivery.card) == ["Done", "Snooze", "Not for me"]


# --- Done ---------------------------------------------------------------------------------------


async def test_done_in_a_direct_message_updates_the_card_in_place(world: World) -> None:
    index = await first_prompt_to(world, "sam")
    delivery = world.messenger.sent[index]
    assert await world.press("sam", index, "Done") is None
    [(ref, card)] = world.messenger.updates
    assert ref == delivery.ref
    assert buttons(card) == []
    text = plain(card)
    assert text.startswith("Done. " + delivery.card.fallback_text)
    assert "never by name" in text


async def test_done_counts_once_for_the_team_however_often_it_is_pressed(world: World) -> None:
    sam = await first_prompt_to(world, "sam")
    priya = next(
        i for i, d in enumerate(world.messenger.sent) if d.conversation.channel_id == "D-priya"
    )
    assert "Marked done this week: 0" in await team_card(world)
    await world.press("sam", sam, "Done")
    await world.press("sam", sam, "Done")
    assert "Marked done this week: 1" in await team_card(world)
    await world.press("priya", priya, "Done")
    assert "Marked done this week: 2" in await team_card(world)


async def test_the_team_card_never_shows_who_marked_done(world: World) -> None:
    sam = await first_prompt_to(world, "sam")
    await world.press("sam", sam, "Done")
    for viewer in ("mo", "sam", "priya"):
        reply = await world.say(viewer, "team ward-7")
        text = plain(reply.card)
        assert "Marked done this week: 1" in text
        assert "sam" not in text
        assert "priya" not in text
        assert mentioned(reply.card) == {"mo"}  # the managers, never the members


async def test_done_counts_go_into_the_week_they_were_pressed_in(world: World) -> None:
    sam = await first_prompt_to(world, "sam")
    await world.press("sam", sam, "Done")
    await world.run_until(utc(2026, 12, 8, 12, 0))  # the next Tuesday
    text = await team_card(world)
    assert "Marked done this week: 0" in text
    assert "Marked done last week: 1" in text


# --- Snooze -------------------------------------------------------------------------------------


async def test_snooze_updates_the_card_and_brings_the_same_prompt_back_two_hours_later(
    world: World,
) -> None:
    index = await first_prompt_to(world, "sam")
    prompt = world.messenger.sent[index]
    assert await world.press("sam", index, "Snooze") is None
    [(ref, card)] = world.messenger.updates
    assert ref == prompt.ref
    assert buttons(card) == []
    assert "I'll bring this back Tue 1 Dec, 11:00." in plain(card)

    await world.run_until(utc(2026, 12, 1, 10, 59))
    assert len(world.messenger.to("D-sam")) == 1
    await world.run_until(utc(2026, 12, 1, 11, 0))
    again = world.messenger.to("D-sam")[1]
    assert again.at == utc(2026, 12, 1, 11, 0)
    assert again.card.fallback_text == prompt.card.fallback_text
    assert buttons(again.card) == ["Done", "Snooze", "Not for me"]
    assert len(world.messenger.to("D-priya")) == 1


async def test_a_snoozed_prompt_waits_until_quiet_hours_are_over(world: World) -> None:
    index = await first_prompt_to(world, "sam", at="19:00")
    prompt = world.messenger.sent[index]
    await world.press("sam", index, "Snooze")
    [(_, card)] = world.messenger.updates
    assert "I'll bring this back Tue 1 Dec, 07:00." in plain(card)
    await world.run_until(utc(2026, 12, 1, 7, 0))
    assert [(d.at, d.card.fallback_text) for d in world.messenger.to("D-sam")] == [
        (utc(2026, 11, 30, 19, 0), prompt.card.fallback_text),
        (utc(2026, 12, 1, 7, 0), prompt.card.fallback_text),
    ]


async def test_a_snoozed_prompt_comes_back_even_after_a_restart(world: World) -> None:
    index = await first_prompt_to(world, "sam")
    prompt = world.messenger.sent[index]
    await world.press("sam", index, "Snooze")

    restarted = build_world(world.redis, world.clock)
    await restarted.run_until(utc(2026, 12, 1, 11, 0))
    [again] = restarted.messenger.to("D-sam")
    assert again.at == utc(2026, 12, 1, 11, 0)
    assert again.card.fallback_text == prompt.card.fallback_text


async def test_pressing_snooze_twice_brings_the_prompt_back_once(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    await world.press("sam", 0, "Snooze")
    again = await world.press("sam", 0, "Snooze")
    assert again is not None
    assert plain(again.card) == "Already snoozed\nIt will come back as planned."
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert len(world.messenger.to("D-sam")) == 1


async def test_a_snoozed_prompt_is_not_delivered_to_someone_who_then_stopped(
    world: World,
) -> None:
    index = await first_prompt_to(world, "sam")
    await world.press("sam", index, "Snooze")
    await world.say("sam", "stop", where="dm")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert len(world.messenger.to("D-sam")) == 1


async def test_not_for_me_after_snooze_wins_and_the_prompt_does_not_come_back(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nudges.prompts")
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    await world.press("sam", 0, "Snooze")
    await world.press("sam", 0, "Not for me")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert world.messenger.to("D-sam") == []
    assert "marked not for me since" in caplog.text  # chosen, not lost to an error


@pytest.mark.parametrize("verb", ["delete", "pause"])
async def test_a_snoozed_prompt_goes_with_its_cadence_when_it_is_deleted_or_paused(
    world: World, verb: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="nudges.prompts")
    index = await first_prompt_to(world, "sam")
    await world.press("sam", index, "Snooze")
    reply = await world.say("mo", f"{verb} c1")
    assert reply.status == "ok", plain(reply.card)
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert len(world.messenger.to("D-sam")) == 1
    assert "it is gone or paused" in caplog.text  # chosen, not lost to an error


# --- Not for me ---------------------------------------------------------------------------------


async def test_not_for_me_updates_the_card_and_that_prompt_never_reaches_them_again(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    helping = [
        p.id
        for p in library()
        if p.behaviour is Behaviour.HELPING and Context.ANY_TIME in p.contexts
    ]
    await world.say("mo", "budget team ward-7 7 a week 1 a day")  # every day, for four weeks
    for prompt_id in helping[3:]:  # leave a pool of three (a daily cadence takes any-time ones)
        reply = await world.say("mo", f"prompt retire {prompt_id}")
        assert reply.status == "ok", plain(reply.card)
    await world.say("mo", "create daily at 09:00 to team theme helping")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    index = index_of(world, "sam")
    unwanted = world.messenger.sent[index].card.fallback_text

    assert await world.press("sam", index, "Not for me") is None
    [(ref, card)] = world.messenger.updates
    assert ref == world.messenger.sent[index].ref
    assert buttons(card) == []
    assert "you won't get this one again" in plain(card)

    await world.run_until(utc(2026, 12, 29, 9, 0))  # four weeks more
    sams = [d.card.fallback_text for d in world.messenger.to("D-sam")]
    priyas = [d.card.fallback_text for d in world.messenger.to("D-priya")]
    assert len(sams) == len(priyas) == 29
    assert unwanted not in sams[1:]
    # A pool of three daily can't keep a prompt away for a fortnight: it widens instead.
    for people in (sams, priyas):
        assert all(len(set(people[i : i + 14])) == 14 for i in range(len(people) - 13))
    assert priyas.count(unwanted) >= 2  # still hers, once a fortnight has passed


# --- in a channel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("Done", "It counts for ward-7 this week, never by name."),
        ("Snooze", "I'll bring this back Tue 1 Dec, 11:00."),
        ("Not for me", "you won't get this one again"),
    ],
)
async def test_buttons_in_a_channel_answer_privately_and_leave_the_message_alone(
    world: World, label: str, said: str
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    reply = await world.press("sam", 0, label)
    assert reply is not None
    assert reply.private
    assert reply.status == "ok"
    assert said in plain(reply.card)
    assert world.messenger.updates == []


async def test_done_in_a_channel_counts_each_person_once(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    await world.press("sam", 0, "Done")
    again = await world.press("sam", 0, "Done")
    assert again is not None
    assert "You'd already marked this one." in plain(again.card)
    await world.press("priya", 0, "Done")
    assert "Marked done this week: 2" in await team_card(world)


async def test_snooze_in_a_channel_brings_the_prompt_back_by_direct_message(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    await world.press("sam", 0, "Snooze")
    await world.run_until(utc(2026, 12, 1, 11, 0))
    [again] = world.messenger.to("D-sam")
    assert again.card.fallback_text == world.messenger.sent[0].card.fallback_text
    assert len(world.messenger.to("ward-7")) == 1


# --- stale or forged values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", [Action.PROMPT_DONE, Action.PROMPT_SNOOZE, Action.PROMPT_NOT_FOR_ME]
)
@pytest.mark.parametrize(
    "value", ["", "garbage", "c1|ward-7", "c1||attending-01|x", "|" * 9, "é" * 5000]
)
async def test_a_garbage_button_value_gets_a_kind_expired_reply(
    world: World, action: Action, value: str
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await world.engine.handle(
        ActionInvoked(action, value, world.member("sam"), "sam", world.dm("sam"))
    )
    assert isinstance(reply, Reply)
    assert reply.status == "ok"
    assert plain(reply.card) == "That button has expired\nNothing was changed."
    assert world.messenger.updates == []
    assert "Marked done this week: 0" in await team_card(world)


async def test_a_button_for_a_prompt_that_no_longer_exists_changes_nothing(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await world.engine.handle(
        ActionInvoked(
            Action.PROMPT_DONE,
            "c1|ward-7|ward-7-99|c:c1@1",
            world.member("sam"),
            "sam",
            world.dm("sam"),
        )
    )
    assert reply is not None
    assert reply.status == "refused"  # it was never sent to anyone
    assert "Nothing was changed." in plain(reply.card)
    assert "Marked done this week: 0" in await team_card(world)


async def test_a_button_press_naming_someone_elses_prompt_counts_for_nothing(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await world.say("mo", "create daily at 09:00 to team")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    sams = world.messenger.sent[index_of(world, "sam")]
    done = next(
        b for block in sams.card.blocks if isinstance(block, Actions) for b in block.buttons
    )
    # Priya (or someone outside the team) posts the value of Sam's Done, from her own chat.
    for who in ("priya", "stranger"):
        forged = await world.engine.handle(
            ActionInvoked(done.action, done.value, world.member(who), who, world.dm(who))
        )
        assert forged is not None
        assert forged.status == "refused"
        assert "That nudge wasn't sent to you" in plain(forged.card)
    assert "Marked done this week: 0" in await team_card(world)
    assert await world.press("sam", index_of(world, "sam"), "Done") is None  # his own: counts
    assert "Marked done this week: 1" in await team_card(world)
