"""Word lists the guard looks words up in, kept as one sorted block of text each.

A frozenset of the 119,000 English words would cost about 10 MB in every replica; a sorted
block costs its own size (1.2 MB) and a lookup is a binary search over lines, a few
microseconds. The guard only looks up the few words that sit next to a bed or bay.
"""

from __future__ import annotations

import gzip
from functools import cache, lru_cache
from importlib import resources


class Lexicon:
    """A sorted list of lower-case words, one per line, searched without splitting it."""

    def __init__(self, blob: bytes) -> None:
        self._blob = b"\n" + blob + b"\n"

    def __contains__(self, word: str) -> bool:
        target = word.encode("utf-8")
        blob = self._blob
        lo, hi = 0, len(blob) - 1  # blob[lo] and blob[hi] are newlines
        while lo < hi:
            mid = blob.rfind(b"\n", lo, (lo + hi) // 2 + 1)
            end = blob.index(b"\n", mid + 1)
            if mid == lo and end == hi:  # one line left
                return blob[mid + 1 : end] == target
            line = blob[mid + 1 : end]
            if line == target:
                return True
            if line < target:
                lo = end
            else:
                hi = mid if mid > lo else end
                if hi == end:  # the first line is greater: compare it and stop
                    return False
        return False


@cache
def load(name: str) -> Lexicon:
    """One of the lists in this package, read once per process."""
    data = resources.files("nudges.privacy").joinpath(name).read_bytes()
    return Lexicon(gzip.decompress(data))


# Ward talk repeats its words, so most lookups are answered from here in well under a
# microsecond; 8,192 entries cost about 1 MB.
@lru_cache(maxsize=8192)
def is_english(word: str) -> bool:
    """Whether a lower-case word is English (SCOWL, British and American, large)."""
    return word in load("english.txt.gz")


@lru_cache(maxsize=8192)
def is_name(word: str) -> bool:
    """Whether a lower-case word is one SCOWL lists only with a capital: mostly given names and
    surnames."""
    return word in load("names.txt.gz")


@cache
def ward_words() -> frozenset[str]:
    """Our own list of ward words SCOWL lacks (norovirus, cannula, obs), never names."""
    text = resources.files("nudges.privacy").joinpath("ward-words.txt").read_text("utf-8")
    return frozenset(w for w in text.split("\n") if w and not w.startswith("#"))


@lru_cache(maxsize=4096)
def is_name_too(word: str) -> bool:
    """Whether a lower-case English word is also a name (Ivy, Rose, Will)."""
    return word in load("names-also-words.txt.gz")
