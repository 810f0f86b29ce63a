"""Readers for the values inside commands: times, days, themes, moments, cron, time zones,
team names and cadence numbers. Each takes from a ``Words`` cursor or raises ``ParseError``."""

from __future__ import annotations

import re
from datetime import time
from functools import cache
from zoneinfo import available_timezones

from nudges.commands import (
    ThemeChoice,
)
from nudges.errors import ParseError
from nudges.language.words import Words, arg_text, choices, expect_end, short
from nudges.model import (
    WEEKDAYS,
    Behaviour,
    ChannelRef,
    Context,
    ShiftMoment,
)

TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


CADENCE_ID = re.compile(r"^#?c?(\d{1,9})$", re.IGNORECASE)


def read_cadence_id(w: Words, verb: str, example: str) -> str:
    word = w.take_word() if not w.done() else ""
    m = CADENCE_ID.match(word)
    if not m:
        what = f"'{short(word)}' isn't a cadence number." if word else "Which cadence?"
        raise ParseError(f"{what} Cadences are numbered like c3 (see /nudge list).", example, verb)
    return f"c{int(m.group(1))}"


_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$|^(?P<hhmm>\d{4})$"
)


def parse_time(word: str) -> time | None:
    word = word.strip().lower().rstrip(",")
    if word == "noon":
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    m = _TIME.match(word)
    if not m:
        return None
    if m.group("hhmm"):
        hour, minute = int(m.group("hhmm")[:2]), int(m.group("hhmm")[2:])
        ampm = None
    else:
        hour, minute = int(m.group("h")), int(m.group("m") or 0)
        ampm = m.group("ampm")
        if ampm is None and m.group("m") is None:
            return None  # a bare number is not a time: "at 7" is ambiguous
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def read_times(w: Words, example: str) -> tuple[time | ShiftMoment, ...]:
    found: list[time | ShiftMoment] = []
    while not w.done():
        word = w.peek_word()
        if word in ("and", ",", "&"):
            w.take()
            continue
        if word in ("shift", "start", "end"):
            moment = read_shift_moment(w)
            if moment is None:
                break
            found.append(moment)
            continue
        pieces = [p for p in word.split(",") if p]
        parsed = [parse_time(p) for p in pieces]
        if not pieces or any(p is None for p in parsed):
            if found:
                break
            raise ParseError(
                f"I couldn't read the time '{short(arg_text(w.take()))}'. "
                "Use 24-hour 07:30 or 7:30am.",
                example,
                "create",
            )
        w.take()
        found.extend(p for p in parsed if p is not None)
    if not found:
        raise ParseError("At what time?", example, "create")
    if len(found) > 12:
        raise ParseError("Please use at most 12 times a day.", example, "create")
    return tuple(dict.fromkeys(found))


def read_shift_moment(w: Words) -> ShiftMoment | None:
    """Read "shift start", "start of shift", "shift end" or "end of shift"."""
    first = w.peek_word()
    saved = w.i
    w.take()
    if first == "shift":
        second = w.take_word().lower() if not w.done() else ""
        if second in ("start", "starts"):
            return ShiftMoment.START
        if second in ("end", "ends"):
            return ShiftMoment.END
    elif first in ("start", "end"):
        w.skip("of", "their", "the", "each")
        if w.peek_word() in ("shift", "shifts"):
            w.take()
            return ShiftMoment.START if first == "start" else ShiftMoment.END
    w.i = saved
    return None


def read_time_range(w: Words, example: str) -> tuple[time, time]:
    word = w.take_word().lower() if not w.done() else ""
    if "-" in word and word.count("-") == 1:
        first, second = word.split("-")
    else:
        first = word
        w.skip("to", "until", "-", "till")
        second = w.take_word().lower() if not w.done() else ""
    start, end = parse_time(first), parse_time(second)
    if start is None or end is None:
        raise ParseError("I need a start and an end time, like 21:00-07:00.", example, "settings")
    if start == end:
        raise ParseError("The start and end times are the same.", example, "settings")
    return start, end


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def weekday(word: str) -> int | None:
    word = word.lower()
    if word.endswith("s") and len(word) > 4:
        word = word[:-1]
    for index, abbreviation in enumerate(WEEKDAYS):
        if word == abbreviation or (len(word) >= 3 and _FULL_DAYS[index].startswith(word)):
            return index
    return None


_DAY_GROUPS: dict[str, frozenset[int]] = {
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
}


def read_days(w: Words, example: str) -> frozenset[int] | None:
    days: set[int] = set()
    while not w.done():
        word = w.peek_word()
        if word in ("every", "and", ",", "&", "on"):
            w.take()
            if word == "every" and w.peek_word() in ("day", "days"):
                w.take()
                days.update(range(7))
            continue
        pieces = [p for p in word.split(",") if p]
        parsed: set[int] = set()
        for piece in pieces:
            got = _day_piece(piece)
            if got is None:
                parsed = set()
                break
            parsed |= got
        if not parsed:
            break
        w.take()
        days |= parsed
    if not days:
        return None
    return frozenset(days)


