"""The one command language: the words people type after /nudge in Slack, in a Teams chat, or
in the sandbox, parsed into ``nudges.commands``.

``parse`` raises only ``ParseError``, whose message says what was wrong and shows a correct
example. Adapters split raw text with ``tokenize`` after turning platform mentions into
``Mention`` and ``ChannelRef`` values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, time
from functools import cache
from typing import Literal
from zoneinfo import available_timezones

from nudges.cards import Mention
from nudges.commands import (
    AddPrompt,
    Appoint,
    CadenceSpec,
    CadenceVerb,
    Command,
    CreateCadence,
    EditCadence,
    Help,
    ListCadences,
    ListPrompts,
    ListTeams,
    Membership,
    PreviewCadence,
    PromptVerb,
    SetQuietHours,
    SetShift,
    SetTimezone,
    SetWorkingDays,
    ShowSettings,
    ShowTeam,
    Snooze,
    StopOrStart,
    ThemeChoice,
)
from nudges.errors import ParseError
from nudges.events import Arg
from nudges.model import (
    DAY_SHIFT,
    NIGHT_SHIFT,
    WEEKDAYS,
    Behaviour,
    ChannelRef,
    Context,
    QuietHours,
    ShiftMoment,
    ShiftPattern,
)

MAX_ARGS = 200
MAX_PROMPT_CHARS = 280
TEAM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
CADENCE_ID = re.compile(r"^#?c?(\d{1,9})$", re.IGNORECASE)

_Handler = Callable[["_Words"], Command]
CadenceVerbName = Literal["show", "pause", "resume", "delete", "restore"]

_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c"}


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping "double-quoted phrases" whole (straight or curly quotes)."""
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _QUOTES:
            close = text.find(_QUOTES[ch], i + 1)
            if close < 0 and ch != '"':
                close = text.find('"', i + 1)
            end = n if close < 0 else close
            words.append(text[i + 1 : end].strip())
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace():
                j += 1
            words.append(text[i:j])
            i = j
    return [w for w in words if w]


def parse(name: str, args: Sequence[Arg]) -> Command:
    """Parse one command.

    Args:
        name: The command word without its slash ("nudge").
        args: The words after it, with mentions and channels already resolved.

    Raises:
        ParseError: The words don't make a command; the message shows a correct one.
    """
    name = name.strip().lstrip("/").lower()
    if name != "nudge":
        raise ParseError(f"I don't know the command '{_short(name)}'.", "/nudge help")
    if len(args) > MAX_ARGS:
        raise ParseError("That command is too long for me to read.", "/nudge help")
    words = _Words(args)
    if words.done():
        return Help()
    verb = words.take_word().lower()
    handler = _VERBS.get(verb)
    if handler is None:
        raise ParseError(
            f"I don't know '/nudge {_short(verb)}'.",
            "/nudge help",
        )
    return handler(words)


class _Words:
    """A cursor over a command's words."""

    def __init__(self, args: Sequence[Arg]) -> None:
        self.args = list(args)
        self.i = 0

    def done(self) -> bool:
        return self.i >= len(self.args)

    def peek(self) -> Arg | None:
        return None if self.done() else self.args[self.i]

    def peek_word(self) -> str:
        arg = self.peek()
        return arg.lower() if isinstance(arg, str) else ""

    def take(self) -> Arg:
        arg = self.args[self.i]
        self.i += 1
        return arg

    def take_word(self) -> str:
        arg = self.take() if not self.done() else ""
        return arg if isinstance(arg, str) else _arg_text(arg)

    def rest(self) -> list[Arg]:
        rest = self.args[self.i :]
        self.i = len(self.args)
        return rest

    def skip(self, *fillers: str) -> None:
        while self.peek_word() in fillers and not self.done():
            self.i += 1


def _arg_text(arg: Arg) -> str:
    if isinstance(arg, str):
        return arg
    if isinstance(arg, Mention):
        return f"@{arg.name}"
    return f"#{arg.name}"


def _short(word: str) -> str:
    return word if len(word) <= 30 else word[:29] + "…"


# --- /nudge help, and the verbs -------------------------------------------------------------


def _help(w: _Words) -> Command:
    topic = " ".join(_arg_text(a) for a in w.rest()).lower().strip()
    return Help(_short(topic))


def _create(w: _Words) -> Command:
    spec = _cadence_spec(w, example=EXAMPLE_CREATE)
    if spec.times is None and spec.cron is None:
        raise ParseError("Please say when it should go out.", EXAMPLE_CREATE, "create")
    return CreateCadence(spec)


