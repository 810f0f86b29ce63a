"""Members' own settings: what the commands reply, and how each setting shapes real deliveries
of a team cadence, checked at the moment of delivery rather than when the cadence was written.

The clock starts on Monday 30 Nov 2026 at 12:00 UTC; London is on GMT, so London time is UTC.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from nudges.cards import plain
from tests.conftest import World
from tests.fakes.clock import utc


def times_to(world: World, who: str) -> list[datetime | None]:
    """When each prompt reached ``who`` by direct message."""
    return [d.at for d in world.messenger.to(f"D-{who}")]


async def outcome(world: World, cadence_id: str, at: datetime, who: str) -> str:
    """What became of one member's delivery of a cadence's fire (sent, skipped:<why>…)."""
    states = await world.stores.deliveries.delivery_states(f"c:{cadence_id}@{int(at.timestamp())}")
    return states[f"m:{world.member(who).key}"]


async def team_with_cadences(world: World, *schedules: str, members: tuple[str, ...]) -> None:
    """ward-7 with these cadences to its members, and the widest budget an admin allows, so
    that what these tests see is each person's own settings at work."""
    await world.admin_makes_team("mo", members=members)
    await world.say("mo", "budget team ward-7 7 a week 2 a day")
    for schedule in schedules:
        reply = await world.say("mo", f"create {schedule} to team")
        assert reply.status == "ok", plain(reply.card)


# --- quiet hours ------------------------------------------------------------------------------


async def test_default_quiet_hours_keep_a_2100_nudge_away_but_let_a_1900_one_through(
    world: World,
) -> None:
    await team_with_cadences(world, "daily at 21:00", "daily at 19:00", members=("sam",))
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 11, 30, 19, 0)]
    assert await outcome(world, "c1", utc(2026, 11, 30, 21, 0), "sam") == "skipped:quiet-hours"
    assert await outcome(world, "c2", utc(2026, 11, 30, 19, 0), "sam") == "sent"


async def test_default_quiet_hours_end_at_0700_local(world: World) -> None:
    await team_with_cadences(world, "daily at 06:59", "daily at 07:00", members=("sam",))
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 7, 0)]


async def test_custom_quiet_hours_replace_the_default(world: World) -> None:
    await team_with_cadences(world, "daily at 21:00", "daily at 23:00", members=("sam",))
    reply = await world.say("sam", "quiet 22:00-06:00", where="dm")
    assert reply.status == "ok"
    assert plain(reply.card).splitlines()[:2] == [
        "Quiet hours saved",
        "Quiet hours: 22:00 to 06:00. Nothing reaches you then.",
    ]
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 11, 30, 21, 0)]


async def test_quiet_hours_can_sit_in_the_middle_of_the_day(world: World) -> None:
    await team_with_cadences(world, "daily at 13:00", "daily at 19:00", members=("sam",))
    await world.say("sam", "quiet 12:30-14:00", where="dm")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 11, 30, 19, 0)]


async def test_quiet_off_lets_nudges_through_at_any_hour(world: World) -> None:
    await team_with_cadences(world, "daily at 21:00", "daily at 03:00", members=("sam",))
    reply = await world.say("sam", "quiet off", where="dm")
    assert reply.status == "ok"
    text = plain(reply.card)
    assert "Quiet hours off" in text
    assert "Nothing reaches you then" not in text
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 11, 30, 21, 0), utc(2026, 12, 1, 3, 0)]


async def test_quiet_default_brings_back_the_default_quiet_hours(world: World) -> None:
    await team_with_cadences(world, "daily at 21:00", members=("sam",))
    await world.say("sam", "quiet off", where="dm")
    reply = await world.say("sam", "quiet default", where="dm")
    assert "Quiet hours: 20:00 to 07:00." in plain(reply.card)
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == []


async def test_a_members_time_zone_decides_what_local_means_for_quiet_hours(world: World) -> None:
    await team_with_cadences(world, "daily at 09:00", "daily at 21:00", members=("sam", "nina"))
    reply = await world.say("nina", "tz America/New_York", where="dm")
    assert plain(reply.card) == "Time zone saved\nYour nudges now follow America/New_York."
    await world.run_until(utc(2026, 12, 1, 12, 0))
    # 21:00 in London is 16:00 in New York; 09:00 in London is 04:00 there.
    assert times_to(world, "nina") == [utc(2026, 11, 30, 21, 0)]
    assert times_to(world, "sam") == [utc(2026, 12, 1, 9, 0)]
    assert await outcome(world, "c1", utc(2026, 12, 1, 9, 0), "nina") == "skipped:quiet-hours"


# --- working days and shifts ------------------------------------------------------------------


async def test_working_days_mean_nothing_arrives_at_the_weekend(world: World) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    reply = await world.say("sam", "days mon-fri", where="dm")
    assert plain(reply.card) == (
        "Working days saved\nYou'll get direct-message nudges on: Weekdays."
    )
    await world.run_until(utc(2026, 12, 7, 12, 0))
    assert [at.day for at in times_to(world, "sam") if at] == [1, 2, 3, 4, 7]
    assert await outcome(world, "c1", utc(2026, 12, 5, 9, 0), "sam") == "skipped:day-off"


