"""Every /nudge verb, and the table that maps each word to its reader."""

from __future__ import annotations

import re
from datetime import date

from nudges.cards import Mention
from nudges.commands import (
    AddPrompt,
    Appoint,
    Command,
    ForgetMe,
    Help,
    ListPrompts,
    ListTeams,
    Membership,
    MyData,
    PromptVerb,
    SetBudget,
    SetEvaluation,
    SetQuietHours,
    SetShift,
    SetTimezone,
    SetWorkingDays,
    ShowBudget,
    ShowSettings,
    ShowTeam,
    Snooze,
    StopOrStart,
)
from nudges.errors import ParseError
from nudges.language.cadence import (
    cadence_verb,
    create_cadence,
    edit_cadence,
    list_cadences,
    preview_cadence,
)
from nudges.language.values import (
    peek_context,
    read_behaviour,
    read_context,
    read_days,
    read_only_team,
    read_optional_team,
    read_page,
    read_team,
    read_time_range,
    read_timezone,
    weekday,
)
from nudges.language.words import Handler, Words, arg_text, choices, expect_end, short
from nudges.model import (
    DAY_SHIFT,
    NIGHT_SHIFT,
    Behaviour,
    Budget,
    Context,
    QuietHours,
    ShiftPattern,
)

MAX_PROMPT_CHARS = 280


def _help(w: Words) -> Command:
    topic = " ".join(arg_text(a) for a in w.rest()).lower().strip()
    return Help(short(topic))


def _prompts(w: Words) -> Command:
    example = "/nudge prompts team ward-7 page 2"
    team, page = None, 1
    while not w.done():
        if w.peek_word() == "page":
            w.take()
            page = read_page(w, example, "prompts")
        else:
            w.skip("team", "for", "of")
            team = read_team(w, example)
    return ListPrompts(team, page)


def _prompt(w: Words) -> Command:
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
        team = read_optional_team(w, example)
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


def _prompt_add(w: Words) -> Command:
    text_words: list[str] = []
    behaviour: Behaviour | None = None
    contexts: set[Context] = set()
    team: str | None = None
    while not w.done():
        word = w.peek_word()
        if word in ("behaviour", "behavior") and text_words:
            w.take()
            behaviour = read_behaviour(w.take_word() if not w.done() else "", EXAMPLE_PROMPT)
        elif word in ("context", "contexts") and text_words:
            w.take()
            contexts.add(read_context(w, EXAMPLE_PROMPT))
            while w.peek_word() in ("and", ",") or (w.peek_word() and peek_context(w)):
                if w.peek_word() in ("and", ","):
                    w.take()
                else:
                    contexts.add(read_context(w, EXAMPLE_PROMPT))
        elif word == "team" and text_words:
            w.take()
            team = read_team(w, EXAMPLE_PROMPT)
        elif behaviour is None and not contexts and team is None:
            text_words.append(arg_text(w.take()))
        else:
            raise ParseError(
                f"I didn't expect '{short(arg_text(w.take()))}' after the prompt's tags.",
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
            yours=(f'/nudge prompt add "{text}"',),
        )
    if behaviour is None:
        raise ParseError(
            "Which behaviour is it? One of: " + choices(Behaviour) + ".",
            EXAMPLE_PROMPT,
            "prompts",
        )
    return AddPrompt(text, behaviour, frozenset(contexts or {Context.ANY_TIME}), team)


def _settings(w: Words) -> Command:
    expect_end(w, "/nudge settings", "settings")
    return ShowSettings()


def _tz(w: Words) -> Command:
    tz = read_timezone(w.take_word() if not w.done() else "", "/nudge tz Europe/London")
    expect_end(w, "/nudge tz Europe/London", "settings")
    return SetTimezone(tz)


EXAMPLE_QUIET = "/nudge quiet 21:00-07:00"


def _quiet(w: Words) -> Command:
    word = w.peek_word()
    if word in ("off", "none", "never"):
        w.take()
        expect_end(w, EXAMPLE_QUIET, "settings")
        return SetQuietHours(None, off=True)
    if word in ("default", "reset"):
        w.take()
        expect_end(w, EXAMPLE_QUIET, "settings")
        return SetQuietHours(None)
    start, end = read_time_range(w, EXAMPLE_QUIET)
    expect_end(w, EXAMPLE_QUIET, "settings")
    return SetQuietHours(QuietHours(start, end))


