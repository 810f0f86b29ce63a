"""6. The identifier guard: how long it takes over a typical text, and how often it is right
on the case tables (the main one, and a held-out one written apart from it and never tuned on;
see ``tests/nudges/test_privacy_table.py``).

Baseline from the same run: the NHS-number check on its own (one regular expression over the
text), to show what the rest of the guard costs beside the cheapest of its checks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date

from benchmarks.report import Bench, Figure
from nudges import privacy
from nudges.privacy import lexicon
from tests.nudges import privacy_cases, privacy_holdout_2
from tests.nudges.test_privacy_table import Score, score

TARGET_US = 100.0
TODAY = date(2026, 12, 3)


def _per_text(texts: Sequence[str], check: Callable[[str], object], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            check(text)
    return (time.perf_counter() - started) / (rounds * len(texts)) * 1e6


async def run(bench: Bench) -> list[Figure]:
    section = "6 guard"
    texts = [t for t, _ in privacy_cases.CAUGHT] + list(privacy_cases.LEFT_ALONE)
    rounds = bench.size(50, 3)
    lexicon.is_english.cache_clear()
    lexicon.is_name.cache_clear()
    cold = _per_text(texts, lambda t: privacy.check(t, TODAY), 1)
    warm = _per_text(texts, lambda t: privacy.check(t, TODAY), rounds)
    nhs = _per_text(texts, lambda t: privacy._nhs_numbers(t, TODAY.year), rounds)
    main: Score = score(privacy_cases.CAUGHT, privacy_cases.LEFT_ALONE, TODAY)
    held: Score = score(privacy_holdout_2.CAUGHT, privacy_holdout_2.LEFT_ALONE, TODAY)
    return [
        Figure(
            section,
            "guard per text, words cached",
            warm,
            "µs",
            nhs,
            "the NHS-number check alone",
            f"< {TARGET_US:g} µs",
            warm < TARGET_US,
        ),
        Figure(section, "guard per text, first sight", cold, "µs", nhs, "the NHS-number check"),
        Figure(section, "precision, main table", main.precision, "", held.precision, "held out"),
        Figure(section, "recall, main table", main.recall, "", held.recall, "held out"),
    ]
