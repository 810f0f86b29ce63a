"""The words of a command: splitting typed text, and a cursor the readers move along."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from nudges.cards import Link, Mention
from nudges.commands import (
    Command,
)
from nudges.errors import ParseError
from nudges.events import Arg
from nudges.model import (
    Behaviour,
    Context,
    link_text,
)

_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c"}

# Terminal escape sequences (colour, cursor moves, window titles), as typed or pasted.
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]"
)
# Control characters, and the invisible marks that reorder or hide text (bidirectional
# overrides and isolates, zero-width spaces, a byte-order mark). Joiners stay: emoji and
# several scripts need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def clean(text: str) -> str:
    """Text a person typed, without escape sequences or control characters: what is stored
    and shown is what they could see when they typed it. Tabs become spaces, line breaks
    stay."""
    text = _ESCAPES.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _INVISIBLE.sub("", text)


def tokenize(text: str) -> list[str]:
    """Split on whitespace, keeping "double-quoted phrases" whole (straight or curly quotes),
    after cleaning the text of control characters and escape sequences."""
    text = clean(text)
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _QUOTES:
            close = text.find(_QUOTES[ch], i + 1)
            if close < 0 and ch != '"':
                close = text.find('"', i + 1)
            end = n if close < 0 else close
            words.append(text[i + 1 : end].strip())
            i = end + 1
        else:
            j = i
            while j < n and not text[j].isspace():
                j += 1
            words.append(text[i:j])
            i = j
    return [w for w in words if w]


Handler = Callable[["Words"], Command]


class Words:
    """A cursor over a command's words."""

    def __init__(self, args: Sequence[Arg]) -> None:
        self.args = list(args)
        self.i = 0

    def done(self) -> bool:
        return self.i >= len(self.args)

    def peek(self) -> Arg | None:
        return None if self.done() else self.args[self.i]

    def peek_word(self) -> str:
        arg = self.peek()
        return arg.lower() if isinstance(arg, str) else ""

    def take(self) -> Arg:
        arg = self.args[self.i]
        self.i += 1
        return arg

    def take_word(self) -> str:
        arg = self.take() if not self.done() else ""
        return arg if isinstance(arg, str) else arg_text(arg)

    def rest(self) -> list[Arg]:
        rest = self.args[self.i :]
        self.i = len(self.args)
        return rest

    def skip(self, *fillers: str) -> None:
        while self.peek_word() in fillers and not self.done():
            self.i += 1


def arg_text(arg: Arg) -> str:
    if isinstance(arg, str):
        return arg
    if isinstance(arg, Mention):
        return f"@{arg.name}"
    if isinstance(arg, Link):
        return link_text(arg)
    return f"#{arg.name}"


def short(word: str) -> str:
    return word if len(word) <= 30 else word[:29] + "…"


def expect_end(w: Words, example: str, topic: str) -> None:
    if not w.done():
        extra = " ".join(arg_text(a) for a in w.args[w.i : w.i + 3])
        raise ParseError(f"I didn't expect '{short(extra)}' there.", example, topic)


def choices(kind: type[Behaviour] | type[Context]) -> str:
    return ", ".join(k.value for k in kind)
