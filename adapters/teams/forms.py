"""The Teams form for a new cadence: an Adaptive Card with inputs, for managers who would rather
pick than type. ``nudge create`` (with nothing after it) sends the form; Preview shows the
engine's preview with Save; Save creates the cadence. Its answers become the same command words
a person could type, so the engine's one command language decides everything. Pure."""

from __future__ import annotations

import secrets
from typing import Any

from adapters.teams.render import SCHEMA, VERSION, to_adaptive_card
from nudges.edge import (
    WEEKDAYS,
    Arg,
    Behaviour,
    Card,
    ChannelRef,
    Context,
    Conversation,
)

FORM = "nudge.form"
"""The data tag of the form's own buttons (not an engine action: the adapter handles it)."""
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def wants_form(words: tuple[Arg, ...]) -> bool:
    """``nudge create`` or ``nudge new`` with nothing after it."""
    return len(words) == 1 and isinstance(words[0], str) and words[0].lower() in ("create", "new")


def _choice(title: str, value: str) -> dict[str, str]:
    return {"title": title, "value": value}


MAX_TEAM_CHOICES = 60
"""Teams to choose from in the form; beyond, the team is typed (each choice of a 40-character
name costs about 200 bytes of the 28 KB a Teams message may carry)."""


def cadence_form(
    tz: str, teams: list[str], channel: Conversation | None, channel_name: str
) -> dict[str, Any]:
    audiences = [
        _choice("Everyone who joined the team, by direct message", "team"),
        _choice("Just me, by direct message", "me"),
    ]
    if channel is not None:
        audiences.insert(0, _choice(f"This channel ({channel_name or 'the channel'})", "here"))
    themes = [_choice("A mix of all six", "mixed")]
    themes += [_choice(b.label, b.value) for b in Behaviour]
    themes += [_choice(c.label.capitalize(), c.value) for c in Context]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": "New cadence", "size": "Medium", "weight": "Bolder"},
        {
            "type": "Input.ChoiceSet",
            "id": "audience",
            "label": "Who gets it",
            "choices": audiences,
            "value": audiences[0]["value"],
            "isRequired": True,
        },
        {
            "type": "Input.ChoiceSet",
            "id": "days",
            "label": "Days",
            "isMultiSelect": True,
            "style": "expanded",
            "choices": [
                _choice(label, day) for label, day in zip(_DAY_LABELS, WEEKDAYS, strict=True)
            ],
            "value": ",".join(WEEKDAYS[:5]),
        },
        {
            "type": "Input.Text",
            "id": "times",
            "label": "Time of day (24-hour; at most once a day)",
            "value": "07:30",
            "isRequired": True,
        },
        {
            "type": "Input.Toggle",
            "id": "local",
            "title": "At each person's own local time",
            "valueOn": "local",
            "valueOff": "",
            "value": "",
        },
        {"type": "Input.Text", "id": "tz", "label": "Time zone", "value": tz},
        {
            "type": "Input.ChoiceSet",
            "id": "theme",
            "label": "Theme",
            "choices": themes,
            "value": "mixed",
        },
    ]
    if len(teams) > MAX_TEAM_CHOICES:
        # Every team a choice would pass Teams' 28 KB for a message: the team is typed.
        body.append(
            {
                "type": "Input.Text",
                "id": "team",
                "label": "Team",
                "value": teams[0],
                "maxLength": 40,
            }
        )
        body.append(
            {
                "type": "TextBlock",
                "text": f"You manage {len(teams)} teams, too many to list here: type its name.",
                "wrap": True,
                "isSubtle": True,
                "size": "Small",
            }
        )
    elif len(teams) > 1:
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": "team",
                "label": "Team",
                "choices": [_choice(t, t) for t in teams],
                "value": teams[0],
            }
        )
    body.append(
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Preview",
                    "style": "positive",
                    "data": {
                        "carenudge": FORM,
                        "value": "preview",
                        "channel": channel.channel_id if channel else "",
                        "name": channel_name,
                    },
                },
            ],
        }
    )
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": "New cadence",
        "body": body,
    }


def form_words(answers: dict[str, Any], where: Conversation, channel_name: str) -> list[Arg]:
    """The /nudge create words (after the verb) that the form's answers amount to."""
    words: list[Arg] = []
    days = str(answers.get("days") or "").strip()
    if days:
        words.append(days)
    times = [t.strip() for t in str(answers.get("times") or "").split(",") if t.strip()]
    words.append("at")
    for index, at in enumerate(times):
        words.extend(("and", at) if index else (at,))
    audience = str(answers.get("audience") or "team")
    if audience == "here":
        words.extend(("to", ChannelRef(where, channel_name)))
    else:
        words.extend(("to", "me" if audience == "me" else "team"))
    if answers.get("local") == "local":
        words.extend(("local", "time"))
    tz = str(answers.get("tz") or "").strip()
    if tz:
        words.extend(("tz", tz))
    theme = str(answers.get("theme") or "").strip()
    if theme:
        words.extend(("theme", theme))
    team = str(answers.get("team") or "").strip()
    if team:
        words.extend(("team", team))
    return words


def with_save(preview: Card, words: list[Arg], answers: dict[str, Any]) -> dict[str, Any]:
    """The engine's preview, with a Save button carrying the words to save."""
    card = to_adaptive_card(preview)
    card["body"].append(
        {
            "type": "ActionSet",
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Save",
                    "style": "positive",
                    "data": {
                        "carenudge": FORM,
                        "value": "save",
                        "saving": secrets.token_hex(8),
                        "words": [_encode(w) for w in words],
                        "channel": answers.get("channel", ""),
                        "name": answers.get("name", ""),
                    },
                },
            ],
        }
    )
    return card


def saved_words(answers: dict[str, Any], where: Conversation) -> list[Arg]:
    return [_decode(w, where) for w in answers.get("words") or []]


def _encode(word: Arg) -> Any:
    if isinstance(word, ChannelRef):
        return {"channel": word.name}
    return word if isinstance(word, str) else str(word)


def _decode(word: Any, where: Conversation) -> Arg:
    if isinstance(word, dict) and "channel" in word:
        return ChannelRef(where, str(word["channel"]))
    return str(word)
