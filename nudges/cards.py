"""The neutral message model: the only thing the engine sends.

Text is data, not markup. Renderers in each adapter escape it and emit their own syntax
(Block Kit mrkdwn, Adaptive Card text and mention entities), so nothing a person types can
become a ping or a link the engine did not intend.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, assert_never

from nudges.model import Link as Link
from nudges.model import Mention as Mention
from nudges.model import link_text


class Action(StrEnum):
    """Engine verbs a button can carry; adapters round-trip them unchanged."""

    PROMPT_DONE = "prompt.done"
    PROMPT_SNOOZE = "prompt.snooze"
    PROMPT_NOT_FOR_ME = "prompt.not_for_me"
    CADENCE_RESTORE = "cadence.restore"
    CADENCE_RESUME = "cadence.resume"
    PROMPT_RESTORE = "prompt.restore"
    SHOUTOUT_POST = "shoutout.post"
    SHOUTOUT_TAG = "shoutout.tag"
    PAUSE_JOIN = "pause.join"
    PAUSE_POST = "pause.post"
    FORGET_ME = "rights.forget"
    """Erase everything held about the person who pressed it (after ``/nudge forget me``)."""
    RUN_COMMAND = "nudge.run"
    """A shortcut button whose value is a /nudge command, run as the person who pressed it."""


@dataclass(frozen=True, slots=True)
class Bold:
    text: str


Inline = str | Bold | Link | Mention


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Text:
    parts: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Fields:
    """Label and value pairs, shown as a compact two-column list."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ContextLine:
    """A small, quiet line under the main text (tags, hints)."""

    parts: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: Action
    value: str
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Actions:
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Code:
    """Text shown exactly as it is, in a fixed-width font (a person's data as JSON). At most
    ``MAX_CODE`` characters: longer text goes in several blocks, or several messages."""

    text: str


MAX_CODE = 2000
"""Four of them, escaped, fit one Teams message (28 KB as UTF-16) with room to spare."""


Block = Heading | Text | Fields | ContextLine | Actions | Divider | Code


@dataclass(frozen=True, slots=True)
class Card:
    """A message: blocks, and the plain text that notifications and screen readers show."""

    blocks: tuple[Block, ...]
    fallback_text: str


Status = Literal["ok", "refused", "invalid", "unavailable", "error"]
"""How a request went: done; politely refused; not understood or not found; Redis away;
our fault."""

Field = Literal["audience", "days", "times", "tz", "theme", "recipients", "words"]
"""The part of a cadence or a shout-out a problem is about, so that a form can show it under
its field: for a cadence, who gets it, on which days, at what times, in which time zone, about
what; for a shout-out, who it recognises, and its words."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The engine's answer to whoever acted. ``private`` replies are seen only by them;
    ``field`` is the part of what they asked that a problem is about, if it is one part."""

    card: Card
    private: bool = True
    status: Status = "ok"
    field: Field | None = None


def text(*parts: Inline) -> Text:
    return Text(tuple(parts))


def plain(card: Card) -> str:
    """The card as plain text, for transcripts, logs of structure and tests."""
    lines: list[str] = []
    for block in card.blocks:
        match block:
            case Heading(text=heading):
                lines.append(heading)
            case Text(parts=parts) | ContextLine(parts=parts):
                lines.append("".join(_inline_plain(p) for p in parts))
            case Fields(pairs=pairs):
                lines.extend(f"{label}: {value}" for label, value in pairs)
            case Actions(buttons=buttons):
                lines.append("  ".join(f"[{b.label}]" for b in buttons))
            case Divider():
                lines.append("---")
            case Code(text=code):
                lines.append(code)
            case _:
                assert_never(block)
    return "\n".join(lines)


def _inline_plain(part: Inline) -> str:
    match part:
        case str():
            return part
        case Bold(text=t):
            return t
        case Link():
            return link_text(part)
        case Mention(name=name):
            return f"@{name}"
        case _:
            assert_never(part)
