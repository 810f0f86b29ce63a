"""The attention budget, as a ward meets it: at most 1 nudge a day and 3 a week to each person
unless the team's managers choose otherwise (within an admin's limit), lower still if a person
asks, never two within an hour; what does not fit is held back (not saved up), counted for the
team, never named; and nothing a person asked for themselves counts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from nudges.cards import plain
from nudges.model import Budget, iso_week
from nudges.store.budgets import Ask
from tests.conftest import World
from tests.fakes.clock import utc


def times_to(world: World, who: str) -> list[datetime | None]:
    return [d.at for d in world.messenger.to(f"D-{who}")]


async def daily_to_team(world: World, *members: str, at: str = "09:00") -> None:
    await world.admin_makes_team("mo", members=members)
    reply = await world.say("mo", f"create daily at {at} to team")
    assert reply.status == "ok", plain(reply.card)


async def test_by_default_a_person_gets_at_most_one_a_day_and_three_a_week(world: World) -> None:
    await daily_to_team(world, "sam", "priya")
    await world.run_until(utc(2026, 12, 14, 0, 0))  # two full weeks after this one
    for who in ("sam", "priya"):
        days = [at.date() for at in times_to(world, who) if at]
        assert len(days) == len(set(days))  # never two a day
        weeks = Counter(iso_week(day) for day in days)
        assert weeks == {"2026-W49": 3, "2026-W50": 3}, weeks


async def test_what_the_budget_held_back_is_counted_for_the_team_and_never_named(
    world: World,
) -> None:
    await daily_to_team(world, "sam", "priya")
    await world.run_until(utc(2026, 12, 6, 12, 0))  # Tue to Sun: 6 fires, 3 fit, each
    states = await world.stores.deliveries.delivery_states(
        f"c:c1@{int(utc(2026, 12, 4, 9, 0).timestamp())}"
    )
    assert set(states.values()) == {"skipped:budget"}
    card = plain((await world.say("mo", "team ward-7")).card)
    assert "Held back by the budget this week: 6" in card
    assert "Nudge budget: 1 a day and 3 a week per person" in card
    assert "sam" not in card.replace("@mo", "")


async def test_two_nudges_within_the_hour_become_one(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "budget team ward-7 7 a week 2 a day")
    await world.say("mo", "create daily at 09:00 to team")
    await world.say("mo", "create daily at 09:30 to @sam")
    await world.say("mo", "create daily at 11:00 to @sam")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 9, 0), utc(2026, 12, 1, 11, 0)]
    states = await world.stores.deliveries.delivery_states(
        f"c:c2@{int(utc(2026, 12, 1, 9, 30).timestamp())}"
    )
    assert list(states.values()) == ["skipped:same-hour"]


async def test_a_person_can_lower_their_own_budget_and_go_back_to_the_teams(
    world: World,
) -> None:
    await daily_to_team(world, "sam", "priya")
    reply = await world.say("sam", "budget 1 a week", where="dm")
    assert "At most 1 a day and 1 a week for you" in plain(reply.card)
    shown = plain((await world.say("sam", "budget", where="dm")).card)
    assert "Yours: 1 a day and 1 a week" in shown
    assert "ward-7: 1 a day and 3 a week." in shown
    await world.run_until(utc(2026, 12, 6, 12, 0))
    assert len(times_to(world, "sam")) == 1
    assert len(times_to(world, "priya")) == 3
    back = await world.say("sam", "budget default", where="dm")
    assert "Budget back to your team's" in plain(back.card)
    await world.run_until(utc(2026, 12, 13, 12, 0))
    assert len(times_to(world, "sam")) == 1 + 3


async def test_a_person_cannot_raise_their_budget_above_the_teams(world: World) -> None:
    await daily_to_team(world, "sam")
    await world.say("sam", "budget 7 a week", where="dm")
    await world.run_until(utc(2026, 12, 6, 12, 0))
    assert len(times_to(world, "sam")) == 3


async def test_managers_set_their_teams_budget_within_the_admins_limit(world: World) -> None:
    await daily_to_team(world, "sam")
    refused = await world.say("mo", "budget team ward-7 10 a week")
    assert refused.status == "invalid"
    assert "at most 2 a day and 7 a week here (your admin's limit)" in plain(refused.card)
    not_theirs = await world.say("sam", "budget team ward-7 7 a week")
    assert not_theirs.status == "refused"
    saved = await world.say("mo", "budget team ward-7 7 a week 1 a day")
    assert "Each person in ward-7 gets at most 1 a day and 7 a week" in plain(saved.card)
    assert await world.stores.budgets.team_budget(world.member("mo").workspace, "ward-7") == (
        Budget(1, 7)
    )
    await world.run_until(utc(2026, 12, 6, 12, 0))
    assert len(times_to(world, "sam")) == 6  # Tuesday to Sunday, one a day


async def test_a_channels_nudges_and_what_a_person_asks_for_never_count(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.say("mo", "create daily at 10:00 to team")
    await world.run_until(utc(2026, 12, 1, 10, 0))
    [prompt] = [
        i for i, d in enumerate(world.messenger.sent) if d.conversation.channel_id == "D-sam"
    ]
    assert await world.press("sam", prompt, "Snooze") is None  # back at 12:00, over budget
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 10, 0), utc(2026, 12, 1, 12, 0)]
    await world.run_until(utc(2026, 12, 6, 12, 0))
    assert len(world.messenger.to("ward-7")) == 6  # a channel gets every one


async def test_a_delivery_counts_once_however_often_it_is_tried(world: World) -> None:
    ref = world.member("sam")
    budget, apart = Budget(1, 3), timedelta(hours=1)
    now = utc(2026, 12, 1, 9, 0)
    take = world.stores.budgets.take
    first = Ask(ref, "c:c1@1/m:x", "2026-12-01", "2026-W49", budget)
    for _ in range(3):  # a retry, a takeover by another replica
        assert await take([first], now, apart) == ["ok"]
    second = Ask(ref, "c:c2@2/m:x", "2026-12-01", "2026-W49", budget)
    assert await take([second], now + timedelta(hours=2), apart) == ["day"]


async def test_a_batch_is_counted_in_one_round_trip_person_by_person(world: World) -> None:
    budget, apart, now = Budget(1, 3), timedelta(hours=1), utc(2026, 12, 1, 9, 0)
    asks = [
        Ask(world.member(who), f"c:c1@1/m:{who}{n}", "2026-12-01", "2026-W49", budget)
        for n, who in enumerate(("sam", "priya", "sam"))
    ]
    found = await world.stores.budgets.take(asks, now, apart)
    assert found == ["ok", "ok", "day"]  # sam's second is over his day


async def test_a_pause_follow_up_counts_for_managers_but_not_for_a_caller_who_asked(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("mo", "sam"))
    await world.say("mo", "create daily at 09:00 to team")
    await world.run_until(utc(2026, 12, 1, 12, 0))  # both had today's nudge
    await world.command("pause", "sam", "for everyone who cared follow up in 1h")
    await world.command("pause", "priya", "for her follow up in 1h to me", where="corridor")
    await world.run_until(utc(2026, 12, 1, 14, 0))
    assert times_to(world, "mo") == [utc(2026, 12, 1, 9, 0)]  # the budget held it back
    assert len(times_to(world, "priya")) == 1  # asked for it: answered
    card = plain((await world.say("mo", "team ward-7")).card)
    assert "Held back by the budget this week: 1" in card


async def test_the_unseen_list_counts_against_a_managers_budget_like_a_prompt(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("mo", "sam"))
    await world.say("mo", "create daily at 09:00 to team")
    reply = await world.say("mo", "create fridays at 15:00 to me sends unseen")
    assert reply.status == "ok", plain(reply.card)
    await world.run_until(utc(2026, 12, 4, 16, 0))  # Friday: mo had 09:00 already
    unseen = [d for d in world.messenger.to("D-mo") if "Noticing the unseen" in d.text]
    assert unseen == []
    states = await world.stores.deliveries.delivery_states(
        f"c:c2@{int(utc(2026, 12, 4, 15, 0).timestamp())}"
    )
    assert list(states.values()) == ["skipped:budget"]


async def test_a_nudge_that_never_arrived_costs_nothing_from_the_budget(world: World) -> None:
    await daily_to_team(world, "sam", "priya")
    world.messenger.unreachable.add("sam")  # Tuesday and Wednesday: Sam's DMs fail
    await world.run_until(utc(2026, 12, 2, 12, 0))
    world.messenger.unreachable.discard("sam")
    await world.run_until(utc(2026, 12, 7, 0, 0))
    sams = [at.date().isoformat() for at in times_to(world, "sam") if at]
    priyas = [at.date().isoformat() for at in times_to(world, "priya") if at]
    assert priyas == ["2026-12-01", "2026-12-02", "2026-12-03"]
    assert sams == ["2026-12-03", "2026-12-04", "2026-12-05"]  # still three this week
