"""``/shoutout`` and ``/pause``: recognising colleagues, and a moment of silence.

/shoutout @sam @priya for staying with the family after handover [behaviour helping] [private]
/shoutout delete s12          /shoutout unseen [team ward-7]
/pause [45s] [follow up [in 3h] [to me]] [for <a short dedication>]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from nudges.commands import CallPause, Command, DeleteShoutout, GiveShoutout, Help, ListUnseen
from nudges.errors import ParseError
from nudges.events import Arg
from nudges.language.values import read_page, read_team
from nudges.language.words import Words, arg_text, expect_end, short
from nudges.model import (
    SHOUTOUT_BEHAVIOURS,
    Behaviour,
    ChannelRef,
    Link,
    Mention,
    TypedText,
    typed_plain,
)

MAX_SHOUTOUT_CHARS = 500
MAX_RECIPIENTS = 20
MAX_DEDICATION_CHARS = 200
PAUSE_SECONDS = (10, 120)
DEFAULT_PAUSE_S = 30
DEFAULT_FOLLOW_UP_HOURS = 3.0

EXAMPLE_SHOUTOUT = "/shoutout @sam for staying with the family after handover"
EXAMPLE_PAUSE = "/pause 45s for everyone who cared for her"

_PRIVATE = ("private", "privately", "dm", "quietly")
_TAG = ("behaviour", "behavior", "tag", "as")


def parse_shoutout(w: Words) -> Command:
    word = w.peek_word()
    if w.done() or word in ("help", "?"):
        w.rest()
        return Help("shoutout")
    if word in ("delete", "remove", "undo"):
        w.take()
        sid = w.take_word().lower() if not w.done() else ""
        match = re.fullmatch(r"#?s?(\d{1,9})", sid)
        if not match:
            raise ParseError(
                "Which shout-out? Its number, like s12, is in the note you got when you gave it.",
                "/shoutout delete s12",
                "shoutout",
            )
        expect_end(w, "/shoutout delete s12", "shoutout")
        return DeleteShoutout(f"s{int(match.group(1))}")
    if word in ("unseen", "who"):
        w.take()
        return _unseen(w)
    return _give(w)


def _unseen(w: Words) -> ListUnseen:
    example = "/shoutout unseen team ward-7 page 2"
    team, page = None, 1
    while not w.done():
        if w.peek_word() == "page":
            w.take()
            page = read_page(w, example, "shoutout")
        else:
            w.skip("team", "for", "of")
            team = read_team(w, example)
    return ListUnseen(team, page)


def _give(w: Words) -> GiveShoutout:
    recipients: list[Mention] = []
    while not w.done():
        arg = w.peek()
        if isinstance(arg, Mention):
            recipients.append(arg)
            w.take()
        elif w.peek_word() in ("and", ",", "&"):
            w.take()
        else:
            break
    if not recipients and w.done():
        raise ParseError(
            "Who would you like to recognise? Mention them with @, or write their name.",
            EXAMPLE_SHOUTOUT,
            "shoutout",
            "recipients",
        )
    if len(recipients) > MAX_RECIPIENTS:
        raise ParseError(
            f"Please recognise at most {MAX_RECIPIENTS} people at once.",
            EXAMPLE_SHOUTOUT,
            "shoutout",
            "recipients",
        )
    rest = list(w.rest())
    private = False
    behaviour: Behaviour | None = None
    channel: ChannelRef | None = None
    while rest:
        last = rest[-1].lower() if isinstance(rest[-1], str) else ""
        before = rest[-2].lower() if len(rest) > 1 and isinstance(rest[-2], str) else ""
        if last in _PRIVATE:
            private = True
            rest.pop()
        elif before in _TAG and _behaviour(last) is not None:
            behaviour = _behaviour(last)
            del rest[-2:]
        elif isinstance(rest[-1], ChannelRef) and before in ("in", "to", "on"):
            channel = rest[-1]
            del rest[-2:]
        elif before in ("behaviour", "behavior", "tag") and last:
            # "behaviour helpng": a tag mistyped, never a word of the shout-out.
            raise ParseError(
                f"I don't know the behaviour '{short(last)}'. Choose one of: "
                + ", ".join(b.value for b in SHOUTOUT_BEHAVIOURS)
                + ". Nothing has been posted.",
                EXAMPLE_SHOUTOUT + " behaviour helping",
                "shoutout",
                yours=GiveShoutout(tuple(recipients), typed_text(rest[:-2])).as_typed(),
            )
        else:
            break
    # "/shoutout @alex private for covering my break": an option just after the names.
    while rest and isinstance(rest[0], str) and rest[0].lower() in _PRIVATE:
        private = True
        rest.pop(0)
    while rest and isinstance(rest[0], str) and rest[0] in ("-", "—", ":"):
        rest.pop(0)
    # Anywhere else it may be the option or a word ("a private room"): ask, never guess public.
    inside = any(isinstance(a, str) and a.lower().strip(",.!") in _PRIVATE for a in rest)
    words = typed_text(rest)
    text = typed_plain(words, addresses=False)  # what a reader reads: a link's words
    if len(text) > MAX_SHOUTOUT_CHARS:
        raise ParseError(
            f"That's {len(text)} characters; please keep a shout-out under "
            f"{MAX_SHOUTOUT_CHARS}, so it's easy to read.",
            EXAMPLE_SHOUTOUT,
            "shoutout",
            "words",
            yours=GiveShoutout(tuple(recipients), words).as_typed(),
        )
    return GiveShoutout(
        tuple(dict.fromkeys(recipients)),
        words,
        behaviour,
        private,
        channel,
        "private" if inside and not private else "",
    )


def typed_text(args: list[Arg]) -> TypedText:
    """Words as typed text: runs of plain words joined into one string, mentions and links
    kept as data. Punctuation straight after a person or a link stays against it ("thanks
    @sam!", "see the rota."), as it was typed."""
    parts: list[str | Mention | Link] = []
    for index, arg in enumerate(args):
        piece = f"#{arg.name}" if isinstance(arg, ChannelRef) else arg
        attached = (
            isinstance(piece, str)
            and piece.startswith(_ATTACHED)
            and isinstance(args[index - 1], Mention | Link)
        )
        for part in ((" ",) if index and not attached else ()) + (piece,):
            if isinstance(part, str) and parts and isinstance(parts[-1], str):
                parts[-1] += part
            else:
                parts.append(part)
    return tuple(parts)


_ATTACHED = tuple(".,;:!?)]}'\u2019\u201d\u2026")
"""What is written against the word before it, with no space."""


def _behaviour(word: str) -> Behaviour | None:
    for behaviour in SHOUTOUT_BEHAVIOURS:
        if behaviour.value == word or (word == "empathizing" and behaviour.value == "empathising"):
            return behaviour
    return None


def parse_pause(w: Words) -> Command:
    """Options are read before the dedication and after it ("/pause for Ward 7's night 45s"),
    never from inside it; a dedication that does not start as one ("for", "to", "in memory
    of"...) comes back as a doubt, so a typo is shown back privately instead of posted."""
    if w.peek_word() in ("help", "?"):
        w.rest()
        return Help("the pause")
    options = _PauseOptions()
    while not w.done() and options.read(w):
        pass
    rest = w.rest()
    # The shortest dedication after which everything left reads as options.
    cut = next(k for k in range(len(rest) + 1) if _PauseOptions.reads_all(rest[k:], options))
    options.read_all(rest[cut:])
    words = [arg_text(a) for a in rest[:cut]]
    while words and words[0] in ("-", "\u2013", "\u2014", ":"):
        words.pop(0)
    dedication = " ".join(words).strip()
    if len(dedication) > MAX_DEDICATION_CHARS:
        raise ParseError(
            f"Please keep the dedication under {MAX_DEDICATION_CHARS} characters "
            f"(it has {len(dedication)}).",
            EXAMPLE_PAUSE,
            "pause",
            yours=(f"/pause {dedication}",),
        )
    return CallPause(
        dedication,
        options.silence if options.silence is not None else DEFAULT_PAUSE_S,
        options.follow_up,
        options.to_me,
        _doubt(words),
    )


_LEADS = ("for", "to", "remembering", "honouring", "honoring", "thinking", "with", "celebrating")
_LEAD_PHRASES = (("in", "memory"), ("in", "honour"), ("in", "honor"), ("in", "loving"))
_OPTION_WORDS = frozenset(
    {"follow", "follow-up", "followup", "up", "private", "seconds", "second", "secs", "sec"}
    | {"minutes", "minute", "mins", "min", "hours", "hour", "hrs", "days", "day", "weeks"}
)


def _doubt(words: list[str]) -> str:
    """Why the words may not be a dedication (empty when they read as one)."""
    if not words:
        return ""
    lowered = [w.lower() for w in words]
    if lowered[0] in _LEADS or tuple(lowered[:2]) in _LEAD_PHRASES:
        stray = [w for w in lowered[1:] if w in _OPTION_WORDS]
        return "options" if len(stray) >= 2 else ""
    return "lead"


@dataclass
class _PauseOptions:
    """How long, whether to follow up, and to whom: each read once."""

    silence: int | None = None
    follow_up: float | None = None
    to_me: bool = False

    def read(self, w: Words) -> bool:
        """Read one option at the cursor; False (having read nothing) if there is none."""
        word = w.peek_word()
        if self.silence is None and (seconds := _seconds(w)) is not None:
            self.silence = seconds
            return True
        if self.follow_up is None and word in ("follow-up", "followup", "follow"):
            if word == "follow" and not _at(w, 1, "up"):
                return False
            w.take()
            if word == "follow":
                w.take()
            self.follow_up = DEFAULT_FOLLOW_UP_HOURS
            if w.peek_word() == "in":
                w.take()
                self.follow_up = _hours(w)
            if w.peek_word() == "to" and _at(w, 1, "me", "manager", "managers"):
                w.take()
                self.to_me = w.take_word().lower() == "me"
            return True
        return False

    def read_all(self, args: list[Arg]) -> None:
        w = Words(args)
        while not w.done():
            self.read(w)

    @staticmethod
    def reads_all(args: list[Arg], already: _PauseOptions) -> bool:
        """Whether every one of ``args`` reads as a new option (checked on a copy)."""
        trial = replace(already)
        w = Words(args)
        try:
            while not w.done():
                if not trial.read(w):
                    return False
        except ParseError:
            return False
        return True


def _at(w: Words, ahead: int, *words: str) -> bool:
    i = w.i + ahead
    arg = w.args[i] if i < len(w.args) else ""
    return isinstance(arg, str) and arg.lower() in words


_UNIT = r"s|sec|secs|seconds?|m|min|mins|minutes?"
_LONGER = r"h|hr|hrs|hours?|d|days?"
_DURATION = re.compile(rf"([-+\u2212]?)(\d{{1,4}}(?:[.,]\d{{1,2}})?)({_UNIT}|{_LONGER})?")


def _seconds(w: Words) -> int | None:
    """Read "45s", "45 seconds", "1.5 min", "2m" or a bare "45" (seconds) at the cursor, if it
    is there. A bare number is never taken as the dedication, so "/pause 60" can't post "60"
    to the channel, and a duration out of range ("-10s", "5m", "1h") is refused with the
    range."""
    m = _DURATION.fullmatch(w.peek_word())
    if m is None:
        return None
    sign, number, unit = m.groups()
    taken = 1
    if unit is None:
        following = w.args[w.i + 1] if w.i + 1 < len(w.args) else ""
        after = following.lower() if isinstance(following, str) else ""
        if re.fullmatch(rf"{_UNIT}|{_LONGER}", after):
            unit, taken = after, 2
        else:
            unit = "s"
    seconds = float(number.replace(",", ".")) * (60 if unit.startswith("m") else 1)
    if (
        sign
        or re.fullmatch(_LONGER, unit)
        or seconds != int(seconds)
        or not PAUSE_SECONDS[0] <= seconds <= PAUSE_SECONDS[1]
    ):
        raise _out_of_range()
    w.i += taken
    return int(seconds)


def _out_of_range() -> ParseError:
    low, high = PAUSE_SECONDS
    return ParseError(
        f"A pause can last between {low} seconds and {high // 60} minutes, like 45s or 2m. "
        "Nothing has been posted.",
        EXAMPLE_PAUSE,
        "pause",
    )


_HOUR_UNITS = r"h|hr|hrs|hours?"
_MINUTE_UNITS = r"m|min|mins|minutes?"


def _hours(w: Words) -> float:
    """Read "3h", "3 hours", "90 minutes" or "1.5h" after "follow up in"; half an hour to 12."""
    word = w.take_word().lower() if not w.done() else ""
    m = re.fullmatch(rf"(\d{{1,3}}(?:[.,]\d)?)\s*({_HOUR_UNITS}|{_MINUTE_UNITS}|d|days?)?", word)
    unit = m.group(2) if m else None
    if m and unit is None:
        after = w.peek_word()
        if re.fullmatch(rf"{_HOUR_UNITS}|{_MINUTE_UNITS}|days?|weeks?", after):
            unit = after
            w.take()
    hours = float(m.group(1).replace(",", ".")) if m else -1.0
    if unit is not None and re.fullmatch(_MINUTE_UNITS, unit):
        hours /= 60
    elif unit is not None and not re.fullmatch(_HOUR_UNITS, unit):
        hours = -1.0  # days or weeks: further off than a follow-up goes
    if not 0.5 <= hours <= 12:
        raise ParseError(
            "Follow up in how long? Between half an hour and 12 hours, like 30m or 3h "
            f"(I read '{short(word)}'). Nothing has been posted.",
            "/pause follow up in 3h",
            "pause",
        )
    return hours