def _edit(w: _Words) -> Command:
    cid = _cadence_id(w, "edit", "/nudge edit c3 at 08:00")
    spec = _cadence_spec(w, example="/nudge edit c3 at 08:00")
    if spec == CadenceSpec():
        raise ParseError("What should change?", "/nudge edit c3 weekdays at 08:00", "edit")
    return EditCadence(cid, spec)


def _preview(w: _Words) -> Command:
    if not w.done() and CADENCE_ID.match(w.peek_word() or "-"):
        cid = _cadence_id(w, "preview", "/nudge preview c3")
        _expect_end(w, "/nudge preview c3", "preview")
        return PreviewCadence(cid, CadenceSpec())
    spec = _cadence_spec(w, example="/nudge preview weekdays at 07:30 to #ward-7")
    if spec.times is None and spec.cron is None:
        raise ParseError(
            "Preview which cadence? Give its number, or the days and times of a new one.",
            "/nudge preview c3",
            "preview",
        )
    return PreviewCadence(None, spec)


def _list(w: _Words) -> Command:
    return ListCadences(_optional_team(w, "/nudge list team ward-7"))


def _cadence_verb(verb: CadenceVerbName) -> _Handler:
    def handler(w: _Words) -> Command:
        cid = _cadence_id(w, verb, f"/nudge {verb} c3")
        _expect_end(w, f"/nudge {verb} c3", verb)
        return CadenceVerb(verb, cid)

    return handler


def _cadence_id(w: _Words, verb: str, example: str) -> str:
    word = w.take_word() if not w.done() else ""
    m = CADENCE_ID.match(word)
    if not m:
        what = f"'{_short(word)}' isn't a cadence number." if word else "Which cadence?"
        raise ParseError(f"{what} Cadences are numbered like c3 (see /nudge list).", example, verb)
    return f"c{int(m.group(1))}"


def _prompts(w: _Words) -> Command:
    return ListPrompts(_optional_team(w, "/nudge prompts team ward-7"))


def _prompt(w: _Words) -> Command:
    sub = w.take_word().lower() if not w.done() else ""
    if sub in ("add", "new"):
        return _prompt_add(w)
    if sub == "retire" or sub == "restore":
        example = f"/nudge prompt {sub} attending-04"
        word = w.take_word() if not w.done() else ""
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,59}", word.lower()):
            raise ParseError(
                "Which prompt? Prompt ids are shown by /nudge prompts.", example, "prompts"
            )
        team = _optional_team(w, example)
        return PromptVerb("retire" if sub == "retire" else "restore", word.lower(), team)
    raise ParseError(
        "Say what to do with a prompt: add, retire or restore.",
        '/nudge prompt add "Ask one colleague what helped today." behaviour attending',
        "prompts",
    )


EXAMPLE_PROMPT = (
    '/nudge prompt add "Ask one colleague what helped today." behaviour understanding '
    "context end of shift"
)


def _prompt_add(w: _Words) -> Command:
    text_words: list[str] = []
    behaviour: Behaviour | None = None
    contexts: set[Context] = set()
    team: str | None = None
    while not w.done():
        word = w.peek_word()
        if word in ("behaviour", "behavior") and text_words:
            w.take()
            behaviour = _behaviour(w.take_word() if not w.done() else "", EXAMPLE_PROMPT)
        elif word in ("context", "contexts") and text_words:
            w.take()
            contexts.add(_context(w, EXAMPLE_PROMPT))
            while w.peek_word() in ("and", ",") or (w.peek_word() and _try_context(w)):
                if w.peek_word() in ("and", ","):
                    w.take()
                else:
                    contexts.add(_context(w, EXAMPLE_PROMPT))
        elif word == "team" and text_words:
            w.take()
            team = _team_name(w, EXAMPLE_PROMPT)
        elif behaviour is None and not contexts and team is None:
            text_words.append(_arg_text(w.take()))
        else:
            raise ParseError(
                f"I didn't expect '{_short(_arg_text(w.take()))}' after the prompt's tags.",
                EXAMPLE_PROMPT,
                "prompts",
            )
    text = " ".join(text_words).strip()
    if not text:
        raise ParseError("What should the prompt say?", EXAMPLE_PROMPT, "prompts")
    if len(text) > MAX_PROMPT_CHARS:
        raise ParseError(
            f"That prompt is {len(text)} characters; please keep it under {MAX_PROMPT_CHARS}, "
            "so it can be read at a glance.",
            EXAMPLE_PROMPT,
            "prompts",
        )
    if behaviour is None:
        raise ParseError(
            "Which behaviour is it? One of: " + _choices(Behaviour) + ".",
            EXAMPLE_PROMPT,
            "prompts",
        )
    return AddPrompt(text, behaviour, frozenset(contexts or {Context.ANY_TIME}), team)


