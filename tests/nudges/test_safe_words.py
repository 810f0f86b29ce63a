"""Issue 13's findings, as a ward would meet them: identifiers in managers' own prompts, options
read wherever they stand, a typo shown back privately instead of posted, and one Pause at a
time in a channel. Each test failed before the fix it names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from nudges.cards import Actions, Card, plain
from nudges.model import Unreachable
from tests.conftest import World

DEDICATION = "for the lady we lost this morning, and for everyone who cared for her"
SPECIFIC = "for covering my break so I could sit with the family"


def labels(card: Card) -> list[str]:
    return [b.label for block in card.blocks if isinstance(block, Actions) for b in block.buttons]


def posted(world: World, channel: str = "ward-7") -> list[str]:
    return [d.card.fallback_text for d in world.messenger.to(channel)]


# --- identifiers in the words a manager or a caller types ---------------------------------------


async def test_a_managers_own_prompt_that_names_someone_in_a_bed_is_not_saved(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await world.say("mo", 'prompt add "Check in with Mrs Jones in bed 4" behaviour helping')
    assert reply.status == "invalid"
    assert "Could you say it another way?" in plain(reply.card)
    assert "Jones" not in plain(reply.card)
    listed = await world.say("mo", "prompts")
    assert "Mrs Jones" not in plain(listed.card)


async def test_a_managers_own_prompt_in_plain_words_is_saved(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await world.say(
        "mo", 'prompt add "Check in with whoever took the hard call today" behaviour attending'
    )
    assert reply.status == "ok", plain(reply.card)
    assert "Added" in plain(reply.card)


@pytest.mark.parametrize(
    "dedication", ["margaret in bed 4", "Margaret in bed 4", "for 943.476.5919", "for 943/476/5919"]
)
async def test_a_dedication_with_an_identifier_anywhere_is_not_posted(
    world: World, dedication: str
) -> None:
    reply = await world.command("pause", "sam", dedication)
    assert reply.status == "invalid"
    assert "Could you say it another way?" in plain(reply.card)
    assert posted(world) == []


@pytest.mark.parametrize(
    "words",
    [
        "for Mr Khan in theatre, who stayed so calm",
        "for Ms Ahmed (our matron) and her steady hand",
        "for organising the party on 25/12/2026",
    ],
)
async def test_a_shoutout_naming_staff_or_an_event_date_goes_out(world: World, words: str) -> None:
    reply = await world.command("shoutout", "jo", f"@sam {words}")
    assert reply.status == "ok", plain(reply.card)
    assert len(posted(world)) == 1


async def test_a_shoutout_the_guard_refuses_offers_no_button_to_post_it(world: World) -> None:
    reply = await world.command("shoutout", "jo", "@sam thanks margaret bed 4")
    assert reply.status == "invalid"
    assert labels(reply.card) == []
    assert posted(world) == []


# --- options wherever they stand ----------------------------------------------------------------


async def test_private_just_after_the_names_sends_it_privately(world: World) -> None:
    reply = await world.command("shoutout", "jo", f"@alex private {SPECIFIC}")
    assert "sent privately" in plain(reply.card)
    assert posted(world) == []
    note = world.messenger.to("D-alex")[0]
    assert "private" not in note.card.fallback_text.split(": ", 1)[1]


async def test_private_inside_the_words_is_asked_about_and_nothing_is_posted(
    world: World,
) -> None:
    reply = await world.command("shoutout", "jo", "@alex for finding a private room for the family")
    assert reply.status == "invalid"
    assert "Did you mean to send it privately?" in plain(reply.card)
    assert labels(reply.card) == ["Send it privately", "Post in #ward-7"]
    assert posted(world) == []
    sent = await world.press_on("jo", reply.card, "Send it privately")
    assert "sent privately" in plain(sent.card)
    assert posted(world) == []


async def test_choosing_to_post_publicly_after_the_question_posts_once(world: World) -> None:
    reply = await world.command("shoutout", "jo", "@alex for finding a private room for the family")
    await world.press_on("jo", reply.card, "Post in #ward-7")
    again = await world.press_on("jo", reply.card, "Post in #ward-7")
    assert "expired" in plain(again.card)
    assert len(posted(world)) == 1


# --- the Pause: typos are refused or shown back, never posted -----------------------------------


@pytest.mark.parametrize("typed", ["-10s", "5m", "1h", "3 days", "follow up in 3 days"])
async def test_a_duration_out_of_range_is_refused_with_the_range(world: World, typed: str) -> None:
    reply = await world.command("pause", "sam", typed)
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "Nothing has been posted." in text
    assert "10 seconds and 2 minutes" in text or "half an hour and 12 hours" in text
    assert posted(world) == []


async def test_a_minute_and_a_half_is_a_ninety_second_pause_with_no_words(world: World) -> None:
    reply = await world.command("pause", "sam", "1.5m")
    assert "It will close in 90 seconds." in plain(reply.card)
    [opening] = world.messenger.to("ward-7")
    assert "“" not in plain(opening.card)


async def test_options_after_the_dedication_are_read_as_options(world: World) -> None:
    reply = await world.command("pause", "sam", f"{DEDICATION} 45s follow up in 2h to me")
    text = plain(reply.card)
    assert "It will close in 45 seconds." in text
    assert "In 2 hours, you will get" in text
    [opening] = world.messenger.to("ward-7")
    assert f"“{DEDICATION}”" in plain(opening.card)


async def test_a_follow_up_of_one_hour_reads_in_the_singular(world: World) -> None:
    reply = await world.command("pause", "sam", "follow up in 1h to me")
    assert "In 1 hour, you will get" in plain(reply.card)


@pytest.mark.parametrize("typed", ["days", "Margaret", "for everyone follow up in 3 days"])
async def test_words_that_may_not_be_a_dedication_are_shown_back_with_a_post_button(
    world: World, typed: str
) -> None:
    reply = await world.command("pause", "sam", typed)
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "Did you mean" in text
    assert f"“{typed}”" in text
    assert "Nothing has been posted." in text
    assert labels(reply.card) == ["Post the pause"]
    assert posted(world) == []
    begun = await world.press_on("sam", reply.card, "Post the pause")
    assert "Your pause has begun" in plain(begun.card)
    [opening] = world.messenger.to("ward-7")
    assert f"“{typed}”" in plain(opening.card)


async def test_a_held_pause_that_cannot_be_posted_is_kept_to_press_again(world: World) -> None:
    reply = await world.command("pause", "sam", "Margaret")
    world.messenger.gone_channels["ward-7"] = (Unreachable.NOT_IN_CHANNEL, "/invite @CareNudge")
    refused = await world.press_on("sam", reply.card, "Post the pause")
    assert "Nothing was posted" in plain(refused.card)
    assert posted(world) == []
    del world.messenger.gone_channels["ward-7"]  # CareNudge invited
    begun = await world.press_on("sam", reply.card, "Post the pause")
    assert "Your pause has begun" in plain(begun.card)
    [opening] = world.messenger.to("ward-7")
    assert "“Margaret”" in plain(opening.card)


async def test_a_held_pause_is_posted_only_by_its_caller_and_only_once(world: World) -> None:
    reply = await world.command("pause", "sam", "days")
    stranger = await world.press_on("priya", reply.card, "Post the pause")
    assert "expired" in plain(stranger.card)
    await world.press_on("sam", reply.card, "Post the pause")
    again = await world.press_on("sam", reply.card, "Post the pause")
    assert "expired" in plain(again.card)
    assert len(posted(world)) == 1


# --- one Pause at a time ------------------------------------------------------------------------


async def test_a_second_pause_in_the_channel_is_invited_to_join_the_first(world: World) -> None:
    await world.command("pause", "sam", DEDICATION)
    second = await world.command("pause", "priya", "for everyone on nights")
    assert second.status == "refused"
    assert "already under way" in plain(second.card)
    assert labels(second.card) == ["Pausing with you"]
    assert len(posted(world)) == 1
    joined = await world.press_on("priya", second.card, "Pausing with you")
    assert joined is not None
    _, update = world.messenger.updates[-1]
    assert "1 pausing together" in plain(update)


async def test_another_channel_can_pause_at_the_same_time(world: World) -> None:
    await world.command("pause", "sam", DEDICATION)
    other = await world.command("pause", "alex", "for everyone", where="corridor")
    assert "Your pause has begun" in plain(other.card)


async def test_once_a_pause_closes_the_channel_can_pause_again(world: World) -> None:
    await world.command("pause", "sam", DEDICATION)
    await world.run_until(world.clock.now() + timedelta(seconds=31))
    again = await world.command("pause", "priya", "for everyone on nights")
    assert "Your pause has begun" in plain(again.card)


# --- small things a person notices --------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [
        "dziękuję bardzo za pomoc przy łóżku dzisiaj",
        "merci beaucoup pour ton aide ce soir",
        "شكرا جزيلا لك على مساعدتك اليوم",
    ],
)
async def test_thanks_in_another_language_goes_straight_out_without_a_tip(
    world: World, words: str
) -> None:
    reply = await world.command("shoutout", "jo", f"@sam {words}")
    assert "A tip before it goes out" not in plain(reply.card)
    assert len(posted(world)) == 1


async def test_unseen_for_a_team_nobody_has_joined_says_so(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.command("shoutout", "mo", "unseen team ward-7")
    text = plain(reply.card)
    assert "No one has joined ward-7 yet" in text
    assert "Everyone in ward-7 has been recognised" not in text


# --- nothing a person wrote is thrown away -------------------------------------------------------


async def test_a_refused_shoutout_gives_the_words_back_without_the_identifying_part(
    world: World,
) -> None:
    reply = await world.command(
        "shoutout", "jo", "@sam for sitting with Mr Patel in bed 4 all night"
    )
    text = plain(reply.card)
    assert "Could you say it another way?" in text
    assert "Your words, to change and send again" in text
    assert "/shoutout @sam for sitting with Mr … in bed 4 all night" in text
    assert "Patel" not in text
    assert reply.private


async def test_a_shoutout_too_long_is_given_back_whole_to_shorten(world: World) -> None:
    words = "for " + "staying so late with the family " * 20
    reply = await world.command("shoutout", "jo", f"@sam {words}")
    assert reply.status == "invalid"
    assert "please keep a shout-out under 500" in plain(reply.card)
    # In pieces that end between words: pasted back, it is the same shout-out.
    assert " ".join(words.split()) in " ".join(plain(reply.card).split())
    assert "didn't fit" not in plain(reply.card)
    assert posted(world) == []


async def test_a_mistyped_behaviour_is_refused_with_the_choices_and_the_words_kept(
    world: World,
) -> None:
    reply = await world.command("shoutout", "jo", f"@sam {SPECIFIC} behaviour helpng")
    text = plain(reply.card)
    assert reply.status == "invalid"
    assert "I don't know the behaviour 'helpng'" in text
    assert "attending, understanding, empathising, helping" in text
    assert f"/shoutout @sam {SPECIFIC}" in text
    assert posted(world) == []
