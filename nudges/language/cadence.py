"""The cadence verbs (create, edit, preview, list, show, pause, resume, delete, restore) and
the clauses that describe a cadence: days, times, audience, time zone, theme, team."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import time
from typing import Literal

from nudges.cards import Field, Mention
from nudges.commands import (
    CadenceSpec,
    CadenceVerb,
    Command,
    CreateCadence,
    EditCadence,
    ListCadences,
    PreviewCadence,
    ThemeChoice,
)
from nudges.errors import ParseError
from nudges.language.values import (
    CADENCE_ID,
    is_days,
    parse_time,
    read_cadence_id,
    read_cron,
    read_days,
    read_page,
    read_team,
    read_theme,
    read_times,
    read_timezone,
)
from nudges.language.words import Handler, Words, arg_text, expect_end, short
from nudges.model import (
    CadenceKind,
    ChannelRef,
    ShiftMoment,
)

EXAMPLE_CREATE = "/nudge create weekdays at 07:30 to #ward-7 theme attending"


_KINDS = {
    "prompts": CadenceKind.PROMPTS,
    "nudges": CadenceKind.PROMPTS,
    "unseen": CadenceKind.UNSEEN,
    "digest": CadenceKind.DIGEST,
    "shoutouts": CadenceKind.DIGEST,
    "shout-outs": CadenceKind.DIGEST,
}
"""Words after 'sends' that choose what a cadence sends: prompts (about its theme), a channel's
weekly shout-out digest, or managers' private list of the unseen."""

_FILLERS = ("and", ",", "&", "on")


CadenceVerbName = Literal["show", "pause", "resume", "delete", "restore"]


def create_cadence(w: Words) -> Command:
    spec = read_cadence_spec(w, example=EXAMPLE_CREATE)
    if spec.times is None and spec.cron is None:
        raise ParseError("Please say when it should go out.", EXAMPLE_CREATE, "create")
    return CreateCadence(spec)


def edit_cadence(w: Words) -> Command:
    cid = read_cadence_id(w, "edit", "/nudge edit c3 at 08:00")
    spec = read_cadence_spec(w, example="/nudge edit c3 at 08:00")
    if spec == CadenceSpec():
        raise ParseError("What should change?", "/nudge edit c3 weekdays at 08:00", "edit")
    return EditCadence(cid, spec)


def preview_cadence(w: Words) -> Command:
    if not w.done() and CADENCE_ID.match(w.peek_word() or "-"):
        cid = read_cadence_id(w, "preview", "/nudge preview c3")
        expect_end(w, "/nudge preview c3", "preview")
        return PreviewCadence(cid, CadenceSpec())
    spec = read_cadence_spec(w, example="/nudge preview weekdays at 07:30 to #ward-7")
    if spec.times is None and spec.cron is None:
        raise ParseError(
            "Preview which cadence? Give its number, or the days and times of a new one.",
            "/nudge preview c3",
            "preview",
        )
    return PreviewCadence(None, spec)


def list_cadences(w: Words) -> Command:
    """Filters and a page, in any order: ``list mine paused team ward-7 page 2``."""
    example = "/nudge list mine paused team ward-7 page 2"
    found = ListCadences()
    while not w.done():
        word = w.peek_word()
        if word in ("mine", "my", "me"):
            w.take()
            found = replace(found, mine=True)
        elif word == "paused":
            w.take()
            found = replace(found, paused=True)
        elif word == "page":
            w.take()
            found = replace(found, page=read_page(w, example, "list"))
        else:
            w.skip("team", "for", "of")
            found = replace(found, team=read_team(w, example))
    return found


def cadence_verb(verb: CadenceVerbName) -> Handler:
    def handler(w: Words) -> Command:
        cid = read_cadence_id(w, verb, f"/nudge {verb} c3")
        expect_end(w, f"/nudge {verb} c3", verb)
        return CadenceVerb(verb, cid)

    return handler


def read_cadence_spec(w: Words, *, example: str) -> CadenceSpec:
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
    kind: CadenceKind | None = None

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
                    "audience",
                )
        elif word == "at":
            w.take()
            if w.peek_word() in ("their", "local", "each"):
                local_time = _take_local(w)
            else:
                with _about("times"):
                    times = read_times(w, example)
        elif word == "every" or is_days(word):
            with _about("days"):
                days = read_days(w, example)
        elif word in ("tz", "timezone", "zone", "in"):
            w.take()
            if word == "in" and isinstance(w.peek(), ChannelRef):
                channel = _take_channel(w)
                continue
            with _about("tz"):
                tz = read_timezone(
                    w.take_word() if not w.done() else "", f"{example} tz Europe/London"
                )
        elif word in ("local", "their", "each"):
            local_time = _take_local(w)
        elif word in ("sends", "send", "sending"):
            w.take()
            kind = _read_kind(w, example)
        elif word in ("theme", "about"):
            w.take()
            if w.peek_word() in _KINDS:
                # "theme digest" and "theme unseen" chose a kind before there was "sends":
                # still understood, so that nobody's habit breaks.
                kind = _KINDS[w.take_word().lower()]
            else:
                with _about("theme"):
                    theme = read_theme(w, example)
        elif word == "team":
            w.take()
            team = read_team(w, example)
        elif word == "cron":
            w.take()
            with _about("times"):
                cron = read_cron(w)
        elif word in _FILLERS:
            w.take()
        elif parse_time(word) is not None:
            with _about("times"):
                times = read_times(w, example)
        else:
            raise ParseError(
                f"I didn't understand '{short(arg_text(w.take()))}'.", example, "create"
            )

    if cron is not None and (days is not None or times is not None):
        raise ParseError(
            "Use either days and times or a cron expression, not both.",
            '/nudge create cron "30 7 * * 1-5" to #ward-7',
            "create",
            "times",
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
        kind=kind,
    )


@contextmanager
def _about(field: Field) -> Iterator[None]:
    """A problem met while reading one clause of a cadence is about that clause's field."""
    try:
        yield
    except ParseError as exc:
        exc.field = exc.field or field
        raise


def _read_kind(w: Words, example: str) -> CadenceKind:
    word = w.take_word().lower() if not w.done() else ""
    if word in _KINDS:
        return _KINDS[word]
    raise ParseError(
        "What should it send? Say 'sends prompts', 'sends digest' (a channel's weekly "
        "shout-outs) or 'sends unseen' (managers only).",
        "/nudge create fridays at 16:00 to #ward-7 sends digest",
        "create",
        "theme",
    )


def _take_channel(w: Words) -> ChannelRef:
    arg = w.take()
    assert isinstance(arg, ChannelRef)
    return arg


def _take_mentions(w: Words) -> list[Mention]:
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


def _take_local(w: Words) -> bool:
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