def _settings(w: _Words) -> Command:
    _expect_end(w, "/nudge settings", "settings")
    return ShowSettings()


def _tz(w: _Words) -> Command:
    tz = _timezone(w.take_word() if not w.done() else "", "/nudge tz Europe/London")
    _expect_end(w, "/nudge tz Europe/London", "settings")
    return SetTimezone(tz)


EXAMPLE_QUIET = "/nudge quiet 21:00-07:00"


def _quiet(w: _Words) -> Command:
    word = w.peek_word()
    if word in ("off", "none", "never"):
        w.take()
        _expect_end(w, EXAMPLE_QUIET, "settings")
        return SetQuietHours(None, off=True)
    if word in ("default", "reset"):
        w.take()
        _expect_end(w, EXAMPLE_QUIET, "settings")
        return SetQuietHours(None)
    start, end = _time_range(w, EXAMPLE_QUIET)
    _expect_end(w, EXAMPLE_QUIET, "settings")
    return SetQuietHours(QuietHours(start, end))


def _days(w: _Words) -> Command:
    example = "/nudge days mon-fri"
    if w.peek_word() in ("all", "every", "any", "off"):
        w.rest()
        return SetWorkingDays(None)
    days = _day_set(w, example)
    if days is None:
        raise ParseError("Which days do you work?", example, "settings")
    _expect_end(w, example, "settings")
    return SetWorkingDays(days)


def _shift(w: _Words) -> Command:
    example = "/nudge shift night 19:00-07:30"
    word = w.take_word().lower() if not w.done() else ""
    if word in ("off", "none", "default"):
        _expect_end(w, example, "settings")
        return SetShift(None)
    if word in ("day", "days"):
        base = DAY_SHIFT
    elif word in ("night", "nights"):
        base = NIGHT_SHIFT
    else:
        raise ParseError("Do you work day or night shifts?", example, "settings")
    if w.done():
        return SetShift(base)
    start, end = _time_range(w, example)
    _expect_end(w, example, "settings")
    return SetShift(ShiftPattern(base.shift, start, end))


def _snooze(w: _Words) -> Command:
    example = "/nudge snooze 3 days"
    word = w.peek_word()
    if word in ("off", "stop", "end", "none", "cancel"):
        w.take()
        _expect_end(w, example, "settings")
        return Snooze()
    w.skip("for", "until", "till", "til")
    word = w.take_word().lower() if not w.done() else ""
    if word == "tomorrow":
        result = Snooze(days=1)
    elif word in ("week", "a-week"):
        result = Snooze(days=7)
    elif (day := _weekday(word)) is not None:
        result = Snooze(weekday=day)
    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            result = Snooze(until=date.fromisoformat(word))
        except ValueError:
            raise ParseError(
                f"'{word}' isn't a date I know.", "/nudge snooze until 2026-12-24", "settings"
            ) from None
    elif m := re.fullmatch(r"(\d{1,3})\s*([dw]?)", word):
        count = int(m.group(1))
        unit = m.group(2) or (w.take_word().lower() if not w.done() else "")
        if unit in ("d", "day", "days"):
            result = Snooze(days=count)
        elif unit in ("w", "week", "weeks"):
            result = Snooze(days=count * 7)
        else:
            raise ParseError("Snooze for how many days or weeks?", example, "settings")
        if not 1 <= (result.days or 0) <= 365:
            raise ParseError("Snooze for between 1 day and a year.", example, "settings")
    else:
        raise ParseError(
            "Snooze for how long? A number of days or weeks, a weekday, or a date.",
            example,
            "settings",
        )
    _expect_end(w, example, "settings")
    return result


def _stop(w: _Words) -> Command:
    _expect_end(w, "/nudge stop", "settings")
    return StopOrStart(stop=True)


def _start(w: _Words) -> Command:
    _expect_end(w, "/nudge start", "settings")
    return StopOrStart(stop=False)


