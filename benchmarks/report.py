"""What a benchmark section measures, and the table that shows it."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number, with the baseline it is judged against (from the same run)."""

    section: str
    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


@dataclass(frozen=True, slots=True)
class Bench:
    """What every section gets: the size to run at, and a private Redis to run against."""

    quick: bool
    redis_url: str

    def redis(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.redis_url, decode_responses=True)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def percentile(values: Sequence[float], pct: float) -> float:
    """The ``pct`` percentile (0-100) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(p50, p99, max)."""
    if not values:
        return 0.0, 0.0, 0.0
    return statistics.median(values), percentile(values, 99), max(values)


def table(figures: Sequence[Figure]) -> str:
    header = ("section", "figure", "CareNudge", "baseline", "ratio", "target", "met")
    rows = [header]
    for f in figures:
        base = "" if f.baseline is None else f"{_num(f.baseline)} {f.unit} ({f.baseline_label})"
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
        met = {True: "yes", False: "NO", None: ""}[f.met]
        rows.append((f.section, f.name, f"{_num(f.value)} {f.unit}", base, ratio, f.target, met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _num(value: float) -> str:
    if value == int(value) and abs(value) < 1e12:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
