"""Schedule maths: the next instant a weekly or cron schedule fires in a time zone.

APScheduler 3's ``CronTrigger`` does the calendar work; this module adds what it leaves to us:
standard cron weekdays, firing once (not twice) when clocks go back, and never returning the
same instant twice. Pure: no I/O.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from nudges.errors import InvalidSchedule
from nudges.model import WEEKDAYS, CronSchedule, Schedule

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_STEP_LIMIT = 240
"""How many one-minute nudges we give APScheduler past an instant it keeps returning."""


class CronTimetable:
    """The ``Timetable`` port, backed by APScheduler 3 triggers."""

    def next_fire(self, schedule: Schedule, tz: str, after: datetime) -> datetime | None:
        return _next_fire(schedule, tz, after)


@lru_cache(maxsize=4096)
def _next_fire(schedule: Schedule, tz: str, after: datetime) -> datetime | None:
    # Cached: the many cadences that share a schedule fire at the same instant, and each asks
    # for its next one just after.
    triggers = _triggers(schedule, tz)
    found = [t for t in (_next(trigger, tz, after) for trigger in triggers) if t is not None]
    return min(found) if found else None


def _next(trigger: CronTrigger, tz: str, after: datetime) -> datetime | None:
    zone = ZoneInfo(tz)
    probe = after + timedelta(seconds=1)
    for _ in range(_STEP_LIMIT):
        found: datetime | None = trigger.get_next_fire_time(None, probe)
        if found is None:
            return None
        candidate = found.astimezone(UTC).replace(microsecond=0)
        if candidate <= after:
            # APScheduler can return an instant again around a clock change; step past it.
            probe += timedelta(minutes=1)
            continue
        if _second_occurrence(candidate, zone):
            # Clocks went back and this wall time happens twice: fire at the first only.
            after = candidate
            probe = candidate + timedelta(seconds=1)
            continue
        return candidate
    return None


def _second_occurrence(instant: datetime, zone: ZoneInfo) -> bool:
    local = instant.astimezone(zone)
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


@lru_cache(maxsize=4096)
def _triggers(schedule: Schedule, tz: str) -> tuple[CronTrigger, ...]:
    try:
        zone = ZoneInfo(tz)
    except (ValueError, KeyError) as exc:
        raise InvalidSchedule(f"I don't know the time zone '{tz}'.", "tz") from exc
    if isinstance(schedule, CronSchedule):
        return (_from_crontab(schedule.expression, zone),)
    if not schedule.days:
        raise InvalidSchedule("Choose at least one day of the week.", "days")
    days = ",".join(WEEKDAYS[d] for d in sorted(schedule.days))
    triggers = []
    for at in schedule.times:
        if not isinstance(at, time):
            raise InvalidSchedule("Shift times are resolved per member before scheduling.")
        triggers.append(
            CronTrigger(day_of_week=days, hour=at.hour, minute=at.minute, timezone=zone)
        )
    if not triggers:
        raise InvalidSchedule("Choose at least one time of day.")
    return tuple(triggers)


def _from_crontab(expression: str, zone: ZoneInfo) -> CronTrigger:
    fields = expression.split()
    if len(fields) != 5:
        raise InvalidSchedule("A cron expression has five parts: minute hour day month weekday.")
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_cron_weekdays(weekday),
            timezone=zone,
        )
    except ValueError as exc:
        raise InvalidSchedule(f"That cron expression doesn't work: {exc}.") from exc


def _cron_weekdays(field: str) -> str:
    """Translate a standard cron weekday field (0 or 7 is Sunday) into APScheduler's names.

    APScheduler 3 counts Monday as 0 even in ``from_crontab``, so "1-5" would mean Tuesday to
    Saturday there; we expand every element into day names ourselves.
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for element in field.lower().split(","):
        m = re.fullmatch(r"(\*|[0-7a-z]{1,3})(?:-([0-7a-z]{1,3}))?(?:/(\d{1,2}))?", element)
        if not m:
            raise InvalidSchedule(f"I can't read the weekday part '{field}' of that cron.")
        first, last, step = m.group(1), m.group(2), int(m.group(3) or 1)
        if step < 1:
            raise InvalidSchedule(f"I can't read the weekday part '{field}' of that cron.")
        if first == "*":
            start, end = 0, 6
        else:
            start = _cron_day(first, field)
            end = _cron_day(last, field) if last else (6 if m.group(3) else start)
            if last and end == 0 and start > 0:
                end = 7
        if end < start:
            raise InvalidSchedule(f"The weekday range '{element}' runs backwards.")
        days.update(n % 7 for n in range(start, end + 1, step))
    return ",".join(_CRON_DAYS[n] for n in sorted(days))


def _cron_day(token: str, field: str) -> int:
    if token.isdigit():
        return int(token)
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    raise InvalidSchedule(f"I can't read the weekday part '{field}' of that cron.")