def _join(w: _Words) -> Command:
    return Membership(True, _only_team(w, "/nudge join ward-7"))


def _leave(w: _Words) -> Command:
    return Membership(False, _only_team(w, "/nudge leave ward-7"))


def _teams(w: _Words) -> Command:
    _expect_end(w, "/nudge teams", "teams")
    return ListTeams()


def _team(w: _Words) -> Command:
    if w.done():
        return ShowTeam()
    return ShowTeam(_only_team(w, "/nudge team ward-7"))


def _appoint(role: str) -> _Handler:
    example = "/nudge manager add @sam to ward-7" if role == "manager" else "/nudge admin add @sam"

    def handler(w: _Words) -> Command:
        sub = w.take_word().lower() if not w.done() else ""
        if sub not in ("add", "remove"):
            raise ParseError(f"Say 'add' or 'remove' after '{role}'.", example, "managers")
        who = w.take() if not w.done() else ""
        if not isinstance(who, Mention):
            raise ParseError("Who? Mention them with @.", example, "managers")
        team = None
        if role == "manager":
            w.skip("to", "of", "for", "from", "team", "in")
            team = _team_name(w, example, topic="managers")
        _expect_end(w, example, "managers")
        return Appoint(who, sub == "add", team)

    return handler


# --- cadence clauses -----------------------------------------------------------------------

EXAMPLE_CREATE = "/nudge create weekdays at 07:30 to #ward-7 theme attending"

_DAY_GROUPS: dict[str, frozenset[int]] = {
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
}
_FILLERS = ("and", ",", "&", "on")


def _cadence_spec(w: _Words, *, example: str) -> CadenceSpec:
    days: frozenset[int] | None = None
    times: tuple[time | ShiftMoment, ...] | None = None
    cron: str | None = None
    channel: ChannelRef | None = None
    members: list[Mention] = []
    include_me = whole_team = False
    tz: str | None = None
    local_time: bool | None = None
    theme: ThemeChoice | None = None
    team: str | None = None

    while not w.done():
        arg = w.peek()
        word = w.peek_word()
        if isinstance(arg, ChannelRef):
            channel = _take_channel(w)
        elif isinstance(arg, Mention):
            members.extend(_take_mentions(w))
        elif word in ("to", "for"):
            w.take()
            target = w.peek()
            if isinstance(target, ChannelRef):
                channel = _take_channel(w)
            elif isinstance(target, Mention):
                members.extend(_take_mentions(w))
            elif w.peek_word() == "me":
                w.take()
                include_me = True
                members.extend(_take_mentions(w))
            elif w.peek_word() in ("team", "everyone", "all", "members", "the"):
                w.skip("the", "whole")
                w.take()
                whole_team = True
            else:
                raise ParseError(
                    "Who should get it? Name a #channel, some @people, or 'team' for everyone "
                    "who joined the team.",
                    "/nudge create weekdays at 07:30 to team",
                    "create",
                )
        elif word == "at":
            w.take()
            if w.peek_word() in ("their", "local", "each"):
                local_time = _take_local(w)
            else:
                times = _times(w, example)
        elif word == "every" or _is_days(word):
            days = _day_set(w, example)
        elif word in ("tz", "timezone", "zone", "in"):
            w.take()
            if word == "in" and isinstance(w.peek(), ChannelRef):
                channel = _take_channel(w)
                continue
            tz = _timezone(w.take_word() if not w.done() else "", f"{example} tz Europe/London")
        elif word in ("local", "their", "each"):
            local_time = _take_local(w)
        elif word in ("theme", "about"):
            w.take()
            theme = _theme(w, example)
        elif word == "team":
            w.take()
            team = _team_name(w, example)
        elif word == "cron":
            w.take()
            cron = _cron(w)
        elif word in _FILLERS:
            w.take()
        elif _parse_time(word) is not None:
            times = _times(w, example)
        else:
            raise ParseError(
                f"I didn't understand '{_short(_arg_text(w.take()))}'.", example, "create"
            )

    if cron is not None and (days is not None or times is not None):
        raise ParseError(
            "Use either days and times or a cron expression, not both.",
            '/nudge create cron "30 7 * * 1-5" to #ward-7',
            "create",
        )
    return CadenceSpec(
        days=days,
        times=times,
        cron=cron,
        channel=channel,
        members=tuple(members),
        include_me=include_me,
        whole_team=whole_team,
        tz=tz,
        local_time=local_time,
        theme=theme,
        team=team,
    )


