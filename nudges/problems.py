"""What someone is told when their words cannot be acted on as they are: the problem, an
example to try, and their own words given back, for them alone, to change and send again."""

from __future__ import annotations

from nudges.cards import Card, ContextLine, Heading, Inline, Text, plain
from nudges.errors import ParseError


def problem_card(exc: ParseError) -> Card:
    hint = f"More: /nudge help {exc.topic}" if exc.topic else "More: /nudge help"
    return Card(
        (
            Heading("I didn't quite get that"),
            Text((exc.problem,)),
            Text(("Try: ", exc.example)),
            *given_back(exc.yours),
            ContextLine((hint,)),
        ),
        f"{exc.problem} Try: {exc.example}",
    )


YOURS_MOST, YOURS_BLOCK = 2000, 600
"""The most of someone's words given back (a shout-out may have 500 characters), in pieces
of at most 600 characters, ending between words: room on every platform even for text its
renderer must escape (Slack's "&amp;" is five), but not for all of a 40,000-character paste."""


def given_back(typed: tuple[Inline, ...]) -> tuple[Text | ContextLine, ...]:
    """What the person typed, given back only to them to change and send again; of a very
    long text the start, and how much more there was."""
    if not typed:
        return ()
    pieces: list[list[Inline]] = [[]]
    used = shown = 0
    for part in typed:
        if shown >= YOURS_MOST:
            break
        if not isinstance(part, str):
            pieces[-1].append(part)
            used, shown = used + _length((part,)), shown + _length((part,))
            continue
        while part and shown < YOURS_MOST:
            if used >= YOURS_BLOCK:
                pieces.append([])
                used = 0
            piece = part[: min(YOURS_BLOCK - used, YOURS_MOST - shown)]
            if len(piece) < len(part) and " " in piece.strip():
                piece = piece[: piece.rstrip().rindex(" ") + 1]  # a piece ends between words
            part = part[len(piece) :]
            pieces[-1].append(piece)
            shown += len(piece)
            used = YOURS_BLOCK if part else used + len(piece)  # the rest starts a new piece
    given: list[Text | ContextLine] = [
        Text(("Your words, to change and send again (only you can see this):",)),
        *(Text(tuple(piece)) for piece in pieces),
    ]
    left = _length(typed) - shown
    if left > 0:
        given.append(
            ContextLine((f"That's the start of them: {left:,} more characters didn't fit here.",))
        )
    return tuple(given)


def _length(parts: tuple[Inline, ...]) -> int:
    return sum(len(p) if isinstance(p, str) else len(plain(Card((Text((p,)),), ""))) for p in parts)
