"""An evaluation, as a trust runs one: off unless an admin switches it on; then a stated share of
the team's prompts is held back at random, counted for the team and never shown by name, and
held-back prompts cost nobody their budget."""

from __future__ import annotations

from nudges.cards import plain
from nudges.evaluation import drawn
from tests.conftest import World
from tests.fakes.clock import utc

PEOPLE = tuple(f"p{i:02}" for i in range(40))


async def a_team_with_a_daily_prompt(world: World) -> None:
    await world.admin_makes_team("mo", members=PEOPLE)
    await world.say("mo", "budget team ward-7 7 a week 1 a day")
    reply = await world.say("mo", "create daily at 09:00 to team")
    assert reply.status == "ok", plain(reply.card)


async def test_it_is_off_unless_an_admin_switches_it_on(world: World) -> None:
    await a_team_with_a_daily_prompt(world)
    assert "No evaluation for ward-7" in plain(
        (await world.say("mo", "evaluation team ward-7")).card
    )
    assert "Evaluation" not in plain((await world.say("mo", "team ward-7")).card)

    refused = await world.say("mo", "evaluation team ward-7 20%")
    assert refused.status == "refused"
    assert "Only an admin can switch an evaluation on or off." in plain(refused.card)

    await world.run_until(utc(2026, 12, 3, 12, 0))
    assert (
        len([d for d in world.messenger.sent if d.conversation.channel_id.startswith("D-")]) == 120
    )


async def test_a_share_is_held_back_at_random_counted_and_never_named(world: World) -> None:
    await a_team_with_a_daily_prompt(world)
    reply = await world.say("ada", "evaluation team ward-7 20%")
    assert "Evaluation on for ward-7" in plain(reply.card)
    assert "Please make sure the team has agreed to this." in plain(reply.card)

    await world.run_until(utc(2026, 12, 6, 12, 0))  # Tuesday to Sunday: 6 fires, 240 prompts

    reached = [d for d in world.messenger.sent if d.conversation.channel_id.startswith("D-")]
    held = 240 - len(reached)
    assert 240 * 0.12 <= held <= 240 * 0.28, held
    view = plain((await world.say("mo", "team ward-7")).card)
    assert "Evaluation: 20% held back at random since" in view
    assert f"Held back for the evaluation this week: {held}" in view
    card = plain((await world.say("mo", "evaluation team ward-7")).card)
    assert f"Held back this week: {held}" in card
    assert f"Went out this week: {len(reached)}" in card
    for shown in (view, card):
        assert not any(person in shown for person in PEOPLE)
    # Nobody is told, and being held back costs nobody their budget: everyone still gets one a
    # day on the days they were not held back, and nobody more than one.
    days = {(d.conversation.channel_id, d.at.date()) for d in reached if d.at}
    assert len(days) == len(reached)


async def test_switched_off_every_prompt_goes_out_again(world: World) -> None:
    await a_team_with_a_daily_prompt(world)
    await world.say("ada", "evaluation team ward-7 50%")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    first = len(world.messenger.sent)
    assert first < 40
    reply = await world.say("ada", "evaluation team ward-7 off")
    assert "Every nudge goes out as usual again." in plain(reply.card)
    await world.run_until(utc(2026, 12, 2, 12, 0))
    assert len(world.messenger.sent) - first == 40


def test_the_draw_is_the_same_for_the_same_delivery_and_unguessable_without_the_secret() -> None:
    assert drawn("s1", "c:c1@1", "m:test:T1:sam") == drawn("s1", "c:c1@1", "m:test:T1:sam")
    assert drawn("s1", "c:c1@1", "m:test:T1:sam") != drawn("s2", "c:c1@1", "m:test:T1:sam")
    share = sum(drawn("s", f"c:c1@{i}", "m:x") < 0.2 for i in range(10_000)) / 10_000
    assert 0.18 < share < 0.22