def _take_channel(w: _Words) -> ChannelRef:
    arg = w.take()
    assert isinstance(arg, ChannelRef)
    return arg


def _take_mentions(w: _Words) -> list[Mention]:
    found: list[Mention] = []
    while not w.done():
        arg = w.peek()
        if isinstance(arg, Mention):
            found.append(arg)
            w.take()
        elif w.peek_word() in ("and", ",", "&"):
            w.take()
        else:
            break
    return found


def _take_local(w: _Words) -> bool:
    w.skip("at", "their", "each", "recipient's", "person's", "own")
    if w.peek_word() != "local":
        raise ParseError(
            "Did you mean 'local time'?",
            "/nudge create weekdays at 07:30 to team local time",
            "create",
        )
    w.take()
    w.skip("time", "times")
    return True


def _times(w: _Words, example: str) -> tuple[time | ShiftMoment, ...]:
    found: list[time | ShiftMoment] = []
    while not w.done():
        word = w.peek_word()
        if word in ("and", ",", "&"):
            w.take()
            continue
        if word in ("shift", "start", "end"):
            moment = _shift_moment(w)
            if moment is None:
                break
            found.append(moment)
            continue
        pieces = [p for p in word.split(",") if p]
        parsed = [_parse_time(p) for p in pieces]
        if not pieces or any(p is None for p in parsed):
            if found:
                break
            raise ParseError(
                f"I couldn't read the time '{_short(_arg_text(w.take()))}'. "
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


def _shift_moment(w: _Words) -> ShiftMoment | None:
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


_TIME = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?$|^(?P<hhmm>\d{4})$"
)


def _parse_time(word: str) -> time | None:
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


def _time_range(w: _Words, example: str) -> tuple[time, time]:
    word = w.take_word().lower() if not w.done() else ""
    if "-" in word and word.count("-") == 1:
        first, second = word.split("-")
    else:
        first = word
        w.skip("to", "until", "-", "till")
        second = w.take_word().lower() if not w.done() else ""
    start, end = _parse_time(first), _parse_time(second)
    if start is None or end is None:
        raise ParseError("I need a start and an end time, like 21:00-07:00.", example, "settings")
    if start == end:
        raise ParseError("The start and end times are the same.", example, "settings")
    return start, end


def _weekday(word: str) -> int | None:
    word = word.lower()
    if word.endswith("s") and len(word) > 4:
        word = word[:-1]
    for index, short in enumerate(WEEKDAYS):
        if word == short or (len(word) >= 3 and _FULL_DAYS[index].startswith(word)):
            return index
    return None


_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _day_set(w: _Words, example: str) -> frozenset[int] | None:
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


def _is_days(word: str) -> bool:
    pieces = [p for p in word.split(",") if p]
    return bool(pieces) and all(_day_piece(p) is not None for p in pieces)


def _day_piece(piece: str) -> set[int] | None:
    if piece in _DAY_GROUPS:
        return set(_DAY_GROUPS[piece])
    if "-" in piece:
        first, _, last = piece.partition("-")
        a, b = _weekday(first), _weekday(last)
        if a is None or b is None:
            return None
        return {(a + k) % 7 for k in range((b - a) % 7 + 1)}
    day = _weekday(piece)
    return None if day is None else {day}


