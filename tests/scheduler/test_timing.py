"""Time zones are real (DST), missed fires are delivered late within the grace window and
skipped beyond it, and the schedule maths never fires twice."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from nudges.errors import InvalidSchedule
from nudges.model import CronSchedule, WeeklySchedule
from scheduler.timetable import CronTimetable
from tests.conftest import World, build_world
from tests.fakes.clock import FakeClock, utc

EVERY_DAY = frozenset(range(7))
DST_DAYS = [
    # (zone, the day the clocks change, how it changes)
    ("Europe/London", date(2026, 3, 29), "spring forward"),
    ("Europe/London", date(2026, 10, 25), "fall back"),
    ("America/New_York", date(2026, 3, 8), "spring forward"),
    ("America/New_York", date(2026, 11, 1), "fall back"),
]


@pytest.mark.parametrize(("tz", "day", "change"), DST_DAYS)
async def test_a_0730_cadence_fires_once_at_0730_local_around_a_clock_change(
    redis: Redis, tz: str, day: date, change: str
) -> None:
    zone = ZoneInfo(tz)
    start = datetime.combine(day - timedelta(days=2), time(12), zone).astimezone(UTC)
    world = build_world(redis, FakeClock(start), default_tz=tz)
    await world.admin_makes_team("mo")
    assert (await world.say("mo", f"create daily at 07:30 to #ward-7 tz {tz}")).status == "ok"

    await world.run_until(start + timedelta(days=4))

    local = [d.at.astimezone(zone) for d in world.messenger.sent if d.at]
    assert [t.strftime("%m-%d %H:%M") for t in local] == [
        (day + timedelta(days=n)).strftime("%m-%d 07:30") for n in (-1, 0, 1, 2)
    ], change


@pytest.mark.parametrize(("tz", "day", "change"), DST_DAYS)
def test_every_fire_time_is_once_a_day_even_at_times_the_change_skips_or_repeats(
    tz: str, day: date, change: str
) -> None:
    zone = ZoneInfo(tz)
    timetable = CronTimetable()
    for at in (time(1, 30), time(2, 30), time(7, 30)):
        schedule = WeeklySchedule(EVERY_DAY, (at,))
        instant = datetime.combine(day - timedelta(days=2), time(0), zone).astimezone(UTC)
        dates = []
        for _ in range(5):
            found = timetable.next_fire(schedule, tz, instant)
            assert found is not None
            assert found > instant
            instant = found
            dates.append(found.astimezone(zone).date())
        assert len(set(dates)) == 5, f"{at} on a {change} day in {tz} fired twice in a day"


def test_a_time_the_clocks_skip_fires_an_hour_later_that_day() -> None:
    timetable = CronTimetable()
    found = timetable.next_fire(
        WeeklySchedule(EVERY_DAY, (time(1, 30),)), "Europe/London", utc(2026, 3, 28, 12, 0)
    )
    assert found == utc(2026, 3, 29, 1, 30)  # 02:30 BST: 01:30 does not exist that night


def test_cron_weekdays_follow_the_cron_convention_not_apscheduler_numbering() -> None:
    timetable = CronTimetable()
    saturday = utc(2026, 11, 28, 12, 0)
    assert timetable.next_fire(CronSchedule("30 7 * * 1-5"), "UTC", saturday) == utc(
        2026, 11, 30, 7, 30
    )
    assert timetable.next_fire(CronSchedule("0 9 * * 0"), "UTC", saturday) == utc(
        2026, 11, 29, 9, 0
    )
    assert timetable.next_fire(CronSchedule("0 9 * * 7"), "UTC", saturday) == utc(
        2026, 11, 29, 9, 0
    )
    with pytest.raises(InvalidSchedule):
        timetable.next_fire(CronSchedule("0 9 * * 5-1"), "UTC", saturday)
    with pytest.raises(InvalidSchedule):
        timetable.next_fire(CronSchedule("61 9 * * *"), "UTC", saturday)


async def test_a_fire_missed_by_less_than_the_grace_window_arrives_late(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 07:30 to #ward-7")
    world.clock.set(utc(2026, 12, 1, 7, 40))  # the bot was down from 07:25 to 07:40
    await world.runner.tick()
    [late] = world.messenger.sent
    assert late.at == utc(2026, 12, 1, 7, 40)


async def test_downtime_longer_than_the_grace_window_skips_with_a_log_line(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 07:30 to #ward-7")
    await world.say("mo", "create daily at 08:00 to #icu")
    world.clock.set(utc(2026, 12, 4, 9, 0))  # down for three days
    with caplog.at_level(logging.WARNING, logger="nudges.engine"):
        await world.runner.tick()
    assert world.messenger.sent == []
    skipped = [r.getMessage() for r in caplog.records if "skipped a missed fire" in r.message]
    assert len(skipped) == 2  # one line per cadence, not one per missed day
    assert "cadence=c1" in skipped[0] or "cadence=c1" in skipped[1]

    await world.run_until(utc(2026, 12, 5, 8, 0))
    assert [d.at for d in world.messenger.sent] == [utc(2026, 12, 5, 7, 30), utc(2026, 12, 5, 8, 0)]
