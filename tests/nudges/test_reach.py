"""Nothing lost in silence: when a cadence's channel or people cannot be reached, why is kept,
its managers are told once (in their DM, in plain words, with the fix), and /nudge list and
/nudge show say how its last fire went. People are counted, never named."""

from __future__ import annotations

from nudges.cards import plain
from nudges.model import Unreachable
from tests.conftest import World
from tests.fakes.clock import utc

INVITE = "Invite CareNudge to the channel: type /invite @CareNudge there."


def told(world: World, who: str) -> list[str]:
    """What CareNudge told ``who`` in their direct messages."""
    return [d.text for d in world.messenger.to(f"D-{who}")]


async def test_a_channel_the_bot_is_not_in_is_told_to_its_managers_once_with_the_fix(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    assert (await world.say("mo", "create daily at 07:30 to #icu")).status == "ok"
    world.messenger.gone_channels["icu"] = (Unreachable.NOT_IN_CHANNEL, INVITE)

    await world.run_until(utc(2026, 12, 3, 8, 0))  # three fires, three refusals

    [notice] = told(world, "mo")
    assert "c1 can't reach #icu" in notice
    assert "CareNudge isn't in #icu" in notice
    assert INVITE in notice
    assert "I'll say this once" in notice
    listed = plain((await world.say("mo", "list")).card)
    assert "last: Thu 3 Dec, 07:30: 0 of 1 reached; #icu needs CareNudge added" in listed
    shown = plain((await world.say("mo", "show c1")).card)
    assert "Last: Thu 3 Dec, 07:30: 0 of 1 reached; #icu needs CareNudge added" in shown
    states = await world.stores.deliveries.delivery_states(
        f"c:c1@{int(utc(2026, 12, 3, 7, 30).timestamp())}"
    )
    assert states == {"ch:test:T1:icu": "gone:not-in-channel"}


async def test_once_the_channel_is_reached_again_a_new_problem_is_told_again(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 07:30 to #icu")
    world.messenger.gone_channels["icu"] = (Unreachable.NOT_IN_CHANNEL, INVITE)
    await world.run_until(utc(2026, 12, 1, 8, 0))
    del world.messenger.gone_channels["icu"]  # someone invited it
    await world.run_until(utc(2026, 12, 2, 8, 0))
    listed = plain((await world.say("mo", "list")).card)
    assert "last:" not in listed  # all well: nothing to say
    shown = plain((await world.say("mo", "show c1")).card)
    assert "Last: Wed 2 Dec, 07:30: reached" in shown
    world.messenger.gone_channels["icu"] = (Unreachable.ARCHIVED, "")
    await world.run_until(utc(2026, 12, 3, 8, 0))
    first, second = told(world, "mo")
    assert "CareNudge isn't in #icu" in first
    assert "#icu was archived" in second
    assert "Unarchive it, or choose another channel with /nudge edit c1 to #channel." in second


async def test_people_who_cannot_be_reached_are_counted_to_their_managers_never_named(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya", "kezia"))
    await world.say("mo", "create daily at 13:00 to team")
    world.messenger.unreachable.add("kezia")  # removed CareNudge
    await world.run_until(utc(2026, 12, 1, 14, 0))

    [notice] = told(world, "mo")
    assert "c1 can't reach 1 person" in notice
    assert "Of the people it goes to, 1 removed or blocked CareNudge" in notice
    assert "kezia" not in notice.lower()
    listed = plain((await world.say("mo", "list")).card)
    assert "last: Tue 1 Dec, 13:00: 2 of 3 reached; 1 can't be reached" in listed
    assert "kezia" not in listed.lower()


async def test_with_no_managers_the_admins_are_told(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 07:30 to #icu")
    await world.say("ada", "manager remove @mo from ward-7")
    world.messenger.gone_channels["icu"] = (Unreachable.CHANNEL_GONE, "")
    await world.run_until(utc(2026, 12, 1, 8, 0))
    [notice] = told(world, "ada")
    assert "#icu can't be found" in notice


async def test_a_cadence_for_a_channel_the_bot_is_not_in_is_refused_before_it_is_saved(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    world.messenger.gone_channels["icu"] = (Unreachable.NOT_IN_CHANNEL, INVITE)
    reply = await world.say("mo", "create daily at 07:30 to #icu")
    assert reply.status == "invalid"
    assert reply.field == "audience"  # a form shows it under the channel
    text = plain(reply.card)
    assert "CareNudge can't post in #icu yet" in text
    assert INVITE in text
    assert "Nothing was saved" in text
    assert await world.redis.get("carenudge:cadence:c1") is None
    assert await world.queue.next_at() is None


async def test_moving_a_cadence_to_an_archived_channel_is_refused_and_it_stays_as_it_was(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 07:30 to #ward-7")
    before = await world.stored("carenudge:cadence:c1")
    world.messenger.gone_channels["old-icu"] = (Unreachable.ARCHIVED, "")
    reply = await world.say("mo", "edit c1 to #old-icu")
    assert reply.status == "invalid"
    assert "#old-icu was archived" in plain(reply.card)
    assert "Unarchive it first, or choose another channel." in plain(reply.card)
    assert await world.stored("carenudge:cadence:c1") == before


async def test_a_notice_nobody_could_hear_is_left_for_the_next_fire_to_tell(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 07:30 to #icu")
    world.messenger.gone_channels["icu"] = (Unreachable.NOT_IN_CHANNEL, INVITE)
    world.messenger.unreachable.add("mo")  # and mo's own DM is out of reach too
    await world.run_until(utc(2026, 12, 1, 8, 0))
    assert told(world, "mo") == []
    world.messenger.unreachable.discard("mo")
    await world.run_until(utc(2026, 12, 3, 8, 0))
    [notice] = told(world, "mo")  # told at the next fire, and only then
    assert "c1 can't reach #icu" in notice


async def test_one_fire_at_a_time_tells_of_a_problem_and_a_takeover_finishes_its_telling(
    world: World,
) -> None:
    """Two fires of one cadence running at once (or one killed halfway through telling and
    taken over) must not tell the managers twice."""
    reach = world.stores.reach
    assert await reach.reserve("c1", "not-in-channel", "c:c1@100")
    assert not await reach.reserve("c1", "not-in-channel", "c:c1@160")  # the next fire
    assert await reach.reserve("c1", "not-in-channel", "c:c1@100")  # its takeover
    await reach.release("c1", "not-in-channel", "c:c1@160")  # not its to give back
    assert not await reach.reserve("c1", "not-in-channel", "c:c1@160")
    await reach.release("c1", "not-in-channel", "c:c1@100")  # nobody heard it
    assert await reach.reserve("c1", "not-in-channel", "c:c1@160")


# --- what someone asked to post now --------------------------------------------------------


async def test_a_shoutout_to_a_channel_the_bot_is_not_in_says_so_and_posts_nothing(
    world: World,
) -> None:
    world.messenger.gone_channels["icu"] = (Unreachable.NOT_IN_CHANNEL, INVITE)
    reply = await world.command(
        "shoutout", "priya", "@sam for staying with the family after handover", where="icu"
    )
    said = plain(reply.card)
    assert "CareNudge can't post in #icu yet" in said
    assert INVITE in said
    assert "Nothing was posted. Then send the same command again." in said
    assert world.messenger.sent == []  # Sam is not told of a shout-out that never was
    assert await world.stores.shoutouts.shoutout("s1") is None


async def test_a_shoutout_sent_to_another_channel_names_that_channel(world: World) -> None:
    world.messenger.gone_channels["icu"] = (Unreachable.ARCHIVED, "")
    text = "@sam for staying with the family after handover in #icu"
    said = plain((await world.command("shoutout", "priya", text, where="ward-7")).card)
    assert "#icu was archived, so nothing can be posted there." in said
    assert "Unarchive it first, or choose another channel." in said


async def test_a_pause_in_a_channel_the_bot_cannot_post_in_leaves_the_channel_free(
    world: World,
) -> None:
    world.messenger.gone_channels["ward-7"] = (Unreachable.NOT_ALLOWED, "")
    said = plain((await world.command("pause", "jo", "30s")).card)
    assert "CareNudge isn't allowed to post in #ward-7." in said
    assert "Your admin can check what CareNudge is allowed to do." in said
    del world.messenger.gone_channels["ward-7"]
    assert "Your pause has begun" in plain((await world.command("pause", "jo", "30s")).card)


async def test_when_the_platform_is_busy_or_away_a_pause_says_to_try_again_soon(
    world: World,
) -> None:
    world.messenger.rate_limits = 1
    slowed = await world.command("pause", "jo", "30s")
    assert slowed.status == "unavailable"
    assert "Messages are going out more slowly for a moment" in plain(slowed.card)
    world.messenger.failures = 1
    away = await world.command("pause", "jo", "30s")
    assert away.status == "unavailable"
    assert "I couldn't get through to the chat service just now" in plain(away.card)
    world.messenger.rejections = 1
    refused = await world.command("pause", "jo", "30s")
    assert "The chat service wouldn't take it, so nothing was posted." in plain(refused.card)
    assert "Your pause has begun" in plain((await world.command("pause", "jo", "30s")).card)


async def test_the_giver_is_told_how_many_they_recognised_could_not_be_told(
    world: World,
) -> None:
    world.messenger.unreachable.add("lee")
    text = "@sam @lee for staying with the family after handover"
    reply = await world.command("shoutout", "priya", text)
    said = plain(reply.card)
    assert "Shout-out s1 sent in #ward-7" in said
    assert "I couldn't tell 1 of them by direct message" in said
    assert "lee" not in said.lower()