def _theme(w: _Words, example: str) -> ThemeChoice:
    word = w.peek_word()
    if _try_context(w) is not None:  # before "any": "any time" is a moment, not a mix
        return _context(w, example)
    if word in ("mixed", "mix", "any", "all"):
        w.take()
        return "mixed"
    if _BEHAVIOUR_ALIASES.get(word, word) in Behaviour.__members__.values():
        w.take()
        return Behaviour(_BEHAVIOUR_ALIASES.get(word, word))
    what = f"'{_short(word)}' isn't a theme." if word else "Which theme?"
    raise ParseError(
        f"{what} Choose a behaviour ({_choices(Behaviour)}), a "
        f"moment ({_choices(Context)}), or mixed.",
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


def _behaviour(word: str, example: str) -> Behaviour:
    word = word.lower()
    try:
        return Behaviour(_BEHAVIOUR_ALIASES.get(word, word))
    except ValueError:
        what = f"'{_short(word)}' isn't a behaviour." if word else "Which behaviour?"
        raise ParseError(
            f"{what} Choose one of: {_choices(Behaviour)}.",
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
    ("after", "a", "meeting"): Context.AFTER_MEETING,
    ("after", "meeting"): Context.AFTER_MEETING,
    ("after", "meetings"): Context.AFTER_MEETING,
    ("after-meeting",): Context.AFTER_MEETING,
    ("any", "time"): Context.ANY_TIME,
    ("anytime",): Context.ANY_TIME,
    ("any-time",): Context.ANY_TIME,
}


def _try_context(w: _Words) -> Context | None:
    """The context phrase starting at the cursor, without consuming it."""
    for phrase in sorted(_CONTEXT_PHRASES, key=len, reverse=True):
        window = w.args[w.i : w.i + len(phrase)]
        if len(window) == len(phrase) and all(
            isinstance(a, str) and a.lower() == p for a, p in zip(window, phrase, strict=True)
        ):
            return _CONTEXT_PHRASES[phrase]
    return None


def _context(w: _Words, example: str) -> Context:
    for phrase in sorted(_CONTEXT_PHRASES, key=len, reverse=True):
        window = w.args[w.i : w.i + len(phrase)]
        if len(window) == len(phrase) and all(
            isinstance(a, str) and a.lower() == p for a, p in zip(window, phrase, strict=True)
        ):
            w.i += len(phrase)
            return _CONTEXT_PHRASES[phrase]
    word = w.take_word() if not w.done() else ""
    what = f"'{_short(word)}' isn't a moment I know." if word else "Which moment?"
    raise ParseError(
        f"{what} Choose one of: {_choices(Context)}.",
        example,
        "themes",
    )


def _cron(w: _Words) -> str:
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


@cache
def _zones() -> dict[str, str]:
    zones = {z.lower(): z for z in available_timezones()}
    zones.setdefault("utc", "UTC")
    return zones


def _timezone(word: str, example: str) -> str:
    zone = _zones().get(word.strip().lower())
    if zone is None:
        what = f"I don't know the time zone '{_short(word)}'." if word else "Which time zone?"
        raise ParseError(
            f"{what} Use a name like Europe/London or America/New_York.",
            example,
            "settings",
        )
    return zone


def _team_name(w: _Words, example: str, topic: str = "teams") -> str:
    arg = w.take() if not w.done() else ""
    word = arg.name if isinstance(arg, ChannelRef) else _arg_text(arg)
    name = word.strip().lower().lstrip("#")
    if not TEAM_NAME.match(name):
        what = f"'{_short(word)}' can't be a team name." if word else "Which team?"
        raise ParseError(
            f"{what} Team names use letters, digits and dashes, like ward-7.", example, topic
        )
    return name


def _only_team(w: _Words, example: str) -> str:
    """A team name and nothing after it: "join ward 7" must not join "ward"."""
    team = _team_name(w, example, topic="teams")
    _expect_end(w, example, "teams")
    return team


def _optional_team(w: _Words, example: str) -> str | None:
    if w.done():
        return None
    w.skip("team", "for", "of")
    team = _team_name(w, example)
    _expect_end(w, example, "teams")
    return team


def _expect_end(w: _Words, example: str, topic: str) -> None:
    if not w.done():
        extra = " ".join(_arg_text(a) for a in w.args[w.i : w.i + 3])
        raise ParseError(f"I didn't expect '{_short(extra)}' there.", example, topic)


def _choices(kind: type[Behaviour] | type[Context]) -> str:
    return ", ".join(k.value for k in kind)


_VERBS: dict[str, _Handler] = {
    "help": _help,
    "?": _help,
    "create": _create,
    "new": _create,
    "add": _create,
    "edit": _edit,
    "change": _edit,
    "preview": _preview,
    "list": _list,
    "ls": _list,
    "show": _cadence_verb("show"),
    "pause": _cadence_verb("pause"),
    "resume": _cadence_verb("resume"),
    "delete": _cadence_verb("delete"),
    "remove": _cadence_verb("delete"),
    "restore": _cadence_verb("restore"),
    "undo": _cadence_verb("restore"),
    "prompts": _prompts,
    "prompt": _prompt,
    "settings": _settings,
    "me": _settings,
    "tz": _tz,
    "timezone": _tz,
    "quiet": _quiet,
    "days": _days,
    "shift": _shift,
    "snooze": _snooze,
    "stop": _stop,
    "start": _start,
    "join": _join,
    "leave": _leave,
    "teams": _teams,
    "team": _team,
    "manager": _appoint("manager"),
    "managers": _appoint("manager"),
    "admin": _appoint("admin"),
}
