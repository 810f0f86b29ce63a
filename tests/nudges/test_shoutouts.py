"""Shout-outs as the people giving and receiving them notice them: posted with mentions as data,
told to the people recognised, tagged with a behaviour, a gentle tip for a vague one, the
guardrails, the weekly digest, and the managers' private list of the unseen.

The clock starts on Monday 30 Nov 2026 at 12:00 UTC; London is on GMT, so London time is UTC.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from nudges.cards import (
    Action,
    Actions,
    Button,
    Card,
    ContextLine,
    Link,
    Mention,
    Reply,
    Text,
    plain,
)
from nudges.events import CommandInvoked
from nudges.model import Behaviour, Unreachable
from tests.conftest import World
from tests.fakes.clock import utc
from tests.fakes.messenger import Delivery

BANNED = re.compile(
    r"\b(scores?|scored|scoring|rank\w*|performance|compliance|compliant|kpis?)\b"
    r"|you failed to|patient",
    re.IGNORECASE,
)
SPECIFIC = "for staying with the family after handover so they felt looked after"
FRIDAY_DIGEST = utc(2026, 12, 4, 16, 0)  # Friday 16:00 in London


async def shoutout(world: World, who: str, text: str, where: str = "ward-7") -> Reply:
    return await world.command("shoutout", who, text, where)


async def press(world: World, who: str, card: Card, label: str, where: str = "ward-7") -> Reply:
    """``who`` presses the button labelled ``label`` on a card they were shown privately."""
    return await world.press_on(who, card, label, where)


def buttons(card: Card) -> list[Button]:
    return [b for block in card.blocks if isinstance(block, Actions) for b in block.buttons]


def inline_parts(card: Card) -> list[object]:
    return [
        part
        for block in card.blocks
        if isinstance(block, Text | ContextLine)
        for part in block.parts
    ]


def mentioned(card: Card) -> list[str]:
    return [p.member.user_id for p in inline_parts(card) if isinstance(p, Mention)]


def in_channel(world: World, channel: str = "ward-7") -> list[Delivery]:
    return world.messenger.to(channel)


def dms(world: World, who: str) -> list[Delivery]:
    return world.messenger.to(f"D-{who}")


def everything_said(world: World, *replies: Reply) -> list[str]:
    """Every text the bot sent, updated or replied, as plain text and fallback text."""
    cards = [
        *(d.card for d in world.messenger.sent),
        *(card for _, card in world.messenger.updates),
        *(r.card for r in replies),
    ]
    return [text for card in cards for text in (plain(card), card.fallback_text)]


# --- giving -------------------------------------------------------------------------------------


async def test_a_shoutout_is_posted_in_the_channel_with_mentions_as_data(world: World) -> None:
    reply = await shoutout(world, "jo", f"@sam @priya {SPECIFIC}")
    assert reply.status == "ok", plain(reply.card)
    assert reply.private
    assert "Shout-out s1 sent in #ward-7" in plain(reply.card)
    [posted] = in_channel(world)
    [line] = [b for b in posted.card.blocks if isinstance(b, Text)]
    assert line.parts == (
        Mention(world.member("jo"), "jo"),
        " recognised ",
        Mention(world.member("sam"), "sam"),
        " and ",
        Mention(world.member("priya"), "priya"),
        " ",
        SPECIFIC,
    )
    assert posted.text.startswith(f"@jo recognised @sam and @priya {SPECIFIC}")


async def test_a_mention_inside_the_words_stays_a_mention(world: World) -> None:
    await shoutout(world, "jo", "@sam for showing @priya how the new pumps work, step by step")
    [posted] = in_channel(world)
    assert mentioned(posted.card) == ["jo", "sam", "priya"]
    assert "for showing " in inline_parts(posted.card)
    assert " how the new pumps work, step by step" in inline_parts(posted.card)


async def test_broadcast_words_typed_in_a_shoutout_stay_plain_text(world: World) -> None:
    """Adapters resolve only real people to mentions; "@here" typed by hand arrives as text, and
    the bot must keep it as text in everything it sends, so no renderer can make it a ping."""
    words = ("for", "covering", "my", "break,", "@here", "<!channel>", "@everyone", "take", "note")
    reply = await world.engine.handle(
        CommandInvoked(
            "shoutout",
            (Mention(world.member("sam"), "sam"), *words),
            world.member("jo"),
            "jo",
            world.channel("ward-7"),
            "ward-7",
        )
    )
    assert reply is not None
    assert reply.status == "ok", plain(reply.card)
    [posted] = in_channel(world)
    [note] = dms(world, "sam")
    assert mentioned(posted.card) == ["jo", "sam"]
    assert mentioned(note.card) == ["jo"]
    for card in (posted.card, note.card):
        typed = [p for p in inline_parts(card) if isinstance(p, str) and "@here" in p]
        assert typed == ["for covering my break, @here <!channel> @everyone take note"]


async def test_each_person_recognised_is_told_by_direct_message(world: World) -> None:
    await shoutout(world, "jo", f"@sam @priya {SPECIFIC}")
    for who in ("sam", "priya"):
        [note] = dms(world, who)
        assert note.text.startswith("You've been recognised\n@jo recognised you in #ward-7: ")
        assert SPECIFIC in note.text
        assert mentioned(note.card) == ["jo"]
    assert dms(world, "jo") == []


async def test_a_private_shoutout_posts_nothing_in_the_channel_but_is_still_told(
    world: World,
) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC} private")
    assert "Shout-out s1 sent privately" in plain(reply.card)
    assert in_channel(world) == []
    [note] = dms(world, "sam")
    assert "@jo recognised you privately: " + SPECIFIC in note.text
    assert (await world.stored("carenudge:shoutout:s1"))["private"] is True


async def test_a_shoutout_given_in_a_direct_message_is_private(world: World) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC}", where="dm")
    assert "sent privately" in plain(reply.card)
    assert [d.conversation.channel_id for d in world.messenger.sent] == ["D-sam"]


# --- the behaviour tag --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "behaviour"),
    [
        ("for really listening to me after a rough night", Behaviour.ATTENDING),
        ("for noticing I was struggling and sitting with me a while", Behaviour.ATTENDING),
        ("for explaining the new pumps so clearly to the students", Behaviour.UNDERSTANDING),
        ("for asking what we could learn from last night", Behaviour.UNDERSTANDING),
        ("for comforting the family with such a calm voice", Behaviour.EMPATHISING),
        ("for staying gentle and steady when everyone was upset", Behaviour.EMPATHISING),
        ("for covering my break when the ward was so busy", Behaviour.HELPING),
        ("for the extra hours you stayed late to get the rota sorted", Behaviour.HELPING),
    ],
)
async def test_the_tag_is_suggested_from_the_words(
    world: World, words: str, behaviour: Behaviour
) -> None:
    reply = await shoutout(world, "jo", f"@sam {words}")
    assert f"Tagged {behaviour.label}." in plain(reply.card)
    [posted] = in_channel(world)
    assert f"{behaviour.label} · recognise someone with /shoutout" in posted.text
    assert (await world.stored("carenudge:shoutout:s1"))["behaviour"] == behaviour.value


async def test_the_giver_can_choose_the_tag_with_behaviour(world: World) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC} behaviour understanding")
    assert "Tagged Understanding." in plain(reply.card)
    [posted] = in_channel(world)
    assert "Understanding · " in posted.text
    assert "behaviour" not in posted.text  # the option is not part of the message


async def test_the_confirmation_offers_the_four_tags_with_the_chosen_one_marked(
    world: World,
) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC}")
    offered = buttons(reply.card)
    assert [b.label for b in offered] == ["Attending", "Understanding", "Empathising", "Helping"]
    assert {b.action for b in offered} == {Action.SHOUTOUT_TAG}
    assert [b.label for b in offered if b.primary] == ["Empathising"]


async def test_changing_the_tag_updates_the_stored_shoutout_and_the_channel_message(
    world: World,
) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC}")
    [posted] = in_channel(world)
    changed = await press(world, "jo", reply.card, "Helping")
    assert "s1 is now tagged Helping" in plain(changed.card)
    assert (await world.stored("carenudge:shoutout:s1"))["behaviour"] == "helping"
    [(ref, card)] = world.messenger.updates
    assert ref == posted.ref
    assert "Helping · recognise someone with /shoutout" in plain(card)
    assert mentioned(card) == ["jo", "sam"]
    assert SPECIFIC in inline_parts(card)


async def test_only_the_giver_can_change_the_tag(world: World) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC}")
    for other in ("sam", "ada"):
        answer = await press(world, other, reply.card, "Helping")
        assert "Nothing was changed" in plain(answer.card)
    assert (await world.stored("carenudge:shoutout:s1"))["behaviour"] == "empathising"
    assert world.messenger.updates == []


# --- vague shout-outs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "words", ["thanks!", "great job", "you are a star", "thank you so much for everything today"]
)
async def test_a_vague_shoutout_gets_a_private_tip_and_posts_nothing(
    world: World, words: str
) -> None:
    reply = await shoutout(world, "jo", f"@sam {words}")
    assert reply.status == "ok"
    assert reply.private
    text = plain(reply.card)
    assert "A tip before it goes out" in text
    assert "name what someone did and the difference it made" in text
    assert [(b.label, b.action) for b in buttons(reply.card)] == [
        ("Post it as it is", Action.SHOUTOUT_POST)
    ]
    assert world.messenger.sent == []
    assert await world.redis.get("carenudge:shoutout:s1") is None


async def test_pressing_post_it_as_it_is_posts_the_vague_shoutout(world: World) -> None:
    tip = await shoutout(world, "jo", "@sam @priya great job")
    posted = await press(world, "jo", tip.card, "Post it as it is")
    assert "Shout-out s1 sent in #ward-7" in plain(posted.card)
    [message] = in_channel(world)
    assert message.text.startswith("@jo recognised @sam and @priya: great job")
    assert mentioned(message.card) == ["jo", "sam", "priya"]
    assert len(dms(world, "sam")) == len(dms(world, "priya")) == 1


async def test_a_held_shoutout_posts_once_and_only_for_its_giver(world: World) -> None:
    tip = await shoutout(world, "jo", "@sam thanks!")
    stranger = await press(world, "priya", tip.card, "Post it as it is")
    assert "expired" in plain(stranger.card)
    assert world.messenger.sent == []
    await press(world, "jo", tip.card, "Post it as it is")
    again = await press(world, "jo", tip.card, "Post it as it is")
    assert "expired" in plain(again.card)
    assert len(in_channel(world)) == 1


async def test_a_held_shoutout_that_cannot_be_posted_is_kept_to_press_again(world: World) -> None:
    """CareNudge not in the channel when "Post it as it is" is pressed: nothing goes out, the
    giver is told why, and their words wait under the same button until it is invited."""
    tip = await shoutout(world, "jo", "@sam thanks!")
    world.messenger.gone_channels["ward-7"] = (Unreachable.NOT_IN_CHANNEL, "/invite @CareNudge")
    refused = await press(world, "jo", tip.card, "Post it as it is")
    assert "can't post in #ward-7" in plain(refused.card)
    assert world.messenger.sent == []
    del world.messenger.gone_channels["ward-7"]  # invited
    posted = await press(world, "jo", tip.card, "Post it as it is")
    assert "sent in #ward-7" in plain(posted.card)
    [message] = in_channel(world)
    assert message.text.startswith("@jo recognised @sam: thanks!")


async def test_a_specific_shoutout_of_five_words_goes_straight_out(world: World) -> None:
    await shoutout(world, "jo", "@sam for covering my break today")
    assert len(in_channel(world)) == 1


# --- guardrails ---------------------------------------------------------------------------------


async def test_a_shoutout_stands_when_one_person_cannot_be_told(world: World) -> None:
    world.messenger.unreachable.add("priya")
    reply = await shoutout(world, "jo", f"@sam @priya {SPECIFIC}")
    assert reply.status == "ok", plain(reply.card)
    assert len(in_channel(world)) == 1
    assert len(dms(world, "sam")) == 1
    assert await world.redis.get("carenudge:shoutout:s1") is not None


async def test_a_self_shoutout_is_refused_kindly(world: World) -> None:
    reply = await shoutout(world, "jo", f"@jo {SPECIFIC}")
    assert reply.status == "refused"
    text = plain(reply.card)
    assert "Shout-outs are for colleagues" in text
    assert "Your own effort matters too" in text
    assert world.messenger.sent == []


async def test_the_self_shoutout_refusal_suggests_nothing_its_giver_cannot_do(
    world: World,
) -> None:
    """A member who follows a suggestion in the refusal must not meet a second refusal."""
    await world.admin_makes_team("mo", members=("jo",))
    reply = await shoutout(world, "jo", f"@jo {SPECIFIC}")
    suggested = re.findall(r"/(nudge|shoutout|pause) ([^.\n]+)", plain(reply.card))
    for name, words in suggested:
        followed = await world.command(name, "jo", words)
        assert followed.status == "ok", plain(followed.card)


async def test_a_self_shoutout_among_others_is_refused_too(world: World) -> None:
    reply = await shoutout(world, "jo", f"@sam @jo {SPECIFIC}")
    assert reply.status == "refused"
    assert world.messenger.sent == []


async def test_a_burst_of_shoutouts_is_refused_kindly_and_the_earlier_ones_stand(
    world: World,
) -> None:
    for n in range(5):
        given = await shoutout(world, "jo", f"@sam {SPECIFIC} ({n + 1})")
        assert given.status == "ok", plain(given.card)
    sixth = await shoutout(world, "jo", f"@priya {SPECIFIC} (6)")
    assert sixth.status == "refused"
    assert "That's a lot of thanks" in plain(sixth.card)
    assert "the next can go out in a few minutes" in plain(sixth.card)
    # Nothing they wrote is lost: the reply gives it back, ready to send again.
    assert f"/shoutout @priya {SPECIFIC} (6)" in plain(sixth.card)
    assert len(in_channel(world)) == 5
    assert len(dms(world, "sam")) == 5
    assert dms(world, "priya") == []
    for n in range(1, 6):
        assert await world.redis.get(f"carenudge:shoutout:s{n}") is not None
    assert await world.redis.get("carenudge:shoutout:s6") is None
    # The window is Redis's own ten-minute expiry (real time, so the fake clock can't move it).
    assert (
        0 < await world.redis.ttl(f"carenudge:rate:shoutout:{world.member('jo').key}:burst") <= 600
    )


async def test_the_burst_limit_is_per_person(world: World) -> None:
    for n in range(6):
        await shoutout(world, "jo", f"@sam {SPECIFIC} ({n + 1})")
    other = await shoutout(world, "alex", f"@priya {SPECIFIC}")
    assert other.status == "ok", plain(other.card)
    assert len(dms(world, "priya")) == 1


async def test_the_giver_can_delete_a_shoutout_and_the_channel_message_says_so(
    world: World,
) -> None:
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    [posted] = in_channel(world)
    reply = await shoutout(world, "jo", "delete s1")
    assert reply.status == "ok"
    assert "Shout-out deleted" in plain(reply.card)
    [(ref, card)] = world.messenger.updates
    assert ref == posted.ref
    assert plain(card) == "This shout-out was removed."
    assert await world.redis.get("carenudge:shoutout:s1") is None


async def test_an_admin_can_delete_anyones_shoutout(world: World) -> None:
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    reply = await shoutout(world, "ada", "delete s1")
    assert reply.status == "ok"
    assert len(world.messenger.updates) == 1
    assert await world.redis.get("carenudge:shoutout:s1") is None


@pytest.mark.parametrize("who", ["sam", "priya"])
async def test_nobody_else_can_delete_a_shoutout(world: World, who: str) -> None:
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    reply = await shoutout(world, who, "delete s1")
    assert reply.status == "refused"
    assert "Only the person who gave a shout-out, or an admin, can delete it." in plain(reply.card)
    assert world.messenger.updates == []
    assert await world.redis.get("carenudge:shoutout:s1") is not None


@pytest.mark.parametrize(
    ("words", "hidden"),
    [
        ("for looking after Mrs Jones so gently all night", "Jones"),
        ("for chasing the bloods for 943 476 5919 all morning", "5919"),
        ("for sitting with Arthur in bed 4 until his family came", "Arthur"),
        ("for finding the notes for MRN 1234567 so fast", "1234567"),
    ],
)
async def test_a_shoutout_that_could_identify_someone_in_our_care_is_not_posted(
    world: World, words: str, hidden: str
) -> None:
    reply = await shoutout(world, "jo", f"@sam {words}")
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "Could you say it another way?" in text
    assert "identify someone in our care" in text or "name of the person in our care" in text
    assert hidden not in text
    assert hidden not in reply.card.fallback_text
    assert world.messenger.sent == []
    assert await world.redis.get("carenudge:shoutout:s1") is None


async def test_a_private_shoutout_is_checked_for_identifying_details_too(world: World) -> None:
    reply = await shoutout(world, "jo", "@sam for looking after Mrs Jones so gently private")
    assert reply.status == "invalid"
    assert world.messenger.sent == []


# --- the weekly digest --------------------------------------------------------------------------


async def test_the_first_public_shoutout_sets_up_one_weekly_digest_for_the_channel(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    await shoutout(world, "jo", f"@priya {SPECIFIC}")
    await shoutout(world, "alex", f"@priya {SPECIFIC}")
    digest = await world.stored("carenudge:cadence:c1")
    assert digest["kind"] == "digest"
    assert digest["team"] == "ward-7"
    assert digest["schedule"] == {"days": [4], "times": ["16:00"]}
    assert await world.redis.get("carenudge:cadence:c2") is None
    listed = plain((await world.say("mo", "list")).card)
    assert "c1 · Fri at 16:00 · #ward-7 · Weekly shout-out digest · next Fri 4 Dec, 16:00" in (
        listed
    )


async def test_a_private_shoutout_sets_up_no_digest(world: World) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", f"@sam {SPECIFIC} private")
    assert await world.redis.get("carenudge:cadence:c1") is None


async def test_a_deleted_digest_is_not_set_up_again_by_the_next_shoutout(world: World) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    deleted = await world.say("mo", "delete c1")
    assert "Deleted c1" in plain(deleted.card)
    await shoutout(world, "jo", f"@priya {SPECIFIC}")
    assert await world.redis.get("carenudge:cadence:c1") is None
    assert await world.redis.get("carenudge:cadence:c2") is None
    await world.run_until(utc(2026, 12, 11, 17, 0))
    assert [d.conversation.channel_id for d in world.messenger.sent].count("ward-7") == 2


async def test_a_manager_can_move_the_digest(world: World) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    moved = await world.say("mo", "edit c1 thursdays at 17:00")
    assert "Next: Thu 3 Dec, 17:00" in plain(moved.card), plain(moved.card)
    await world.run_until(utc(2026, 12, 4, 18, 0))
    [digest] = in_channel(world)[1:]
    assert digest.at == utc(2026, 12, 3, 17, 0)
    assert digest.text.startswith("This week's shout-outs in #ward-7\n1 shout-out this week: ")


async def test_a_paused_digest_stays_paused_and_sends_nothing(world: World) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    await world.say("mo", "pause c1")
    await shoutout(world, "jo", f"@priya {SPECIFIC}")
    assert (await world.stored("carenudge:cadence:c1"))["paused"] is True
    assert await world.redis.get("carenudge:cadence:c2") is None
    await world.run_until(utc(2026, 12, 11, 17, 0))
    assert len(in_channel(world)) == 2  # the two shout-outs, no digest


async def digest_week(world: World) -> list[Delivery]:
    """Four shout-outs this week in #ward-7 (one private), then run to Friday 16:00; returns
    what reached the channel at 16:00."""
    await world.admin_makes_team("mo", members=("sam", "priya", "alex"))
    await shoutout(world, "jo", "@sam for comforting the family with such a calm voice")
    world.clock.set(utc(2026, 12, 1, 9, 0))
    await shoutout(world, "alex", "@sam @priya for covering my break when the ward was so busy")
    world.clock.set(utc(2026, 12, 2, 9, 0))
    await shoutout(world, "priya", "@sam for explaining the new pumps so clearly to the students")
    await shoutout(world, "jo", "@alex for really listening to me after a rough night private")
    await world.run_until(FRIDAY_DIGEST)
    return [d for d in in_channel(world) if d.at == FRIDAY_DIGEST]


async def test_the_digest_arrives_on_friday_at_1600_with_counts_by_behaviour(
    world: World,
) -> None:
    [digest] = await digest_week(world)
    lines = digest.text.splitlines()
    assert lines[0] == "This week's shout-outs in #ward-7"
    assert lines[1] == (
        "4 shout-outs this week: Attending 1, Understanding 1, Empathising 1, Helping 1."
    )
    assert "And 1 given privately." in lines


async def test_the_digest_quotes_the_public_messages_in_order_with_mentions_as_data(
    world: World,
) -> None:
    [digest] = await digest_week(world)
    quoted = [line for line in digest.text.splitlines() if " recognised " in line]
    assert quoted == [
        "@jo recognised @sam for comforting the family with such a calm voice",
        "@alex recognised @sam and @priya for covering my break when the ward was so busy",
        "@priya recognised @sam for explaining the new pumps so clearly to the students",
    ]
    assert mentioned(digest.card) == ["jo", "sam", "alex", "sam", "priya", "priya", "sam"]
    assert "rough night" not in digest.text  # the private one is only counted


async def test_a_mention_inside_the_words_stays_a_mention_in_the_digest(world: World) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", "@sam for showing @priya how the new pumps work, step by step")
    await world.run_until(FRIDAY_DIGEST)
    [digest] = [d for d in in_channel(world) if d.at == FRIDAY_DIGEST]
    assert mentioned(digest.card) == ["jo", "sam", "priya"]
    assert "@jo recognised @sam for showing @priya how the new pumps work" in digest.text


async def test_a_link_in_the_words_stays_a_link_held_posted_and_in_the_digest(
    world: World,
) -> None:
    """A link arrives from an adapter as data; it stays one through the tip, Redis and the
    digest, and reads as its words and address wherever text is plain."""
    await world.admin_makes_team("mo")
    rota = Link("https://example.org/rota?week=49&ward=7", "the rota")
    typed = (Mention(world.member("sam"), "sam"), "thanks", "for", rota, "!")
    tip = await world.engine.handle(
        CommandInvoked(
            "shoutout", typed, world.member("jo"), "jo", world.channel("ward-7"), "ward-7"
        )
    )
    assert tip is not None
    assert "A tip before it goes out" in plain(tip.card)
    await press(world, "jo", tip.card, "Post it as it is")
    [posted] = in_channel(world)
    assert rota in inline_parts(posted.card)
    assert posted.text.splitlines()[0] == (
        "@jo recognised @sam: thanks for the rota (https://example.org/rota?week=49&ward=7)!"
    )
    await world.run_until(FRIDAY_DIGEST)
    [digest] = [d for d in in_channel(world) if d.at == FRIDAY_DIGEST]
    assert rota in inline_parts(digest.card)


async def test_the_digest_never_counts_per_person_or_ranks_anyone(world: World) -> None:
    """Sam was recognised three times; nothing says so, and nobody is put first."""
    [digest] = await digest_week(world)
    counts = [line for line in digest.text.splitlines()[1:] if re.search(r"\d", line)]
    assert counts == [
        "4 shout-outs this week: Attending 1, Understanding 1, Empathising 1, Helping 1.",
        "And 1 given privately.",
    ]
    assert not re.search(r"\b(top|most|best|leader\w*|winner)\b", digest.text, re.IGNORECASE)
    assert not BANNED.search(digest.text)


async def test_a_week_with_no_shoutouts_sends_no_digest(world: World) -> None:
    await digest_week(world)
    sent = len(world.messenger.sent)
    await world.run_until(utc(2026, 12, 11, 17, 0))
    assert len(world.messenger.sent) == sent
    assert await world.queue.next_at() == utc(2026, 12, 18, 16, 0)  # still there, for later


async def test_a_deleted_shoutout_is_left_out_of_the_digest(world: World) -> None:
    await world.admin_makes_team("mo")
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    await shoutout(world, "jo", "@priya for covering my break when the ward was so busy")
    await shoutout(world, "jo", "delete s1")
    await world.run_until(FRIDAY_DIGEST)
    [digest] = [d for d in in_channel(world) if d.at == FRIDAY_DIGEST]
    assert "1 shout-out this week: " in digest.text
    assert SPECIFIC not in digest.text


# --- the unseen ---------------------------------------------------------------------------------


async def test_a_manager_sees_who_has_not_been_recognised_in_30_days(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya", "alex"))
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    reply = await shoutout(world, "mo", "unseen")
    assert reply.status == "ok", plain(reply.card)
    assert reply.private
    text = plain(reply.card)
    assert "Noticing the unseen in ward-7" in text
    assert sorted(mentioned(reply.card)) == ["alex", "priya"]
    assert "Only you can see this." in text

    world.clock.set(world.clock.now() + timedelta(days=31))
    later = await shoutout(world, "mo", "unseen team ward-7")
    assert sorted(mentioned(later.card)) == ["alex", "priya", "sam"]


async def test_when_everyone_was_recognised_the_manager_is_told_so(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await shoutout(world, "jo", f"@sam @priya {SPECIFIC} private")
    reply = await shoutout(world, "mo", "unseen")
    assert "Everyone in ward-7 has been recognised in the last 30 days." in plain(reply.card)
    assert mentioned(reply.card) == []


async def test_someone_who_is_not_a_manager_cannot_see_the_unseen(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    reply = await shoutout(world, "sam", "unseen")
    assert reply.status == "refused"
    assert "priya" not in plain(reply.card)
    assert "Only managers of ward-7" in plain(reply.card)


async def test_an_unseen_cadence_brings_the_manager_the_private_list(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    created = await world.say("mo", "create fridays at 15:00 to me theme unseen")
    assert created.status == "ok", plain(created.card)
    await shoutout(world, "jo", f"@sam {SPECIFIC}")
    await world.run_until(utc(2026, 12, 4, 15, 0))
    [private] = [d for d in world.messenger.sent if d.at == utc(2026, 12, 4, 15, 0)]
    assert private.conversation.channel_id == "D-mo"
    assert "Noticing the unseen in ward-7" in private.text
    assert mentioned(private.card) == ["priya"]


async def test_an_unseen_cadence_is_refused_for_anyone_but_managers(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    refused = await world.say("mo", "create fridays at 15:00 to me @sam theme unseen")
    assert refused.status == "invalid"
    assert "only to managers of ward-7" in plain(refused.card)
    assert (await world.say("mo", "create fridays at 15:00 to #ward-7 theme unseen")).status == (
        "invalid"
    )


async def test_an_unseen_cadence_stops_reaching_someone_who_stops_managing(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    await world.say("ada", "manager add @lee to ward-7")
    created = await world.say("mo", "create fridays at 15:00 to me @lee theme unseen")
    assert created.status == "ok", plain(created.card)
    await world.say("ada", "manager remove @lee from ward-7")
    await world.run_until(utc(2026, 12, 4, 15, 0))
    assert dms(world, "lee") == []
    [private] = dms(world, "mo")
    assert "Noticing the unseen in ward-7" in private.text


# --- words --------------------------------------------------------------------------------------


async def test_nothing_the_bot_says_about_shoutouts_uses_the_words_we_avoid(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya"))
    replies = [
        await shoutout(world, "jo", f"@sam {SPECIFIC}"),
        await shoutout(world, "jo", f"@priya {SPECIFIC} private"),
        await shoutout(world, "jo", "@sam thanks!"),
        await shoutout(world, "jo", "@jo for being me"),
        await shoutout(world, "jo", "@sam for looking after Mrs Jones so gently"),
        await shoutout(world, "sam", "delete s1"),
        await shoutout(world, "sam", "unseen"),
        await shoutout(world, "mo", "unseen"),
        await shoutout(world, "jo", "for nobody"),
    ]
    replies.append(await press(world, "jo", replies[0].card, "Helping"))
    replies.append(await press(world, "jo", replies[2].card, "Post it as it is"))
    for _ in range(5):
        replies.append(await shoutout(world, "jo", f"@priya {SPECIFIC}"))
    replies.append(await shoutout(world, "jo", "delete s1"))
    await world.run_until(FRIDAY_DIGEST)
    said = everything_said(world, *replies)
    assert any("That's a lot of thanks" in text for text in said)
    assert any("This week's shout-outs" in text for text in said)
    for text in said:
        assert not BANNED.search(text), text


async def test_the_shoutout_help_uses_none_of_the_words_we_avoid(world: World) -> None:
    reply = await shoutout(world, "jo", "help")
    assert "Recognise a colleague" in plain(reply.card)
    for text in everything_said(world, reply):
        assert not BANNED.search(text), text


# --- by name, and somewhere else ------------------------------------------------------------


async def test_a_colleague_can_be_recognised_by_the_name_they_have_here(world: World) -> None:
    await world.stores.people.remember_name(world.member("sam"), "Sam Okafor")
    await world.stores.people.remember_name(world.member("sami"), "Sam Reid")
    by_full_name = await shoutout(world, "jo", f"Sam Okafor {SPECIFIC}")
    assert by_full_name.status == "ok", plain(by_full_name.card)
    assert mentioned(in_channel(world)[0].card) == ["jo", "sam"]
    assert "@Sam Okafor" in plain(in_channel(world)[0].card)
    assert f"recognised @Sam Okafor {SPECIFIC}" in plain(in_channel(world)[0].card)

    two_sams = await shoutout(world, "jo", f"Sam {SPECIFIC}")
    assert two_sams.status == "invalid"
    assert "Mention them with @" in plain(two_sams.card)
    unknown = await shoutout(world, "jo", f"Zed {SPECIFIC}")
    assert unknown.status == "invalid"
    assert len(in_channel(world)) == 1


async def test_a_shoutout_can_be_posted_in_another_channel(world: World) -> None:
    reply = await shoutout(world, "jo", f"@sam {SPECIFIC} in #icu", where="dm")
    assert reply.status == "ok"
    assert "sent in #icu" in plain(reply.card)
    assert len(in_channel(world, "icu")) == 1
