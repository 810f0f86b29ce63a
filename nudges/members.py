"""Members' own settings (time zone, quiet hours, working days, shifts, snooze, stop) and the
check, made at the moment of delivery, of whether a prompt may reach someone now.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from nudges import wording
from nudges.cards import Card, ContextLine, Fields, Heading
from nudges.commands import (
    SetQuietHours,
    SetShift,
    SetTimezone,
    SetWorkingDays,
    Snooze,
    StopOrStart,
)
from nudges.errors import ParseError
from nudges.model import (
    DAY_QUIET_HOURS,
    NIGHT_QUIET_HOURS,
    Budget,
    Member,
    MemberSettings,
    QuietHours,
    Shift,
    ShiftPattern,
)
from nudges.settings import AdminId

SettingsCommand = SetTimezone | SetQuietHours | SetWorkingDays | SetShift | Snooze | StopOrStart


def zone_of(settings: MemberSettings, default_tz: str) -> str:
    return settings.tz or default_tz


def quiet_hours(settings: MemberSettings) -> QuietHours | None:
    if settings.quiet_off:
        return None
    if settings.quiet_hours is not None:
        return settings.quiet_hours
    night = settings.shift is not None and settings.shift.shift is Shift.NIGHT
    return NIGHT_QUIET_HOURS if night else DAY_QUIET_HOURS


def shift_day(settings: MemberSettings, local: datetime) -> date:
    """The day whose shift ``local`` belongs to: a night shift's small hours count for the
    evening it started."""
    shift = settings.shift
    if shift is not None and shift.end < shift.start and local.time() < shift.end:
        return local.date() - timedelta(days=1)
    return local.date()


def skip_reason(settings: MemberSettings, default_tz: str, at: datetime) -> str | None:
    """Why a prompt may not reach this member at ``at``, or None if it may.

    Checked at delivery time, for the recipient, so a change of settings takes effect for
    cadences written long before it.
    """
    if settings.stopped:
        return "stopped"
    local = at.astimezone(ZoneInfo(zone_of(settings, default_tz)))
    if settings.snoozed_until is not None and local.date() < settings.snoozed_until:
        return "snoozed"
    quiet = quiet_hours(settings)
    if quiet is not None and quiet.contains(local.time()):
        return "quiet-hours"
    days = settings.working_days
    if days is not None and shift_day(settings, local).weekday() not in days:
        return "day-off"
    return None


def after_quiet_hours(settings: MemberSettings, default_tz: str, at: datetime) -> datetime:
    """``at``, or the end of the quiet hours it falls into."""
    quiet = quiet_hours(settings)
    zone = ZoneInfo(zone_of(settings, default_tz))
    local = at.astimezone(zone)
    if quiet is None or not quiet.contains(local.time()):
        return at
    end_day = local.date()
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_day += timedelta(days=1)
    return datetime.combine(end_day, quiet.end, zone).astimezone(at.tzinfo)


def with_budget(member: Member, budget: Budget | None) -> Member:
    """The member with their own attention budget (None: their team's)."""
    return replace(member, settings=replace(member.settings, budget=budget))


def apply(member: Member, cmd: SettingsCommand, now: datetime, default_tz: str) -> Member:
    """The member with one setting changed.

    Raises:
        ParseError: A snooze date in the past or more than a year away.
    """
    s = member.settings
    match cmd:
        case SetTimezone(tz=tz):
            s = replace(s, tz=tz)
        case SetQuietHours(hours=hours, off=off):
            s = replace(s, quiet_hours=hours, quiet_off=off)
        case SetWorkingDays(days=days):
            s = replace(s, working_days=days)
        case SetShift(pattern=pattern):
            # Quiet hours chosen for days don't fit nights (or back): they move with the shift
            # to its default, and a choice made after this one holds.
            if _nights(s.shift) != _nights(pattern):
                s = replace(s, quiet_hours=None)
            s = replace(s, shift=pattern)
        case Snooze():
            s = replace(s, snoozed_until=_snooze_until(cmd, now, zone_of(s, default_tz)))
        case StopOrStart(stop=stop):
            s = replace(s, stopped=stop)
    return replace(member, settings=s)


def _nights(pattern: ShiftPattern | None) -> bool:
    return pattern is not None and pattern.shift is Shift.NIGHT


def _snooze_until(cmd: Snooze, now: datetime, tz: str) -> date | None:
    today = now.astimezone(ZoneInfo(tz)).date()
    if cmd.days is not None:
        return today + timedelta(days=cmd.days)
    if cmd.weekday is not None:
        return today + timedelta(days=(cmd.weekday - today.weekday() - 1) % 7 + 1)
    if cmd.until is not None:
        if not today < cmd.until <= today + timedelta(days=366):
            raise ParseError(
                "Pick a date after today and within a year.",
                f"/nudge snooze until {(today + timedelta(days=7)).isoformat()}",
                "settings",
            )
        return cmd.until
    return None


def confirmation(member: Member, cmd: SettingsCommand, default_tz: str) -> Card:
    s = member.settings
    match cmd:
        case SetTimezone(tz=tz):
            return wording.message("Time zone saved", f"Your nudges now follow {tz}.")
        case SetQuietHours(off=True):
            return wording.message(
                "Quiet hours off",
                "Nudges may reach you at any hour.",
                hint="Back to the default with /nudge quiet default.",
            )
        case SetQuietHours():
            return wording.message(
                "Quiet hours saved",
                f"Quiet hours: {wording.quiet(quiet_hours(s))}. Nothing reaches you then.",
                hint="Back to the default with /nudge quiet default.",
            )
        case SetWorkingDays(days=days):
            return wording.message(
                "Working days saved",
                f"You'll get direct-message nudges on: {wording.day_list(days)}.",
            )
        case SetShift(pattern=pattern):
            if pattern is None:
                return wording.message("Shift pattern cleared", "You're back on the default.")
            return wording.message(
                "Shift pattern saved",
                f"{pattern.shift.value.capitalize()} shifts, {wording.hm(pattern.start)} to "
                f"{wording.hm(pattern.end)}. 'Start of shift' nudges arrive at "
                f"{wording.hm(pattern.start)}.",
                hint=f"Quiet hours are now {wording.quiet(quiet_hours(s))}; change them with "
                "/nudge quiet.",
            )
        case Snooze():
            if s.snoozed_until is None:
                return wording.message("Welcome back", "Your nudges are on again.")
            return wording.message(
                "Snoozed",
                f"No nudges until {wording.day(s.snoozed_until)}. Take care of yourself.",
                hint="Wake them early with /nudge snooze off.",
            )
        case StopOrStart(stop=True):
            return wording.message(
                "All nudges stopped",
                "You won't get any more direct-message nudges. Nothing else changes.",
                hint="Start again whenever you like with /nudge start.",
            )
        case StopOrStart(stop=False):
            return wording.message("Nudges on", "Good to have you back.")
    return settings_card(member, default_tz)  # pragma: no cover - the match is exhaustive


def settings_card(member: Member, default_tz: str) -> Card:
    s = member.settings
    shift = (
        f"{s.shift.shift.value.capitalize()}, {wording.hm(s.shift.start)} to "
        f"{wording.hm(s.shift.end)}"
        if s.shift
        else "Not set (day)"
    )
    state = "Stopped" if s.stopped else "On"
    if s.snoozed_until and not s.stopped:
        state = f"Snoozed until {wording.day(s.snoozed_until)}"
    pairs = (
        ("Nudges", state),
        ("Time zone", zone_of(s, default_tz) + ("" if s.tz else " (the default)")),
        ("Quiet hours", wording.quiet(quiet_hours(s))),
        ("Working days", wording.day_list(s.working_days)),
        ("Shift", shift),
    )
    return Card(
        (
            Heading("Your settings"),
            Fields(pairs),
            ContextLine(
                (
                    "Change one with /nudge tz, quiet, days, shift, snooze, stop or start. "
                    "/nudge help settings shows examples.",
                )
            ),
            ContextLine(
                (
                    "Your id, should an admin need it for CARENUDGE_ADMINS: "
                    + AdminId.of(member.ref),
                )
            ),
        ),
        "Your settings: " + "; ".join(f"{k} {v}" for k, v in pairs),
    )
