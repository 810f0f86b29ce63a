"""Checking before doing (``Engine.check``): what a form's answer can say at once, from the words
and what is kept, without sending anything or asking the platform; ``handle`` then does it."""

from __future__ import annotations

from nudges.cards import plain
from nudges.model import Unreachable
from tests.conftest import World

SPECIFIC = "for staying with the family after handover so they felt looked after"
INVITE = "Invite CareNudge to the channel: type /invite @CareNudge there."


async def test_a_shoutout_that_can_go_out_checks_clean_and_nothing_is_sent_until_handled(
    world: World,
) -> None:
    assert await world.check("shoutout", "jo", f"@sam @priya {SPECIFIC}") is None
    assert world.messenger.sent == []
    assert await world.redis.get("carenudge:shoutout:s1") is None

    given = await world.command("shoutout", "jo", f"@sam @priya {SPECIFIC}")
    assert given.status == "ok", plain(given.card)
    assert [d.conversation.channel_id for d in world.messenger.sent] == [
        "ward-7",
        "D-sam",
        "D-priya",
    ]


async def test_checking_a_shoutout_finds_what_giving_it_would_refuse(world: World) -> None:
    own = await world.check("shoutout", "jo", f"@jo {SPECIFIC}")
    assert own is not None
    assert own.status == "refused"
    assert "Shout-outs are for colleagues" in plain(own.card)

    identifying = await world.check("shoutout", "jo", "@sam for looking after Mrs Jones so well")
    assert identifying is not None
    assert identifying.status == "invalid"
    assert "Jones" not in plain(identifying.card)  # not even in their words given back

    nobody = await world.check("shoutout", "jo", "for nobody in particular today")
    assert nobody is not None
    assert nobody.status == "invalid"
    assert world.messenger.sent == []


async def test_a_vague_shoutout_is_answered_by_the_check_with_its_tip_and_posted_when_asked(
    world: World,
) -> None:
    tip = await world.check("shoutout", "jo", "@sam thanks!")
    assert tip is not None
    assert "A tip before it goes out" in plain(tip.card)
    assert world.messenger.sent == []
    posted = await world.press_on("jo", tip.card, "Post it as it is")
    assert "sent in #ward-7" in plain(posted.card)
    assert len(world.messenger.to("ward-7")) == 1


async def test_a_checked_shoutout_counts_once_towards_the_burst_limit(world: World) -> None:
    for n in range(5):
        assert await world.check("shoutout", "jo", f"@sam {SPECIFIC} ({n + 1})") is None
        given = await world.command("shoutout", "jo", f"@sam {SPECIFIC} ({n + 1})")
        assert given.status == "ok", plain(given.card)
    sixth = await world.check("shoutout", "jo", f"@priya {SPECIFIC} (6)")
    assert sixth is not None
    assert sixth.status == "refused"
    assert "That's a lot of thanks" in plain(sixth.card)
    assert f"/shoutout @priya {SPECIFIC} (6)" in plain(sixth.card)  # their words, given back


async def test_a_draft_cadence_is_previewed_by_the_check_without_asking_the_platform(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    world.messenger.gone_channels["icu"] = (Unreachable.NOT_IN_CHANNEL, INVITE)
    preview = await world.check("nudge", "mo", "preview daily at 18:00 to #icu")
    assert preview is not None
    assert preview.status == "ok"
    assert "Every day at 18:00" in plain(preview.card)

    asked = await world.say("mo", "preview daily at 18:00 to #icu")  # handle asks the platform
    assert asked.status == "invalid"
    assert INVITE in plain(asked.card)


async def test_checking_a_cadence_to_save_saves_nothing_and_finds_its_problems(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    assert await world.check("nudge", "mo", "create daily at 18:00 to #ward-7") is None
    assert await world.stores.cadences.get("c1") is None

    late = await world.check("nudge", "mo", "create daily at 25:00 to #ward-7")
    assert late is not None
    assert late.status == "invalid"
    assert late.field == "times"
    not_theirs = await world.check("nudge", "sam", "create daily at 18:00 to #ward-7")
    assert not_theirs is not None
    assert not_theirs.status == "refused"
    assert await world.stores.cadences.get("c1") is None
