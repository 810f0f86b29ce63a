"""``/shoutout`` and ``/pause``: recognising colleagues, and a moment of silence.

/shoutout @sam @priya for staying with the family after handover [behaviour helping] [private]
/shoutout delete s12          /shoutout unseen [team ward-7]
/pause [45s] [follow up [in 3h] [to me]] [for <a short dedication>]
"""

from __future__ import annotations

import re

from nudges.commands import CallPause, Command, DeleteShoutout, GiveShoutout, Help, ListUnseen
from nudges.errors import ParseError
from nudges.events import Arg
from nudges.language.values import read_optional_team
from nudges.language.words import Words, arg_text, expect_end, short
from nudges.model import SHOUTOUT_BEHAVIOURS, Behaviour, ChannelRef, Mention

MAX_SHOUTOUT_CHARS = 500
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
        return ListUnseen(read_optional_team(w, "/shoutout unseen team ward-7"))
    return _give(w)


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
        )
    if len(recipients) > 20:
        raise ParseError(
            "Please recognise at most 20 people at once.", EXAMPLE_SHOUTOUT, "shoutout"
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
        else:
            break
    while rest and isinstance(rest[0], str) and rest[0] in ("-", "—", ":"):
        rest.pop(0)
    words = typed_text(rest)
    text = "".join(p if isinstance(p, str) else f"@{p.name}" for p in words)
    if len(text) > MAX_SHOUTOUT_CHARS:
        raise ParseError(
            f"That's {len(text)} characters; please keep a shout-out under "
            f"{MAX_SHOUTOUT_CHARS}, so it's easy to read.",
            EXAMPLE_SHOUTOUT,
            "shoutout",
        )
    return GiveShoutout(tuple(dict.fromkeys(recipients)), words, behaviour, private, channel)


def typed_text(args: list[Arg]) -> tuple[str | Mention, ...]:
    """Words as typed text: runs of plain words joined into one string, mentions kept as data."""
    parts: list[str | Mention] = []
    for index, arg in enumerate(args):
        for piece in ((" ",) if index else ()) + (
            f"#{arg.name}" if isinstance(arg, ChannelRef) else arg,
        ):
            if isinstance(piece, str) and parts and isinstance(parts[-1], str):
                parts[-1] += piece
            else:
                parts.append(piece)
    return tuple(parts)


def _behaviour(word: str) -> Behaviour | None:
    for behaviour in SHOUTOUT_BEHAVIOURS:
        if behaviour.value == word or (word == "empathizing" and behaviour.value == "empathising"):
            return behaviour
    return None


def parse_pause(w: Words) -> Command:
    if w.peek_word() in ("help", "?"):
        w.rest()
        return Help("the pause")
    silence = DEFAULT_PAUSE_S
    follow_up: float | None = None
    to_me = False
    while not w.done():
        word = w.peek_word()
        if (seconds := _seconds(w)) is not None:
            silence = seconds
        elif word in ("follow-up", "followup", "follow"):
            w.take()
            if w.peek_word() == "up":
                w.take()
            follow_up = DEFAULT_FOLLOW_UP_HOURS
            if w.peek_word() == "in":
                w.take()
                follow_up = _hours(w)
            if w.peek_word() == "to":
                w.take()
                who = w.take_word().lower() if not w.done() else ""
                if who not in ("me", "manager", "managers"):
                    raise ParseError(
                        "Send the follow-up to 'me' or to the 'manager'?",
                        "/pause follow up in 3h to me",
                        "pause",
                    )
                to_me = who == "me"
        else:
            break
    if not PAUSE_SECONDS[0] <= silence <= PAUSE_SECONDS[1]:
        raise ParseError(
            f"A pause can last between {PAUSE_SECONDS[0]} and {PAUSE_SECONDS[1]} seconds.",
            EXAMPLE_PAUSE,
            "pause",
        )
    dedication = " ".join(arg_text(a) for a in w.rest()).strip()
    if len(dedication) > MAX_DEDICATION_CHARS:
        raise ParseError(
            f"Please keep the dedication under {MAX_DEDICATION_CHARS} characters "
            f"(it has {len(dedication)}).",
            EXAMPLE_PAUSE,
            "pause",
        )
    return CallPause(dedication, silence, follow_up, to_me)


def _seconds(w: Words) -> int | None:
    """Read "45s", "45 seconds", "1 minute", "2 min" or a bare "45" (seconds) at the cursor,
    if it is there. A bare number is never taken as the dedication, so "/pause 60" can't post
    "60" to the channel."""
    word = w.peek_word()
    m = re.fullmatch(r"(\d{1,4})(s|sec|secs|seconds?|m|min|mins|minutes?)?", word)
    if not m:
        return None
    unit = m.group(2)
    taken = 1
    if unit is None:
        following = w.args[w.i + 1] if w.i + 1 < len(w.args) else ""
        unit = following.lower() if isinstance(following, str) else ""
        if re.fullmatch(r"s|sec|secs|seconds?|m|min|mins|minutes?", unit):
            taken = 2
        else:
            unit = "s"
    w.i += taken
    value = int(m.group(1))
    return value * 60 if unit.startswith("m") else value


def _hours(w: Words) -> float:
    word = w.take_word().lower() if not w.done() else ""
    m = re.fullmatch(r"(\d{1,2}(?:\.\d)?)\s*(h|hr|hrs|hours?)?", word)
    if m and m.group(2) is None and w.peek_word() in ("h", "hr", "hrs", "hour", "hours"):
        w.take()
    if not m or not 0.5 <= float(m.group(1)) <= 12:
        raise ParseError(
            f"Follow up in how many hours? Between half an hour and 12 (got '{short(word)}').",
            "/pause follow up in 3h",
            "pause",
        )
    return float(m.group(1))
