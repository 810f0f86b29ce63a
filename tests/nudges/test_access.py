"""Who may do what: managers look after their own team's cadences, admins appoint managers and
other admins, everyone may join, leave and look at teams; and a workspace never sees another's.

The configured admin is "ada" (``test:ada`` in EngineSettings.admins).
"""

from __future__ import annotations

from nudges.cards import Action, Card, Mention, Reply, Text, plain
from nudges.events import ActionInvoked, CommandInvoked
from nudges.language import tokenize
from nudges.model import Conversation, MemberRef
from tests.conftest import PLATFORM, World
from tests.fakes.clock import utc


def mentioned(card: Card) -> list[str]:
    """The user ids of the people a card mentions, in order."""
    return [
        part.member.user_id
        for block in card.blocks
        if isinstance(block, Text)
        for part in block.parts
        if isinstance(part, Mention)
    ]


async def say_in(world: World, tenant: str, who: str, text: str) -> Reply:
    """``who`` of workspace ``tenant`` types ``text`` (after /nudge) in its #ward-7."""
    args = [
        Mention(MemberRef(PLATFORM, tenant, w[1:]), w[1:]) if w.startswith("@") else w
        for w in tokenize(text)
    ]
    reply = await world.engine.handle(
        CommandInvoked(
            "nudge",
            tuple(args),
            MemberRef(PLATFORM, tenant, who),
            who,
            Conversation(PLATFORM, tenant, "ward-7"),
            "ward-7",
        )
    )
    assert reply is not None
    return reply


# --- cadences: managers only --------------------------------------------------------------------


