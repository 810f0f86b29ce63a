"""How the engine says things: schedules, audiences, themes and times, in short plain words.

Kept in one place so every reply describes a cadence the same way.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import assert_never
from zoneinfo import ZoneInfo

from nudges.cards import (
    Action,
    Actions,
    Bold,
    Button,
    Card,
    ContextLine,
    Heading,
    Inline,
    Link,
    Mention,
    Text,
)
from nudges.model import (
    Behaviour,
    Budget,
    Cadence,
    CadenceKind,
    ChannelAudience,
    CronSchedule,
    MembersAudience,
    QuietHours,
    Schedule,
    ShiftMoment,
    TeamAudience,
    Theme,
)

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
UNREADABLE = "This version of CareNudge can't read how this was saved, so it is on hold."


def hm(t: time) -> str:
    return t.strftime("%H:%M")


def days(values: frozenset[int] | None) -> str:
    if values is None or len(values) == 7:
        return "Every day"
    if values == frozenset(range(5)):
        return "Weekdays"
    if values == frozenset({5, 6}):
        return "Weekends"
    return ", ".join(_DAY_NAMES[d] for d in sorted(values))


def schedule(s: Schedule) -> str:
    if isinstance(s, CronSchedule):
        return f"cron {s.expression}"
    moments = [m.label if isinstance(m, ShiftMoment) else hm(m) for m in s.times]
    joined = moments[0] if len(moments) == 1 else ", ".join(moments[:-1]) + " and " + moments[-1]
    return f"{days(s.days)} at {joined}"


def what(cadence: Cadence) -> str:
    """What a cadence sends, in a few words: its prompts' theme, or its special kind."""
    match cadence.kind:
        case CadenceKind.PROMPTS:
            return theme(cadence.theme)
        case CadenceKind.DIGEST:
            return "Weekly shout-out digest"
        case CadenceKind.UNSEEN:
            return "Who hasn't been recognised lately (managers only)"
        case _:
            assert_never(cadence.kind)


def theme(t: Theme) -> str:
    if t is None:
        return "A mix of all six"
    if isinstance(t, Behaviour):
        return t.label
    return t.label.capitalize()


def zone(cadence: Cadence) -> str:
    if cadence.per_recipient:
        return "each person's own time zone"
    return cadence.tz


UNNAMED_CHANNEL = "the channel"
"""A channel whose name CareNudge was never told (its id is no name for a person)."""
UNNAMED_PERSON = "a colleague"
"""The same for a person."""
NO_TEAM = "-"
"""No team: a preview by someone in none yet (saving asks them for one), or a Pause's
follow-up in a channel without a team."""


def channel(name: str) -> str:
    """``#ward-7``, or "the channel" when its name is not known."""
    return f"#{name}" if name else UNNAMED_CHANNEL


def audience(cadence: Cadence, names: dict[str, str]) -> str:
    match cadence.audience:
        case ChannelAudience(channel=place):
            return channel(place.name)
        case MembersAudience(members=members):
            shown = [f"@{names.get(m.key, UNNAMED_PERSON)}" for m in members[:5]]
            more = len(members) - len(shown)
            return ", ".join(shown) + (f" and {more} more" if more else "") + " (direct message)"
        case TeamAudience():
            team = "your team" if cadence.team == NO_TEAM else cadence.team
            return f"Everyone who joined {team} (direct message)"


def when(at: datetime, tz: str) -> str:
    """'Tue 1 Dec, 07:30' in ``tz``."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{day(local.date())}, {local:%H:%M}"


def day(d: date) -> str:
    """'Tue 1 Dec', as ``when`` writes it."""
    return f"{_DAY_NAMES[d.weekday()]} {d.day} {d.strftime('%b')}"


def quiet(hours: QuietHours | None) -> str:
    return "Off" if hours is None else f"{hm(hours.start)} to {hm(hours.end)}"


def day_list(values: frozenset[int] | None) -> str:
    if values is None:
        return "Every day"
    return days(values) if len(values) != 7 else "Every day"


def budget(b: Budget) -> str:
    """ "1 a day and 3 a week"."""
    return f"{b.per_day} a day and {b.per_week} a week"


def plural(count: int, one: str, many: str | None = None) -> str:
    """ "1 hour", "3 hours", "0 people": the count and the word that goes with it."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def hours(value: float) -> str:
    """ "30 minutes", "1 hour", "1.5 hours", "3 hours"."""
    if value < 1:
        return plural(round(value * 60), "minute")
    return "1 hour" if value == 1 else f"{value:g} hours"


def page_of(count: int, asked: int, size: int) -> tuple[int, int, slice]:
    """The page shown (``asked``, or the last there is), how many pages, and its items."""
    pages = max(1, -(-count // size))
    page = min(asked, pages)
    return page, pages, slice((page - 1) * size, page * size)


def more(page: int, pages: int, command: str, counted: str) -> tuple[ContextLine | Actions, ...]:
    """ "Page 1 of 3 · …", and while there is more, a More button running ``command`` (the
    /nudge words for the next page, or a whole command such as "/shoutout unseen page 2"),
    with the words to type instead."""
    if pages == 1:
        return ()
    shown: tuple[ContextLine | Actions, ...] = (ContextLine((f"Page {page} of {pages}{counted}",)),)
    if page < pages:
        typed = command if command.startswith("/") else f"/nudge {command}"
        shown += (
            Actions((Button("More", Action.RUN_COMMAND, command),)),
            ContextLine((f"Or type {typed}",)),
        )
    return shown


MENTION_WEIGHT = 100
"""What a mention weighs beyond its name: platforms carry who is mentioned beside the text
(Teams sends each as an entity with the name again and the person's id)."""


def weight(parts: tuple[Inline, ...]) -> int:
    """Roughly how much room text takes once sent: a unit a character, and a mention its name
    three times over plus ``MENTION_WEIGHT``. For cards whose length depends on what people
    wrote, so that they stop while there is room on every platform and say how many more."""
    return sum(
        3 * len(p.name) + MENTION_WEIGHT if isinstance(p, Mention) else len(_inline_text(p))
        for p in parts
    )


def fitting(weights: list[int], budget: int, most: int) -> int:
    """How many of the first items fit within ``budget`` and ``most`` (always the first one)."""
    total = count = 0
    for item in weights[:most]:
        total += item
        if count and total > budget:
            break
        count += 1
    return count


def _inline_text(part: Inline) -> str:
    match part:
        case str():
            return part
        case Bold(text=t):
            return t
        case Link(text=t, url=url):
            return t + url
        case Mention(name=name):
            return name
        case _:
            assert_never(part)


def message(title: str, *lines: str, hint: str = "") -> Card:
    """A short reply: a heading, a line or two, and an optional quiet hint underneath."""
    blocks: list[Heading | Text | ContextLine] = [Heading(title)]
    blocks.extend(Text((line,)) for line in lines if line)
    if hint:
        blocks.append(ContextLine((hint,)))
    return Card(tuple(blocks), " ".join((title, *lines)).strip())


def joined(parts: list[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {conjunction} " + parts[-1]


def mentions(people: list[Mention], conjunction: str = "or") -> tuple[Inline, ...]:
    """People as inline mentions: "@a", "@a or @b", "@a, @b or @c"."""
    parts: list[Inline] = []
    for i, person in enumerate(people):
        if i:
            parts.append(f" {conjunction} " if i == len(people) - 1 else ", ")
        parts.append(person)
    return tuple(parts)
