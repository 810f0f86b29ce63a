"""Cards as plain text for a terminal, with every button numbered so it can be pressed."""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

from nudges.edge import (
    Actions,
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

Number = Callable[[int], int]
"""Given a button's index in the card, the number a person types to press it."""


def to_lines(card: Card, number: Number) -> list[str]:
    lines: list[str] = []
    index = 0
    for block in card.blocks:
        match block:
            case Heading(text=heading):
                lines.append(f"** {heading} **")
            case Text(parts=parts):
                lines.append(_inline(parts))
            case ContextLine(parts=parts):
                lines.append(f"  ({_inline(parts)})")
            case Fields(pairs=pairs):
                width = max(len(label) for label, _ in pairs)
                lines.extend(f"  {label.ljust(width)}  {value}" for label, value in pairs)
            case Actions(buttons=buttons):
                shown = []
                for button in buttons:
                    shown.append(f"[{number(index)}: {button.label}]")
                    index += 1
                lines.append(" ".join(shown))
            case Divider():
                lines.append("-" * 20)
            case Code(text=code):
                lines.extend(f"  {line}" for line in code.splitlines())
            case _:
                assert_never(block)
    return lines


def _inline(parts: tuple[Inline, ...]) -> str:
    out = []
    for part in parts:
        match part:
            case str():
                out.append(part)
            case Bold(text=t):
                out.append(t)
            case Link(url=url, text=t):
                out.append(f"{t} <{url}>")
            case Mention(name=name):
                out.append(f"@{name}")
            case _:
                assert_never(part)
    return "".join(out)
