"""What a shout-out's words say: the behaviour they suggest, whether they are too vague to
mean much, and the text the privacy guard and a reader go by. Pure."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from nudges.model import SHOUTOUT_BEHAVIOURS, Behaviour, TypedText, typed_plain


@cache
def _vocabulary() -> tuple[frozenset[str], dict[Behaviour, tuple[str, ...]]]:
    raw = tomllib.loads(
        resources.files("nudges").joinpath("shoutouts.toml").read_text(encoding="utf-8")
    )
    hints = {Behaviour(name): tuple(words) for name, words in raw["hints"].items()}
    return frozenset(raw["generic"].split()), hints


def suggest(text: str) -> Behaviour:
    """The behaviour a shout-out's words suggest (Helping if nothing stands out)."""
    lowered = text.lower()
    hits = {b: sum(lowered.count(h) for h in hints) for b, hints in _vocabulary()[1].items()}
    best = max(SHOUTOUT_BEHAVIOURS, key=lambda b: (hits[b], -SHOUTOUT_BEHAVIOURS.index(b)))
    return best if hits[best] else Behaviour.HELPING


def is_vague(text: str) -> bool:
    """Too short, or only generic thanks: no effort named."""
    # Words in any script ("dziękuję", "شكرا"), not only English letters.
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)*", text.lower())
    return len(words) < 5 or all(w in _vocabulary()[0] for w in words)


def plain_text(words: TypedText) -> str:
    """The words, links with their addresses: everything the privacy guard must read."""
    return typed_plain(words)


def read_text(words: TypedText) -> str:
    """The words as a reader sees them (a link's words, not its address): what a tip and a
    suggested tag go by."""
    return typed_plain(words, addresses=False)
