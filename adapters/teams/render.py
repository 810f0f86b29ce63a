"""``to_adaptive_card``: the engine's neutral cards as Adaptive Cards for Teams. Pure.

Mentions become ``<at>Name</at>`` with a matching mention entity; text people typed is kept
from forming links, mention tags or HTML (Teams drops anything that reads as a tag, so the
``<team>`` in "join <team>" would vanish). Commands are named as Teams users type them: the
engine's ``/nudge help`` is ``nudge help`` here, since Teams has no slash commands.

The schema version is one constant: 1.5, the highest Teams supports (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/
cards/cards-reference).
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from nudges.edge import (
    Actions,
    Block,
    Bold,
    Card,
    Code,
    ContextLine,
    Divider,
    Fields,
    Heading,
    Inline,
    Link,
    Mention,
    Text,
)

PLATFORM = "teams"
VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_TEXT = 4000
_MARKDOWN = re.compile(r"([\\`*_\[\]~])")
_TAGS = re.compile(r"<(?=[/!?A-Za-z])")
_GUILLEMET = "\u2039"  # a look-alike "<" that Teams never reads as the start of a tag
_CLOSE = "\u203a"  # and its ">"
UNNAMED = "a colleague"
_LINKABLE = re.compile(r"(?:https?://|mailto:)\S+", re.IGNORECASE)
_SLASH_COMMANDS = re.compile(r"(?<![\w/.:])/(nudge|shoutout|pause)\b")


def to_adaptive_card(card: Card) -> dict[str, Any]:
    entities: list[dict[str, Any]] = []
    body: list[dict[str, Any]] = []
    separate = False
    for block in card.blocks:
        element = _element(block, entities)
        if element is None:
            separate = True
            continue
        if separate:
            element["separator"] = True
            separate = False
        body.append(element)
    result: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": _SLASH_COMMANDS.sub(r"\1", card.fallback_text)[:MAX_TEXT],
        "body": body,
        "msteams": {"width": "Full"},
    }
    if entities:
        result["msteams"]["entities"] = entities
    return result


def submitted(data: Any) -> tuple[str, str] | None:
    """The (action, value) a pressed button carried, from Teams' ``Action.Submit`` data."""
    if isinstance(data, dict) and isinstance(data.get("carenudge"), str):
        return data["carenudge"], str(data.get("value", ""))
    return None


def _element(block: Block, entities: list[dict[str, Any]]) -> dict[str, Any] | None:
    match block:
        case Heading(text=heading):
            return {
                "type": "TextBlock",
                "text": _escape(heading),
                "size": "Medium",
                "weight": "Bolder",
                "wrap": True,
            }
        case Text(parts=parts):
            return {"type": "TextBlock", "text": _inline(parts, entities), "wrap": True}
        case Fields(pairs=pairs):
            return {
                "type": "FactSet",
                "facts": [
                    {"title": _escape(label), "value": _escape(value)} for label, value in pairs
                ],
            }
        case ContextLine(parts=parts):
            return {
                "type": "TextBlock",
                "text": _inline(parts, entities),
                "wrap": True,
                "isSubtle": True,
                "size": "Small",
            }
        case Actions(buttons=buttons):
            return {
                "type": "ActionSet",
                "actions": [
                    {
                        "type": "Action.Submit",
                        "title": button.label,
                        "style": "positive" if button.primary else "default",
                        "data": {"carenudge": button.action.value, "value": button.value},
                    }
                    for button in buttons
                ],
            }
        case Divider():
            return None
        case Code(text=code):
            return {
                "type": "TextBlock",
                "text": _escape(code),
                "wrap": True,
                "fontType": "Monospace",
            }
        case _:
            assert_never(block)


def _inline(parts: tuple[Inline, ...], entities: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for part in parts:
        match part:
            case str():
                out.append(_escape(part))
            case Bold(text=t):
                out.append(f"**{_escape(t)}**" if t.strip() else _escape(t))
            case Link(url=url, text=t) if _LINKABLE.fullmatch(url):
                out.append(f"[{_escape(t)}]({url.replace(')', '%29')})")
            case Link(text=t):
                out.append(_escape(t))  # not a web or mail address: its words only
            case Mention(member=member, name=name):
                if not name or name == member.user_id:
                    name = UNNAMED  # known by id alone: an id is no name for a person
                if member.platform == PLATFORM:
                    tag = f"<at>{_escape(name)}</at>"
                    entities.append(
                        {
                            "type": "mention",
                            "text": tag,
                            "mentioned": {"id": member.user_id, "name": name},
                        }
                    )
                    out.append(tag)
                else:
                    out.append(_escape(f"@{name}"))
            case _:
                assert_never(part)
    return "".join(out)[:MAX_TEXT]


def _escape(text: str) -> str:
    """Text shows as written: no markdown links or emphasis, no mention tags or other HTML, and
    commands without the slash."""
    text = _SLASH_COMMANDS.sub(r"\1", text)
    if _TAGS.search(text):
        text = _TAGS.sub(_GUILLEMET, text).replace(">", _CLOSE)
    return _MARKDOWN.sub(r"\\\1", text)