async def test_night_shift_makes_the_default_quiet_hours_daytime(world: World) -> None:
    await team_with_cadences(world, "daily at 03:00", "daily at 12:30", members=("sam", "nora"))
    reply = await world.say("nora", "shift night", where="dm")
    text = plain(reply.card)
    assert "Night shifts, 19:00 to 07:00." in text
    assert "Quiet hours are now 09:00 to 17:00" in text
    await world.run_until(utc(2026, 12, 1, 13, 0))
    assert times_to(world, "nora") == [utc(2026, 12, 1, 3, 0)]
    assert times_to(world, "sam") == [utc(2026, 11, 30, 12, 30), utc(2026, 12, 1, 12, 30)]
    assert await outcome(world, "c2", utc(2026, 12, 1, 12, 30), "nora") == "skipped:quiet-hours"


async def test_night_shift_moves_quiet_hours_chosen_for_days_to_the_daytime(
    world: World,
) -> None:
    await team_with_cadences(world, "daily at 12:30", members=("nora",))
    await world.say("nora", "quiet 22:00-06:00", where="dm")
    reply = await world.say("nora", "shift night", where="dm")
    assert "Quiet hours are now 09:00 to 17:00" in plain(reply.card)
    await world.run_until(utc(2026, 12, 1, 13, 0))
    assert times_to(world, "nora") == []
    assert await outcome(world, "c1", utc(2026, 12, 1, 12, 30), "nora") == "skipped:quiet-hours"


async def test_quiet_hours_set_after_the_night_shift_are_kept(world: World) -> None:
    await world.say("nora", "shift night", where="dm")
    await world.say("nora", "quiet 10:00-18:00", where="dm")
    await world.say("nora", "days mon-fri", where="dm")  # another change keeps them too
    settings = await world.say("nora", "settings", where="dm")
    assert "10:00 to 18:00" in plain(settings.card)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("EST", "America/New_York"), ("BST", "Europe/London"), ("PST", "America/Los_Angeles")],
)
async def test_a_time_zone_abbreviation_is_refused_with_the_place_it_likely_means(
    world: World, typed: str, meant: str
) -> None:
    reply = await world.say("nina", f"tz {typed}", where="dm")
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert f"Did you mean {meant}?" in text
    assert f"/nudge tz {meant}" in text
    settings = await world.say("nina", "settings", where="dm")
    assert typed not in plain(settings.card)


@pytest.mark.parametrize("typed", ["GMT+1", "UTC-5", "Etc/GMT-2"])
async def test_a_fixed_offset_is_refused_as_it_never_changes_with_the_clocks(
    world: World, typed: str
) -> None:
    reply = await world.say("nina", f"tz {typed}", where="dm")
    assert reply.status == "invalid"
    assert "hour out when the clocks change" in plain(reply.card)


async def test_the_small_hours_of_saturday_still_belong_to_fridays_night_shift(
    world: World,
) -> None:
    await team_with_cadences(world, "daily at 03:00", members=("nora",))
    await world.say("nora", "shift night", where="dm")
    await world.say("nora", "days mon-fri", where="dm")
    await world.run_until(utc(2026, 12, 8, 4, 0))
    # Tue to Sat mornings end the Mon to Fri nights; Sun and Mon mornings end Sat and Sun nights.
    assert [at.strftime("%a %d") for at in times_to(world, "nora") if at] == [
        "Tue 01",
        "Wed 02",
        "Thu 03",
        "Fri 04",
        "Sat 05",
        "Tue 08",
    ]
    assert await outcome(world, "c1", utc(2026, 12, 6, 3, 0), "nora") == "skipped:day-off"
    assert await outcome(world, "c1", utc(2026, 12, 7, 3, 0), "nora") == "skipped:day-off"


async def test_shift_start_reaches_each_member_at_the_start_of_their_own_shift(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "nora"))
    await world.say("nora", "shift night", where="dm")
    reply = await world.say("mo", "create weekdays at shift start to team")
    assert reply.status == "ok", plain(reply.card)
    await world.run_until(utc(2026, 12, 1, 20, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 7, 0)]
    assert times_to(world, "nora") == [utc(2026, 11, 30, 19, 0), utc(2026, 12, 1, 19, 0)]


async def test_changing_shift_after_the_cadence_moves_that_members_shift_start(
    world: World,
) -> None:
    await world.admin_makes_team("mo", members=("sam", "nora"))
    await world.say("mo", "create weekdays at shift start to team")
    await world.say("nora", "shift night", where="dm")
    await world.run_until(utc(2026, 12, 1, 20, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 7, 0)]
    assert times_to(world, "nora") == [utc(2026, 11, 30, 19, 0), utc(2026, 12, 1, 19, 0)]


# --- snooze and stop --------------------------------------------------------------------------