def is_days(word: str) -> bool:
    pieces = [p for p in word.split(",") if p]
    return bool(pieces) and all(_day_piece(p) is not None for p in pieces)


def _day_piece(piece: str) -> set[int] | None:
    if piece in _DAY_GROUPS:
        return set(_DAY_GROUPS[piece])
    if "-" in piece:
        first, _, last = piece.partition("-")
        a, b = weekday(first), weekday(last)
        if a is None or b is None:
            return None
        return {(a + k) % 7 for k in range((b - a) % 7 + 1)}
    day = weekday(piece)
    return None if day is None else {day}


def read_theme(w: Words, example: str) -> ThemeChoice:
    word = w.peek_word()
    if peek_context(w) is not None:  # before "any": "any time" is a moment, not a mix
        return read_context(w, example)
    if word in ("mixed", "mix", "any", "all"):
        w.take()
        return "mixed"
    if _BEHAVIOUR_ALIASES.get(word, word) in Behaviour.__members__.values():
        w.take()
        return Behaviour(_BEHAVIOUR_ALIASES.get(word, word))
    what = f"'{short(word)}' isn't a theme." if word else "Which theme?"
    raise ParseError(
        f"{what} Choose a behaviour ({choices(Behaviour)}), a "
        f"moment ({choices(Context)}), or mixed.",
        example,
        "themes",
    )


_BEHAVIOUR_ALIASES = {
    "self": "self-compassion",
    "selfcompassion": "self-compassion",
    "empathizing": "empathising",
    "recognising": "recognition",
    "thanks": "recognition",
}


def read_behaviour(word: str, example: str) -> Behaviour:
    word = word.lower()
    try:
        return Behaviour(_BEHAVIOUR_ALIASES.get(word, word))
    except ValueError:
        what = f"'{short(word)}' isn't a behaviour." if word else "Which behaviour?"
        raise ParseError(
            f"{what} Choose one of: {choices(Behaviour)}.",
            example,
            "themes",
        ) from None


_CONTEXT_PHRASES: dict[tuple[str, ...], Context] = {
    ("start", "of", "shift"): Context.START_OF_SHIFT,
    ("shift", "start"): Context.START_OF_SHIFT,
    ("start-of-shift",): Context.START_OF_SHIFT,
    ("end", "of", "shift"): Context.END_OF_SHIFT,
    ("shift", "end"): Context.END_OF_SHIFT,
    ("end-of-shift",): Context.END_OF_SHIFT,
    ("after", "a", "hard", "case"): Context.AFTER_HARD_CASE,
    ("after", "hard", "case"): Context.AFTER_HARD_CASE,
    ("hard", "case"): Context.AFTER_HARD_CASE,
    ("after-hard-case",): Context.AFTER_HARD_CASE,
    ("after", "a", "death"): Context.AFTER_DEATH,
    ("after", "death"): Context.AFTER_DEATH,
    ("after-death",): Context.AFTER_DEATH,
    ("after", "a", "meeting"): Context.AFTER_MEETING,
    ("after", "meeting"): Context.AFTER_MEETING,
    ("after", "meetings"): Context.AFTER_MEETING,
    ("after-meeting",): Context.AFTER_MEETING,
    ("any", "time"): Context.ANY_TIME,
    ("anytime",): Context.ANY_TIME,
    ("any-time",): Context.ANY_TIME,
}


def _context_phrase(w: Words) -> tuple[str, ...] | None:
    """The longest context phrase starting at the cursor, if any."""
    for phrase in sorted(_CONTEXT_PHRASES, key=len, reverse=True):
        window = w.args[w.i : w.i + len(phrase)]
        if len(window) == len(phrase) and all(
            isinstance(a, str) and a.lower() == p for a, p in zip(window, phrase, strict=True)
        ):
            return phrase
    return None


def peek_context(w: Words) -> Context | None:
    """The context phrase starting at the cursor, without consuming it."""
    phrase = _context_phrase(w)
    return None if phrase is None else _CONTEXT_PHRASES[phrase]


def read_context(w: Words, example: str) -> Context:
    phrase = _context_phrase(w)
    if phrase is not None:
        w.i += len(phrase)
        return _CONTEXT_PHRASES[phrase]
    word = w.take_word() if not w.done() else ""
    what = f"'{short(word)}' isn't a moment I know." if word else "Which moment?"
    raise ParseError(f"{what} Choose one of: {choices(Context)}.", example, "themes")


