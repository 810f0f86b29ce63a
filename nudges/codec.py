"""Versioned JSON for what the engine keeps in Redis: cadences, member settings, prompts.

Every payload carries ``"v"`` so that a later release can migrate it. The JSON is plain on
purpose: an operator can read it with ``redis-cli GET carenudge:cadence:c3``.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from nudges.errors import CodecError
from nudges.model import (
    Audience,
    Behaviour,
    Budget,
    Cadence,
    CadenceKind,
    ChannelAudience,
    ChannelRef,
    Context,
    Conversation,
    ConversationKind,
    CronSchedule,
    Link,
    MemberRef,
    MembersAudience,
    MemberSettings,
    Mention,
    MessageRef,
    Pause,
    Prompt,
    QuietHours,
    Schedule,
    Shift,
    ShiftMoment,
    ShiftPattern,
    Shoutout,
    TeamAudience,
    Theme,
    TypedText,
    WeeklySchedule,
    Workspace,
)

VERSION = 1


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps({"v": VERSION, **payload}, separators=(",", ":"), ensure_ascii=False)


def loads(raw: str | bytes) -> dict[str, Any]:
    """A stored payload, checked for its version.

    Raises:
        CodecError: Not JSON, or not a version this release reads.
    """
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise CodecError(f"not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise CodecError(
            f"unsupported payload version: {data.get('v') if isinstance(data, dict) else '?'}"
        )
    return data


# --- cadences -------------------------------------------------------------------------------


def cadence_to_json(cadence: Cadence) -> str:
    return dumps(
        {
            "id": cadence.id,
            "workspace": [cadence.workspace.platform, cadence.workspace.tenant_id],
            "team": cadence.team,
            "schedule": _schedule_out(cadence.schedule),
            "tz": cadence.tz,
            "theme": _theme_out(cadence.theme),
            "audience": _audience_out(cadence.audience),
            "local_time": cadence.local_time,
            "paused": cadence.paused,
            "created_by": cadence.created_by.key,
            "created_at": cadence.created_at.isoformat(),
            "revision": cadence.revision,
            "kind": cadence.kind.value,
        }
    )


def cadence_from_json(raw: str | bytes) -> Cadence:
    d = loads(raw)
    try:
        return Cadence(
            id=d["id"],
            workspace=Workspace(*d["workspace"]),
            team=d["team"],
            schedule=_schedule_in(d["schedule"]),
            tz=d["tz"],
            theme=theme_in(d["theme"]),
            audience=_audience_in(d["audience"]),
            created_by=MemberRef.from_key(d["created_by"]),
            created_at=datetime.fromisoformat(d["created_at"]),
            local_time=bool(d.get("local_time", False)),
            paused=bool(d.get("paused", False)),
            revision=int(d.get("revision", 1)),
            kind=CadenceKind(d.get("kind", CadenceKind.PROMPTS.value)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"unreadable cadence: {exc}") from exc


def _schedule_out(schedule: Schedule) -> dict[str, Any]:
    if isinstance(schedule, CronSchedule):
        return {"cron": schedule.expression}
    return {
        "days": sorted(schedule.days),
        "times": [
            t.value if isinstance(t, ShiftMoment) else t.strftime("%H:%M") for t in schedule.times
        ],
    }


def _schedule_in(d: dict[str, Any]) -> Schedule:
    if "cron" in d:
        return CronSchedule(d["cron"])
    times = tuple(
        ShiftMoment(t) if t in ShiftMoment.__members__.values() else time.fromisoformat(t)
        for t in d["times"]
    )
    return WeeklySchedule(frozenset(int(x) for x in d["days"]), times)


def _theme_out(theme: Theme) -> str:
    return "mixed" if theme is None else theme.value


def theme_in(value: str) -> Theme:
    """Read a theme name: a behaviour, a context, or "mixed"."""
    if value == "mixed":
        return None
    if value in Behaviour.__members__.values():
        return Behaviour(value)
    return Context(value)


def conversation_out(c: Conversation) -> list[str | None]:
    return [c.platform, c.tenant_id, c.channel_id, c.kind.value, c.thread_id]


def conversation_in(d: list[Any]) -> Conversation:
    return Conversation(d[0], d[1], d[2], ConversationKind(d[3]), d[4])


def _audience_out(audience: Audience) -> dict[str, Any]:
    match audience:
        case ChannelAudience(channel=ChannelRef(conversation=conv, name=name)):
            return {"channel": conversation_out(conv), "name": name}
        case MembersAudience(members=members):
            return {"members": [m.key for m in members]}
        case TeamAudience():
            return {"team": True}


def _audience_in(d: dict[str, Any]) -> Audience:
    if "channel" in d:
        return ChannelAudience(ChannelRef(conversation_in(d["channel"]), d["name"]))
    if "members" in d:
        return MembersAudience(tuple(MemberRef.from_key(k) for k in d["members"]))
    return TeamAudience()


# --- members --------------------------------------------------------------------------------


def _hm(t: time) -> str:
    return t.strftime("%H:%M")


def settings_to_dict(s: MemberSettings) -> dict[str, Any]:
    return {
        "tz": s.tz,
        "quiet": [_hm(s.quiet_hours.start), _hm(s.quiet_hours.end)] if s.quiet_hours else None,
        "quiet_off": s.quiet_off,
        "days": sorted(s.working_days) if s.working_days is not None else None,
        "shift": [s.shift.shift.value, _hm(s.shift.start), _hm(s.shift.end)] if s.shift else None,
        "snoozed_until": s.snoozed_until.isoformat() if s.snoozed_until else None,
        "stopped": s.stopped,
        "budget": [s.budget.per_day, s.budget.per_week] if s.budget else None,
    }


def settings_from_dict(d: dict[str, Any]) -> MemberSettings:
    try:
        quiet = d.get("quiet")
        shift = d.get("shift")
        days = d.get("days")
        snooze = d.get("snoozed_until")
        budget = d.get("budget")
        return MemberSettings(
            tz=d.get("tz"),
            quiet_hours=QuietHours(time.fromisoformat(quiet[0]), time.fromisoformat(quiet[1]))
            if quiet
            else None,
            quiet_off=bool(d.get("quiet_off", False)),
            working_days=frozenset(int(x) for x in days) if days is not None else None,
            shift=ShiftPattern(
                Shift(shift[0]), time.fromisoformat(shift[1]), time.fromisoformat(shift[2])
            )
            if shift
            else None,
            snoozed_until=date.fromisoformat(snooze) if snooze else None,
            stopped=bool(d.get("stopped", False)),
            budget=Budget(int(budget[0]), int(budget[1])) if budget else None,
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise CodecError(f"unreadable member settings: {exc}") from exc


# --- prompts --------------------------------------------------------------------------------


def prompt_to_json(p: Prompt) -> str:
    return dumps(
        {
            "id": p.id,
            "text": p.text,
            "behaviour": p.behaviour.value,
            "contexts": sorted(c.value for c in p.contexts),
            "team": p.team,
        }
    )


def prompt_from_json(raw: str | bytes) -> Prompt:
    d = loads(raw)
    try:
        return Prompt(
            id=d["id"],
            text=d["text"],
            behaviour=Behaviour(d["behaviour"]),
            contexts=frozenset(Context(c) for c in d["contexts"]),
            team=d.get("team"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"unreadable prompt: {exc}") from exc


# --- shout-outs and pauses ------------------------------------------------------------------


def words_out(words: TypedText) -> list[Any]:
    """Typed text as JSON: strings as they are, people as ``{"m", "n"}``, links as
    ``{"u", "t"}``."""
    return [
        w
        if isinstance(w, str)
        else {"m": w.member.key, "n": w.name}
        if isinstance(w, Mention)
        else {"u": w.url, "t": w.text}
        for w in words
    ]


def words_in(raw: list[Any]) -> TypedText:
    return tuple(
        w
        if isinstance(w, str)
        else Link(str(w["u"]), str(w["t"]))
        if "u" in w
        else Mention(MemberRef.from_key(w["m"]), str(w["n"]))
        for w in raw
    )


def _ref_out(ref: MessageRef | None) -> dict[str, Any] | None:
    return None if ref is None else {"c": conversation_out(ref.conversation), "id": ref.message_id}


def _ref_in(raw: dict[str, Any] | None) -> MessageRef | None:
    return None if raw is None else MessageRef(conversation_in(raw["c"]), raw["id"])


def shoutout_to_json(s: Shoutout) -> str:
    return dumps(
        {
            "id": s.id,
            "workspace": [s.workspace.platform, s.workspace.tenant_id],
            "channel": conversation_out(s.channel),
            "giver": s.giver.key,
            "recipients": [r.key for r in s.recipients],
            "words": words_out(s.words),
            "behaviour": s.behaviour.value,
            "private": s.private,
            "given_at": s.given_at.isoformat(),
            "message": _ref_out(s.message),
        }
    )


def shoutout_from_json(raw: str | bytes) -> Shoutout:
    d = loads(raw)
    try:
        return Shoutout(
            id=d["id"],
            workspace=Workspace(*d["workspace"]),
            channel=conversation_in(d["channel"]),
            giver=MemberRef.from_key(d["giver"]),
            recipients=tuple(MemberRef.from_key(k) for k in d["recipients"]),
            words=words_in(d["words"]),
            behaviour=Behaviour(d["behaviour"]),
            private=bool(d["private"]),
            given_at=datetime.fromisoformat(d["given_at"]),
            message=_ref_in(d.get("message")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"unreadable shout-out: {exc}") from exc


def pause_to_json(p: Pause) -> str:
    return dumps(
        {
            "id": p.id,
            "conversation": conversation_out(p.conversation),
            "team": p.team,
            "dedication": p.dedication,
            "silence_s": p.silence_s,
            "started_at": p.started_at.isoformat(),
            "caller": p.caller.key,
            "message": _ref_out(p.message),
            "closed": p.closed,
        }
    )


def pause_from_json(raw: str | bytes) -> Pause:
    d = loads(raw)
    try:
        return Pause(
            id=d["id"],
            conversation=conversation_in(d["conversation"]),
            team=d.get("team"),
            dedication=d.get("dedication", ""),
            silence_s=int(d["silence_s"]),
            started_at=datetime.fromisoformat(d["started_at"]),
            caller=MemberRef.from_key(d["caller"]),
            message=_ref_in(d.get("message")),
            closed=bool(d.get("closed", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CodecError(f"unreadable pause: {exc}") from exc
