"""What people answered in Slack's modals (``modals``), as the same command words a person
could type, so the engine's one command language decides everything. Pure.
"""

from __future__ import annotations

from typing import Any

from nudges.edge import Arg, ChannelRef, Conversation, Link, MemberRef, Mention, clean

PLATFORM = "slack"


def cadence_words(state: dict[str, Any], team_id: str) -> list[Arg]:
    """The /nudge create words (after "create") that the modal's answers amount to."""
    values = state.get("values", {})
    words: list[Arg] = []
    days = [o["value"] for o in _value(values, "days", "selected_options") or []]
    if days:
        words.append(",".join(days))
    times = [t.strip() for t in str(_value(values, "times", "value") or "").split(",")]
    words.extend(("at", *_joined([t for t in times if t])))
    channel = _value(values, "channel", "selected_conversation")
    people = _value(values, "people", "selected_users") or []
    everyone = _value(values, "everyone", "selected_options") or []
    if channel:
        words.extend(
            ("to", ChannelRef(Conversation(PLATFORM, team_id, str(channel)), str(channel)))
        )
    elif people:
        words.append("to")
        words.extend(Mention(MemberRef(PLATFORM, team_id, str(u)), str(u)) for u in people)
    elif everyone:
        words.extend(("to", "team"))
    tz = str(_value(values, "tz", "value") or "").strip()
    if tz:
        words.extend(("tz", tz))
    theme = _value(values, "theme", "selected_option")
    if theme:
        words.extend(("theme", str(theme["value"])))
    team = _value(values, "team", "selected_option") or {"value": _value(values, "team", "value")}
    if team["value"]:
        words.extend(("team", str(team["value"]).strip()))
    return words


def saved_words(metadata: dict[str, Any], team_id: str) -> list[Arg]:
    return [decode(w, team_id) for w in metadata.get("words", [])]


def shoutout_words(state: dict[str, Any], team_id: str) -> list[Arg]:
    values = state.get("values", {})
    words: list[Arg] = [
        Mention(MemberRef(PLATFORM, team_id, str(u)), str(u))
        for u in _value(values, "people", "selected_users") or []
    ]
    words.extend(clean(str(_value(values, "message", "value") or "")).split())
    behaviour = _value(values, "behaviour", "selected_option")
    if behaviour and behaviour["value"] != "suggest":
        words.extend(("behaviour", str(behaviour["value"])))
    if _value(values, "private", "selected_options"):
        words.append("private")
    return words


def encode(word: Arg) -> Any:
    if isinstance(word, Mention):
        return {"m": word.member.user_id}
    if isinstance(word, ChannelRef):
        return {"c": word.conversation.channel_id, "n": word.name}
    if isinstance(word, Link):
        return {"u": word.url, "t": word.text}
    return word


def decode(word: Any, team_id: str) -> Arg:
    if isinstance(word, dict) and "m" in word:
        ident = str(word["m"])
        return Mention(MemberRef(PLATFORM, team_id, ident), ident)
    if isinstance(word, dict) and "c" in word:
        return ChannelRef(Conversation(PLATFORM, team_id, str(word["c"])), str(word["n"]))
    if isinstance(word, dict) and "u" in word:
        return Link(str(word["u"]), str(word["t"]))
    return str(word)


def _value(values: dict[str, Any], block_id: str, key: str) -> Any:
    return (values.get(block_id) or {}).get(block_id, {}).get(key)


def _joined(times: list[str]) -> list[str]:
    out: list[str] = []
    for t in times:
        if out:
            out.append("and")
        out.append(t)
    return out