def _days(w: Words) -> Command:
    example = "/nudge days mon-fri"
    if w.peek_word() in ("all", "every", "any", "off"):
        w.rest()
        return SetWorkingDays(None)
    days = read_days(w, example)
    if days is None:
        raise ParseError("Which days do you work?", example, "settings")
    expect_end(w, example, "settings")
    return SetWorkingDays(days)


def _my(w: Words) -> Command:
    """``my data``: what CareNudge holds about you."""
    w.skip("data")
    expect_end(w, "/nudge my data", "privacy")
    return MyData()


def _forget(w: Words) -> Command:
    """``forget me``: erase everything CareNudge holds about you (you are asked first)."""
    if w.peek_word() not in ("me", "myself"):
        raise ParseError(
            "To erase what CareNudge holds about you, say 'forget me'.",
            "/nudge forget me",
            "privacy",
        )
    w.take()
    expect_end(w, "/nudge forget me", "privacy")
    return ForgetMe()


EXAMPLE_EVALUATION = "/nudge evaluation team ward-7 20%"
EVALUATION_SHARES = (5, 50)
"""The shares of nudges an admin may have an evaluation hold back, in percent."""


def _evaluation(w: Words) -> Command:
    """``evaluation team ward-7`` (what it is), ``... 20%`` or ``... 20 percent``, ``... off``."""
    w.skip("team", "for", "of")
    team = read_team(w, EXAMPLE_EVALUATION, "evaluation") if not w.done() else None
    if w.done():
        return SetEvaluation(team)
    word = w.take_word().lower()
    if word in ("off", "stop", "end"):
        expect_end(w, EXAMPLE_EVALUATION, "evaluation")
        return SetEvaluation(team, off=True)
    w.skip("percent", "%")
    expect_end(w, EXAMPLE_EVALUATION, "evaluation")
    digits = word.removesuffix("%")
    low, high = EVALUATION_SHARES
    if not digits.isdigit() or not low <= int(digits) <= high:
        raise ParseError(
            f"Say a share between {low}% and {high}%, or 'off'.", EXAMPLE_EVALUATION, "evaluation"
        )
    return SetEvaluation(team, share=int(digits))


EXAMPLE_BUDGET = "/nudge budget 2 a week"
_PERIODS = {"day": "day", "daily": "day", "week": "week", "weekly": "week"}


def _budget(w: Words) -> Command:
    """``budget``, ``budget 2 a week [1 a day]``, ``budget default``, and for managers
    ``budget team ward-7 3 a week 1 a day``."""
    if w.done():
        return ShowBudget()
    team = None
    if w.peek_word() == "team":
        w.take()
        team = read_team(w, "/nudge budget team ward-7 3 a week 1 a day", "settings")
    if w.peek_word() in ("default", "reset", "off"):
        w.take()
        expect_end(w, EXAMPLE_BUDGET, "settings")
        return SetBudget(None, team)
    counts: dict[str, int] = {}
    while not w.done():
        if w.peek_word() in ("and", ",", "&"):
            w.take()
            continue
        word = w.take_word().lower()
        m = re.fullmatch(r"(\d{1,2})(?:/(day|week))?", word)
        if m is None:
            raise ParseError(
                f"I couldn't read '{short(word)}' as a number of nudges.",
                EXAMPLE_BUDGET,
                "settings",
            )
        period = m.group(2)
        if period is None:
            w.skip("a", "an", "per", "each", "every", "nudge", "nudges", "a", "times")
            period = _PERIODS.get(w.take_word().lower() if not w.done() else "")
        if period is None:
            raise ParseError("How many a day, or a week?", EXAMPLE_BUDGET, "settings")
        counts[period] = int(m.group(1))
    if not counts:
        raise ParseError("How many nudges a week?", EXAMPLE_BUDGET, "settings")
    week = counts.get("week", max(counts.get("day", 0), 1) * 7)
    day = counts.get("day", min(week, 7))
    if day < 1 or week < 1:
        raise ParseError(
            "A budget is at least 1. To have no nudges for a while, use /nudge snooze 3 days; "
            "to stop them, /nudge stop.",
            EXAMPLE_BUDGET,
            "settings",
        )
    return SetBudget(Budget(per_day=min(day, week), per_week=week), team)


