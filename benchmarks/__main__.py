"""``python -m benchmarks [--quick] [--only SECTION ...]``: run the benchmarks against a private
redis-server and print one table. Every figure sits beside a baseline from the same run."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.report import Bench, Figure, table
from bot.app import tune_gc
from tests.conftest import start_redis

SECTIONS = (
    "lateness",
    "throughput",
    "fanout",
    "acks",
    "footprint",
    "guard",
    "erasure",
    "teamsauth",
    "interactions",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it all runs")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args(argv)
    tune_gc()  # as the bot runs (the baselines run with it too)

    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="carenudge-bench-") as folder:
        server = start_redis(Path(folder))
        try:
            bench = Bench(quick=args.quick, redis_url=server.url)
            for name in args.only:
                started = time.monotonic()
                print(f"running {name}…", file=sys.stderr, flush=True)
                module = importlib.import_module(f"benchmarks.{name}")
                found: list[Figure] = asyncio.run(module.run(bench))
                figures.extend(found)
                took = time.monotonic() - started
                print(f"  {name}: {len(found)} figures in {took:.1f} s", file=sys.stderr)
        finally:
            server.stop()
    if args.quick:  # small sizes say nothing about the targets
        figures = [replace(f, met=None) for f in figures]
    print(table(figures))
    missed = [f"{f.section}: {f.name}" for f in figures if f.met is False]
    if missed:
        print(f"\n{len(missed)} target(s) not met:\n  " + "\n  ".join(missed))
    elif args.quick:
        print("\nquick run: every figure printed; run without --quick to judge the targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
