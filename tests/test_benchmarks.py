"""``python -m benchmarks --quick`` runs every benchmark at a small size and prints every
figure beside its baseline: the full run (``make bench``) is the same code at full size."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURES = {
    "1 lateness": ["p50 lateness", "p99 lateness", "max lateness"],
    "2 throughput": ["deliveries a second"],
    "3 fan-out": ["Slack", "Teams (agents)"],
    "4 acknowledgements": [
        "Slack p50 acknowledgement",
        "Slack p99 acknowledgement",
        "Teams p50 acknowledgement",
        "Teams p99 acknowledgement",
        "Teams (agents) p50 acknowledgement",
        "Teams (agents) p99 acknowledgement",
    ],
    "5 footprint": [
        "Redis bytes per cadence",
        "Redis bytes per member",
        "bot resident memory",
        "start to ready",
    ],
    "6 guard": ["guard per text, words cached", "precision, main table", "recall, main table"],
    "7 erasure": ["forget me, 500 people", "my data, 500 people"],
    "8 teams auth": ["/healthz p99 under forged tokens", "401 for a bad token, p99"],
    "9 Slack interactions": [
        "slash command p99 acknowledgement",
        "button p99 acknowledgement",
        "cadence form preview p99 acknowledgement",
        "cadence form save p99 acknowledgement",
        "shout-out form to 12 p99 acknowledgement",
        "app_home_opened event p99 acknowledgement",
        "cadence form: views.open asked, after /nudge, p99",
    ],
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_quick_benchmark_prints_every_figure_with_its_baseline() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line[:1].isdigit()]
    for section, names in FIGURES.items():
        mine = [row for row in rows if row.startswith(section)]
        assert mine, f"no figures for {section}"
        for name in names:
            assert any(name in row for row in mine), f"{section}: {name} is missing"
        for row in mine:
            assert "(" in row, f"a figure without its baseline: {row}"
    assert "Traceback" not in done.stderr
    assert "every figure printed" in done.stdout
