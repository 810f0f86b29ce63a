"""``to_block_kit``: the engine's neutral cards as Slack Block Kit. Pure.

Everything a person typed is escaped (``&``, ``<``, ``>``) once, so ``<!channel>`` or ``<@U1>``
typed into a shout-out shows as text and notifies no one; only ``Mention`` values become
``<@U…>`` mentions, and only a ``Link`` to a web or mail address becomes a link. Slack's size
limits are kept by truncating visibly, never by a failed call
(https://api.slack.com/reference/block-kit/blocks).
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

PLATFORM = "slack"
MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTONS = 25
MAX_BUTTON_LABEL = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000
MORE = "…"
_LINKABLE = re.compile(r"(?:https?://|mailto:)\S+", re.IGNORECASE)


def to_block_kit(card: Card) -> dict[str, Any]:
    """``{"blocks": [...], "text": fallback}`` for chat.postMessage and chat.update."""
    blocks = [_block(block, index) for index, block in enumerate(card.blocks)]
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], _context("(There's more than Slack can show here.)")]
    return {"blocks": blocks, "text": clip(escape(card.fallback_text), MAX_FALLBACK)}


def action_id(action: str, index: int) -> str:
    """Slack wants action ids unique within a message; ours carry the engine verb first."""
    return f"{action}#{index}"


def verb_of(slack_action_id: str) -> str:
    return slack_action_id.split("#", 1)[0]


def _block(block: Block, index: int) -> dict[str, Any]:
    match block:
        case Heading(text=heading):
            return {
                "type": "header",
                "text": {"type": "plain_text", "text": clip(heading, MAX_HEADER), "emoji": True},
            }
        case Text(parts=parts):
            return {"type": "section", "text": _mrkdwn(clip(inline(parts), MAX_SECTION))}
        case Fields(pairs=pairs):
            shown = [
                _mrkdwn(clip(f"*{escape(label)}*\n{escape(value)}", MAX_FIELD))
                for label, value in pairs[:MAX_FIELDS]
            ]
            return {"type": "section", "fields": shown}
        case ContextLine(parts=parts):
            return _context(inline(parts), escaped=True)
        case Actions(buttons=buttons):
            elements: list[dict[str, Any]] = []
            for i, button in enumerate(buttons[:MAX_BUTTONS]):
                element: dict[str, Any] = {
                    "type": "button",
                    "text": {
                        "type": "plain_text",
                        "text": clip(button.label, MAX_BUTTON_LABEL),
                        "emoji": True,
                    },
                    "action_id": action_id(button.action.value, index * MAX_BUTTONS + i),
                    "value": button.value[:MAX_VALUE],
                }
                if button.primary:
                    element["style"] = "primary"
                elements.append(element)
            return {"type": "actions", "elements": elements}
        case Divider():
            return {"type": "divider"}
        case Code(text=code):
            # Preformatted rich text: shown exactly, with no mrkdwn to escape or misread.
            return {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_preformatted",
                        "elements": [{"type": "text", "text": clip(code, MAX_SECTION)}],
                    }
                ],
            }
        case _:
            assert_never(block)


def _context(text: str, *, escaped: bool = False) -> dict[str, Any]:
    body = text if escaped else escape(text)
    return {"type": "context", "elements": [_mrkdwn(clip(body, MAX_FIELD))]}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text or " ", "verbatim": True}


def inline(parts: tuple[Inline, ...]) -> str:
    """Inline parts as mrkdwn: text escaped, mentions as ``<@U…>``, bold as ``*…*``."""
    out: list[str] = []
    for part in parts:
        match part:
            case str():
                out.append(escape(part))
            case Bold(text=t):
                out.append(f"*{escape(t)}*" if t.strip() else escape(t))
            case Link(url=url, text=t) if _LINKABLE.fullmatch(url):
                out.append(f"<{escape(url).replace('|', '%7C')}|{escape(t).replace('|', '¦')}>")
            case Link(text=t):
                # Not a web or mail address: its words only, since <…> might say @ or !.
                out.append(escape(t))
            case Mention(member=member, name=name):
                if member.platform == PLATFORM and member.user_id.isalnum():
                    out.append(f"<@{member.user_id}>")
                else:
                    out.append(escape(f"@{name}"))
            case _:
                assert_never(part)
    return "".join(out)


def escape(text: str) -> str:
    """Slack's three control characters (https://api.slack.com/reference/surfaces/formatting)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in … when cut; never inside an escape or mention."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(MORE)]
    for opener, closer in (("&", ";"), ("<", ">")):
        start = cut.rfind(opener)
        if start != -1 and cut.find(closer, start) == -1:
            cut = cut[:start]
    return cut + MORE