async def test_snooze_for_three_days_starts_again_on_the_fourth(world: World) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    reply = await world.say("sam", "snooze 3 days", where="dm")
    assert reply.status == "ok"
    assert plain(reply.card).splitlines()[:2] == [
        "Snoozed",
        "No nudges until Thu 3 Dec. Take care of yourself.",
    ]
    await world.run_until(utc(2026, 12, 4, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 3, 9, 0), utc(2026, 12, 4, 9, 0)]
    assert await outcome(world, "c1", utc(2026, 12, 2, 9, 0), "sam") == "skipped:snoozed"


async def test_snooze_until_a_weekday_starts_again_on_that_day(world: World) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    reply = await world.say("sam", "snooze until friday", where="dm")
    assert "No nudges until Fri 4 Dec." in plain(reply.card)
    await world.run_until(utc(2026, 12, 5, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 4, 9, 0), utc(2026, 12, 5, 9, 0)]


async def test_snooze_until_a_date_starts_again_on_that_date(world: World) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    reply = await world.say("sam", "snooze until 2026-12-24", where="dm")
    assert "No nudges until Thu 24 Dec." in plain(reply.card)
    await world.run_until(utc(2026, 12, 25, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 24, 9, 0), utc(2026, 12, 25, 9, 0)]


async def test_snoozing_until_a_date_in_the_past_is_refused_kindly_and_changes_nothing(
    world: World,
) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    reply = await world.say("sam", "snooze until 2026-11-01", where="dm")
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "Pick a date after today and within a year." in text
    assert "Try: /nudge snooze until 2026-12-07" in text
    settings = plain((await world.say("sam", "settings", where="dm")).card)
    assert "Nudges: On" in settings
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 9, 0)]


async def test_snooze_off_wakes_nudges_early(world: World) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    await world.say("sam", "snooze 7 days", where="dm")
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == []
    reply = await world.say("sam", "snooze off", where="dm")
    assert plain(reply.card) == "Welcome back\nYour nudges are on again."
    await world.run_until(utc(2026, 12, 2, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 2, 9, 0)]


async def test_stop_stops_every_direct_message_prompt_and_start_brings_them_back(
    world: World,
) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    await world.say("mo", "create daily at 10:00 to @sam")
    await world.say("mo", "create daily at 11:00 to #ward-7")
    reply = await world.say("sam", "stop", where="dm")
    assert plain(reply.card).splitlines()[:2] == [
        "All nudges stopped",
        "You won't get any more direct-message nudges. Nothing else changes.",
    ]
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == []
    assert len(world.messenger.to("ward-7")) == 1  # the channel still gets its nudge
    assert await outcome(world, "c2", utc(2026, 12, 1, 10, 0), "sam") == "skipped:stopped"

    reply = await world.say("sam", "start", where="dm")
    assert plain(reply.card) == "Nudges on\nGood to have you back."
    await world.run_until(utc(2026, 12, 2, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 2, 9, 0), utc(2026, 12, 2, 10, 0)]


async def test_a_setting_changed_after_the_cadence_was_written_still_applies(
    world: World,
) -> None:
    await team_with_cadences(world, "daily at 09:00", members=("sam",))
    await world.run_until(utc(2026, 12, 1, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 9, 0)]
    await world.say("sam", "quiet 08:00-10:00", where="dm")
    await world.run_until(utc(2026, 12, 2, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 9, 0)]
    await world.say("sam", "quiet default", where="dm")
    await world.run_until(utc(2026, 12, 3, 12, 0))
    assert times_to(world, "sam") == [utc(2026, 12, 1, 9, 0), utc(2026, 12, 3, 9, 0)]


# --- settings card ----------------------------------------------------------------------------


async def test_settings_shows_the_defaults_in_one_card(world: World) -> None:
    reply = await world.say("sam", "settings", where="dm")
    assert reply.status == "ok"
    lines = plain(reply.card).splitlines()
    assert lines[:6] == [
        "Your settings",
        "Nudges: On",
        "Time zone: Europe/London (the default)",
        "Quiet hours: 20:00 to 07:00",
        "Working days: Every day",
        "Shift: Not set (day)",
    ]


async def test_settings_shows_everything_a_member_changed_in_one_card(world: World) -> None:
    for command in (
        "tz America/New_York",
        "shift night",  # before quiet hours, which a change to nights would move
        "quiet 22:00-06:00",
        "days mon-fri",
        "snooze until 2026-12-24",
    ):
        reply = await world.say("sam", command, where="dm")
        assert reply.status == "ok", plain(reply.card)
    lines = plain((await world.say("sam", "settings", where="dm")).card).splitlines()
    assert lines[:6] == [
        "Your settings",
        "Nudges: Snoozed until Thu 24 Dec",
        "Time zone: America/New_York",
        "Quiet hours: 22:00 to 06:00",
        "Working days: Weekdays",
        "Shift: Night, 19:00 to 07:00",
    ]
    await world.say("sam", "stop", where="dm")
    assert "Nudges: Stopped" in plain((await world.say("sam", "settings", where="dm")).card)