def read_cron(w: Words) -> str:
    example = '/nudge create cron "30 7 * * 1-5" to #ward-7'
    first = w.take_word() if not w.done() else ""
    fields = first.split()
    while len(fields) < 5 and not w.done() and isinstance(w.peek(), str):
        candidate = w.peek_word()
        if not re.fullmatch(r"[0-9a-z*/,\-?]+", candidate):
            break
        fields.append(w.take_word())
    if len(fields) != 5 or not all(re.fullmatch(r"[0-9a-zA-Z*/,\-?]+", f) for f in fields):
        raise ParseError(
            "A cron expression has five parts: minute hour day month weekday.",
            example,
            "create",
        )
    return " ".join(fields)


# Zones that keep local time through the year, as a ward's clock does: "Area/City" names, and
# UTC for those who want it. Abbreviations (EST, BST) and fixed offsets (GMT+1, Etc/GMT-5) never
# change for daylight saving, so a nudge would arrive an hour out for half the year.
_REGIONS: tuple[str, ...] = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/")
_REGIONS += ("Australia/", "Europe/", "Indian/", "Pacific/")
_MEANT = {
    **dict.fromkeys(("est", "edt", "et", "eastern", "est5edt", "us/eastern"), "America/New_York"),
    **dict.fromkeys(("cst", "cdt", "ct", "central", "cst6cdt", "us/central"), "America/Chicago"),
    **dict.fromkeys(("mst", "mdt", "mt", "mountain", "mst7mdt", "us/mountain"), "America/Denver"),
    **dict.fromkeys(
        ("pst", "pdt", "pt", "pacific", "pst8pdt", "us/pacific"), "America/Los_Angeles"
    ),
    **dict.fromkeys(("gmt", "bst", "uk", "gb", "greenwich", "gmt0", "etc/gmt"), "Europe/London"),
    **dict.fromkeys(("ist", "eire"), "Europe/Dublin"),
    **dict.fromkeys(("cet", "cest", "met", "gmt+1", "utc+1", "etc/gmt-1"), "Europe/Paris"),
    **dict.fromkeys(("eet", "eest", "gmt+2", "utc+2", "etc/gmt-2"), "Europe/Athens"),
    **dict.fromkeys(("aest", "aedt"), "Australia/Sydney"),
    **dict.fromkeys(("nzst", "nzdt", "nz"), "Pacific/Auckland"),
    "hst": "Pacific/Honolulu",
    "akst": "America/Anchorage",
}


@cache
def _zones() -> dict[str, str]:
    zones = {z.lower(): z for z in available_timezones() if z.startswith(_REGIONS)}
    zones["utc"] = "UTC"
    return zones


def read_timezone(word: str, example: str) -> str:
    key = word.strip().lower()
    zone = _zones().get(key)
    if zone is not None:
        return zone
    place = "Use the name of a place, like Europe/London or America/New_York."
    if not word:
        problem = f"Which time zone? {place}"
    elif key in _MEANT:
        meant = _MEANT[key]
        problem = (
            f"'{short(word)}' is a short name, not a place, so your nudges could be an hour out "
            f"when the clocks change. Did you mean {meant}?"
        )
        example = re.sub(r"\S+$", meant, example)
    elif re.fullmatch(r"(?:etc/)?(?:gmt|utc)\s*[+\-\u2212]\s*\d{1,2}(?::?\d\d)?", key):
        problem = (
            f"'{short(word)}' is a fixed offset, so your nudges would be an hour out when the "
            f"clocks change. {place}"
        )
    else:
        problem = f"I don't know the time zone '{short(word)}'. {place}"
    raise ParseError(problem, example, "settings")


def read_team(w: Words, example: str, topic: str = "teams") -> str:
    arg = w.take() if not w.done() else ""
    word = arg.name if isinstance(arg, ChannelRef) else arg_text(arg)
    name = word.strip().lower().lstrip("#")
    if not TEAM_NAME.match(name):
        what = f"'{short(word)}' can't be a team name." if word else "Which team?"
        raise ParseError(
            f"{what} Team names use letters, digits and dashes, like ward-7.", example, topic
        )
    return name


def read_only_team(w: Words, example: str) -> str:
    """A team name and nothing after it: "join ward 7" must not join "ward"."""
    team = read_team(w, example, topic="teams")
    expect_end(w, example, "teams")
    return team


def read_page(w: Words, example: str, topic: str) -> int:
    """The number after "page" (the cursor is past "page"): 1 to 999."""
    number = w.take_word() if not w.done() else ""
    if not number.isdigit() or not 1 <= int(number) <= 999:
        problem = f"Which page? A number, like 2 (got '{short(number)}')."
        raise ParseError(problem, example, topic)
    return int(number)


def read_optional_team(w: Words, example: str) -> str | None:
    if w.done():
        return None
    w.skip("team", "for", "of")
    team = read_team(w, example)
    expect_end(w, example, "teams")
    return team