def _shift(w: Words) -> Command:
    example = "/nudge shift night 19:00-07:30"
    word = w.take_word().lower() if not w.done() else ""
    if word in ("off", "none", "default"):
        expect_end(w, example, "settings")
        return SetShift(None)
    if word in ("day", "days"):
        base = DAY_SHIFT
    elif word in ("night", "nights"):
        base = NIGHT_SHIFT
    else:
        raise ParseError("Do you work day or night shifts?", example, "settings")
    if w.done():
        return SetShift(base)
    start, end = read_time_range(w, example)
    expect_end(w, example, "settings")
    return SetShift(ShiftPattern(base.shift, start, end))


def _snooze(w: Words) -> Command:
    example = "/nudge snooze 3 days"
    word = w.peek_word()
    if word in ("off", "stop", "end", "none", "cancel"):
        w.take()
        expect_end(w, example, "settings")
        return Snooze()
    w.skip("for", "until", "till", "til")
    word = w.take_word().lower() if not w.done() else ""
    if word == "tomorrow":
        result = Snooze(days=1)
    elif word in ("week", "a-week"):
        result = Snooze(days=7)
    elif (day := weekday(word)) is not None:
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
    expect_end(w, example, "settings")
    return result


def _stop(w: Words) -> Command:
    expect_end(w, "/nudge stop", "settings")
    return StopOrStart(stop=True)


def _start(w: Words) -> Command:
    expect_end(w, "/nudge start", "settings")
    return StopOrStart(stop=False)


def _join(w: Words) -> Command:
    return Membership(True, read_only_team(w, "/nudge join ward-7"))


def _leave(w: Words) -> Command:
    return Membership(False, read_only_team(w, "/nudge leave ward-7"))


def _teams(w: Words) -> Command:
    example = "/nudge teams page 2"
    page = 1
    if w.peek_word() == "page":
        w.take()
        page = read_page(w, example, "teams")
    expect_end(w, example, "teams")
    return ListTeams(page)


def _team(w: Words) -> Command:
    if w.done():
        return ShowTeam()
    return ShowTeam(read_only_team(w, "/nudge team ward-7"))


def _appoint(role: str) -> Handler:
    example = "/nudge manager add @sam to ward-7" if role == "manager" else "/nudge admin add @sam"

    def handler(w: Words) -> Command:
        sub = w.take_word().lower() if not w.done() else ""
        if sub not in ("add", "remove"):
            raise ParseError(f"Say 'add' or 'remove' after '{role}'.", example, "managers")
        who = w.take() if not w.done() else ""
        if not isinstance(who, Mention):
            raise ParseError("Who? Mention them with @.", example, "managers")
        team = None
        if role == "manager":
            w.skip("to", "of", "for", "from", "team", "in")
            team = read_team(w, example, topic="managers")
        expect_end(w, example, "managers")
        return Appoint(who, sub == "add", team)

    return handler


VERBS: dict[str, Handler] = {
    "help": _help,
    "?": _help,
    "create": create_cadence,
    "new": create_cadence,
    "add": create_cadence,
    "edit": edit_cadence,
    "change": edit_cadence,
    "preview": preview_cadence,
    "list": list_cadences,
    "ls": list_cadences,
    "show": cadence_verb("show"),
    "pause": cadence_verb("pause"),
    "resume": cadence_verb("resume"),
    "delete": cadence_verb("delete"),
    "remove": cadence_verb("delete"),
    "restore": cadence_verb("restore"),
    "undo": cadence_verb("restore"),
    "prompts": _prompts,
    "prompt": _prompt,
    "settings": _settings,
    "me": _settings,
    "tz": _tz,
    "timezone": _tz,
    "quiet": _quiet,
    "days": _days,
    "shift": _shift,
    "budget": _budget,
    "my": _my,
    "forget": _forget,
    "evaluation": _evaluation,
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