async def test_a_manager_creates_and_changes_their_teams_cadences(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    for command in ("create daily at 09:00 to team", "edit c1 at 10:00", "pause c1", "resume c1"):
        reply = await world.say("mo", command)
        assert reply.status == "ok", (command, plain(reply.card))
    await world.run_until(utc(2026, 12, 1, 10, 0))
    assert [d.at for d in world.messenger.to("D-sam")] == [utc(2026, 12, 1, 10, 0)]


async def test_a_member_is_refused_and_told_to_ask_the_teams_managers(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("ada", "manager add @lin to ward-7")
    reply = await world.say("sam", "create daily at 09:00 to team team ward-7")
    assert reply.status == "refused"
    assert plain(reply.card).splitlines() == [
        "Sorry, I can't do that for you",
        "Only managers of ward-7 can change its nudges.",
        "You could ask @lin or @mo: they can help.",
    ]
    assert mentioned(reply.card) == ["lin", "mo"]
    assert await world.redis.get("carenudge:cadence:c1") is None


async def test_a_member_of_one_team_is_pointed_to_its_managers_without_naming_it(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    reply = await world.say("sam", "create daily at 09:00 to team")
    assert reply.status == "refused"
    assert "Only managers of ward-7 can change its nudges." in plain(reply.card)
    assert mentioned(reply.card) == ["mo"]


async def test_a_member_of_a_team_without_managers_is_told_to_ask_an_admin(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("ada", "manager remove @mo from ward-7")
    reply = await world.say("sam", "create daily at 09:00 to team team ward-7")
    assert reply.status == "refused"
    assert "Only managers of ward-7 can change its nudges." in plain(reply.card)
    assert mentioned(reply.card) == ["ada"]


async def test_an_admin_who_is_not_a_manager_is_told_how_to_become_one(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("ada", "create daily at 09:00 to #ward-7 team ward-7")
    assert reply.status == "refused"
    assert "As an admin, you can make yourself one: /nudge manager add @you to ward-7" in plain(
        reply.card
    )
    assert mentioned(reply.card) == []

    assert (await world.say("ada", "manager add @ada to ward-7")).status == "ok"
    reply = await world.say("ada", "create daily at 09:00 to #ward-7 team ward-7")
    assert reply.status == "ok", plain(reply.card)


async def test_an_admin_refused_as_a_non_manager_is_not_sent_to_an_admin(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("ada", "create daily at 09:00 to #ward-7 team ward-7")
    assert reply.status == "refused"
    assert "Your CareNudge admin can help." not in plain(reply.card)


async def test_an_admin_who_manages_no_team_is_not_told_to_ask_themselves(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("ada", "create daily at 09:00 to #ward-7")
    assert reply.status == "refused"
    assert "As an admin, you can make yourself one" in plain(reply.card)
    assert "ada" not in mentioned(reply.card)


async def test_a_member_cannot_edit_pause_resume_or_delete_a_cadence(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to team")
    before = await world.stored("carenudge:cadence:c1")
    for command in ("edit c1 at 10:00", "pause c1", "resume c1", "delete c1"):
        reply = await world.say("sam", command)
        assert reply.status == "refused", command
        assert mentioned(reply.card) == ["mo"], command
    assert await world.stored("carenudge:cadence:c1") == before
    await world.run_until(utc(2026, 12, 1, 9, 0))
    assert [d.at for d in world.messenger.to("D-sam")] == [utc(2026, 12, 1, 9, 0)]


async def test_a_member_cannot_resume_a_paused_cadence_with_its_button(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to team")
    await world.say("mo", "pause c1")
    reply = await world.engine.handle(
        ActionInvoked(Action.CADENCE_RESUME, "c1", world.member("sam"), "sam", world.dm("sam"))
    )
    assert reply is not None
    assert reply.status == "refused"
    await world.run_until(utc(2026, 12, 1, 9, 0))
    assert world.messenger.sent == []


async def test_a_member_cannot_add_or_retire_the_teams_prompts(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    for command in (
        'prompt add "Thank the person who covered your break." behaviour recognition',
        "prompt retire attending-01",
    ):
        reply = await world.say("sam", command)
        assert reply.status == "refused", command
        assert mentioned(reply.card) == ["mo"], command
    listed = plain((await world.say("sam", "prompts")).card)
    assert "ward-7 has no prompts of its own yet." in listed
    assert "Retired" not in listed


async def test_a_member_can_see_a_cadence_but_not_change_it(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to team")
    shown = await world.say("sam", "show c1")
    assert shown.status == "ok"
    assert "Every day at 09:00" in plain(shown.card)
    listed = await world.say("sam", "list")
    assert "c1 · Every day at 09:00" in plain(listed.card)


async def test_a_manager_of_one_team_cannot_touch_another_teams_cadence(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.admin_makes_team("lin", team="ward-9", members=("sam",))
    await world.say("lin", "create daily at 09:00 to team")
    before = await world.stored("carenudge:cadence:c1")
    for command in ("edit c1 at 10:00", "pause c1", "delete c1", "edit c1 team ward-7"):
        reply = await world.say("mo", command)
        assert reply.status == "refused", command
        assert "Only managers of ward-9" in plain(reply.card), command
        assert mentioned(reply.card) == ["lin"], command
    assert await world.stored("carenudge:cadence:c1") == before

    reply = await world.say("mo", "create daily at 09:00 to team team ward-9")
    assert reply.status == "refused"
    assert await world.redis.get("carenudge:cadence:c2") is None


async def test_a_manager_cannot_move_their_cadence_into_another_team(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.admin_makes_team("lin", team="ward-9")
    await world.say("mo", "create daily at 09:00 to team")
    reply = await world.say("mo", "edit c1 team ward-9")
    assert reply.status == "refused"
    assert (await world.stored("carenudge:cadence:c1"))["team"] == "ward-7"


async def test_a_cadence_from_another_workspace_is_not_found(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to team")
    before = await world.stored("carenudge:cadence:c1")
    # The same team name and a manager of it, but in another workspace.
    assert (await say_in(world, "T2", "ada", "manager add @zed to ward-7")).status == "ok"
    for command in ("show c1", "edit c1 at 10:00", "pause c1", "delete c1", "preview c1"):
        reply = await say_in(world, "T2", "zed", command)
        assert reply.status == "invalid", command
        assert "I couldn't find cadence c1" in plain(reply.card), command
    assert await world.stored("carenudge:cadence:c1") == before

    await world.say("mo", "delete c1")
    reply = await say_in(world, "T2", "zed", "restore c1")
    assert reply.status == "invalid"
    assert await world.redis.get("carenudge:cadence:c1") is None


async def test_restoring_a_live_cadence_of_another_workspace_is_not_found(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await say_in(world, "T2", "ada", "manager add @zed to ward-7")
    reply = await say_in(world, "T2", "zed", "restore c1")
    assert reply.status == "invalid"
    assert "wasn't deleted" not in plain(reply.card)


async def test_delete_by_a_member_is_refused_and_the_cadence_still_goes_out(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    reply = await world.say("sam", "delete c1")
    assert reply.status == "refused"
    assert "Only managers of ward-7 can change its nudges." in plain(reply.card)
    assert "[Undo]" not in plain(reply.card)
    assert "c1" in plain((await world.say("mo", "list")).card)
    await world.run_until(utc(2026, 12, 1, 9, 0))
    assert len(world.messenger.to("ward-7")) == 1


# --- appointing managers and admins -------------------------------------------------------------


async def test_an_admin_appointing_a_manager_creates_the_team(world: World) -> None:
    reply = await world.say("ada", "manager add @mo to ward-7")
    assert reply.status == "ok"
    assert plain(reply.card).splitlines() == [
        "Done",
        "@mo now manages ward-7.",
        "Team ward-7 is new. Members join with /nudge join ward-7.",
    ]
    assert "ward-7" in plain((await world.say("sam", "teams")).card)
    assert (await world.say("mo", "create daily at 09:00 to #ward-7")).status == "ok"


async def test_an_admin_appoints_another_admin_who_can_then_appoint_managers(
    world: World,
) -> None:
    reply = await world.say("ada", "admin add @bea")
    assert reply.status == "ok"
    assert "@bea is now an admin." in plain(reply.card)
    reply = await world.say("bea", "manager add @mo to ward-7")
    assert reply.status == "ok", plain(reply.card)

    await world.say("ada", "admin remove @bea")
    reply = await world.say("bea", "manager add @lin to ward-7")
    assert reply.status == "refused"


async def test_non_admins_cannot_appoint_managers_or_admins(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    for who, command in (
        ("sam", "manager add @sam to ward-7"),
        ("mo", "manager add @sam to ward-7"),
        ("mo", "manager remove @mo from ward-7"),
        ("sam", "manager add @sam to ward-9"),
        ("sam", "admin add @sam"),
    ):
        reply = await world.say(who, command)
        assert reply.status == "refused", command
        assert "Only an admin can" in plain(reply.card), command
        assert mentioned(reply.card) == ["ada"], command
    assert "ward-9" not in plain((await world.say("sam", "teams")).card)
    assert (await world.say("sam", "create daily at 09:00 to team team ward-7")).status == (
        "refused"
    )


async def test_an_admin_cannot_remove_themselves(world: World) -> None:
    await world.say("ada", "admin add @bea")
    await world.say("bea", "admin add @cy")
    reply = await world.say("cy", "admin remove @cy")
    assert reply.status == "refused"
    assert "You can't remove yourself as an admin" in plain(reply.card)
    assert (await world.say("cy", "manager add @mo to ward-7")).status == "ok"


# --- what everyone may do -----------------------------------------------------------------------


async def test_anyone_can_see_the_teams_and_join_and_leave_one(world: World) -> None:
    await world.admin_makes_team("mo")
    teams = await world.say("sam", "teams")
    assert teams.status == "ok"
    assert "ward-7" in plain(teams.card)

    joined = await world.say("sam", "join ward-7")
    assert joined.status == "ok"
    assert plain(joined.card).startswith("You've joined ward-7")
    assert "ward-7  (you joined)" in plain((await world.say("sam", "teams")).card)

    team = await world.say("sam", "team ward-7")
    assert team.status == "ok"
    assert "Members who joined: 1" in plain(team.card)
    assert mentioned(team.card) == ["mo"]

    left = await world.say("sam", "leave ward-7")
    assert left.status == "ok"
    assert plain(left.card).startswith("You've left ward-7")
    assert "Members who joined: 0" in plain((await world.say("sam", "team ward-7")).card)


async def test_joining_a_team_that_does_not_exist_says_which_teams_there_are(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("sam", "join ward-99")
    assert reply.status == "invalid"
    assert "Teams here: ward-7." in plain(reply.card)


async def test_teams_of_another_workspace_are_not_listed(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await say_in(world, "T2", "zed", "teams")
    assert "No teams yet" in plain(reply.card)
    reply = await say_in(world, "T2", "zed", "join ward-7")
    assert reply.status == "invalid"
