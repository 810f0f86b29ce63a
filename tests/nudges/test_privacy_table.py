"""The identifier guard measured on three tables of realistic ward language, each written by
someone who had not seen the guard: the main one (``privacy_cases``, which the guard was tuned
on), a first held-out one (``privacy_holdout``: 0.980 precision and 0.960 recall when first
measured, then the kinds of miss it showed were fixed, so it is now tuned on too) and a second
held-out one (``privacy_holdout_2``, written after the guard's last change and never tuned
on: the honest estimate). Precision and recall are printed for each; each must stay at or above
what it was measured at."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from types import ModuleType

import pytest

from nudges import privacy
from nudges.privacy import Finding
from tests.nudges import privacy_cases, privacy_holdout, privacy_holdout_2

TODAY = date(2026, 12, 3)
KNOWN_MISSES = {
    # A flower's name at the start, where the guard reads words as words.
    "Hyacinth in bed 10 wants the recipe for the cake you brought in",
}


@dataclass(frozen=True, slots=True)
class Score:
    caught: int
    missed: int
    false_alarms: int

    @property
    def precision(self) -> float:
        flagged = self.caught + self.false_alarms
        return self.caught / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.caught / (self.caught + self.missed)


def score(caught: Sequence[tuple[str, Finding]], alone: Sequence[str], today: date) -> Score:
    hits = sum(privacy.check(text, today) is not None for text, _ in caught)
    alarms = sum(privacy.check(text, today) is not None for text in alone)
    return Score(hits, len(caught) - hits, alarms)


@pytest.mark.parametrize(
    ("table", "floor"),
    [
        (privacy_cases, (1.0, 0.99)),
        (privacy_holdout, (1.0, 0.99)),
        # Measured once, with no change made after: 0.991 and 0.958.
        (privacy_holdout_2, (0.99, 0.95)),
    ],
    ids=["main", "first held-out", "held-out"],
)
def test_precision_and_recall_on_the_case_tables(
    table: ModuleType, floor: tuple[float, float], capsys: pytest.CaptureFixture[str]
) -> None:
    caught, alone = table.CAUGHT, table.LEFT_ALONE
    assert len(caught) >= 100
    assert len(alone) >= 100
    result = score(caught, alone, TODAY)
    with capsys.disabled():
        print(  # noqa: T201 - the figures are this test's report
            f"\nguard on {table.__name__.rsplit('.', 1)[-1]}: "
            f"precision {result.precision:.3f}, recall {result.recall:.3f} "
            f"({len(caught)} to catch, {len(alone)} to leave alone)"
        )
    assert result.precision >= floor[0]
    assert result.recall >= floor[1]


def test_the_main_table_is_big_enough_and_varied() -> None:
    assert len(privacy_cases.CAUGHT) >= 150
    assert len(privacy_cases.LEFT_ALONE) >= 150
    assert {f for _, f in privacy_cases.CAUGHT} == set(Finding)


@pytest.mark.parametrize(
    ("text", "finding"), [c for c in privacy_cases.CAUGHT if c[0] not in KNOWN_MISSES]
)
def test_each_case_is_caught_as_what_it_is(text: str, finding: Finding) -> None:
    issue = privacy.check(text, TODAY)
    assert issue is not None
    assert issue.finding is finding


@pytest.mark.parametrize("text", privacy_cases.LEFT_ALONE)
def test_each_ordinary_text_is_left_alone(text: str) -> None:
    assert privacy.check(text, TODAY) is None


@pytest.mark.parametrize("text", sorted(KNOWN_MISSES))
def test_known_misses_are_still_missed_so_this_list_stays_true(text: str) -> None:
    assert privacy.check(text, TODAY) is None
