"""2. Delivery throughput: deliveries a second through claim, idempotency, member checks and
send, with the zero-latency messenger, next to the Redis ceiling measured in the same run.

Two shapes of work: channel cadences (one delivery per fire, so every delivery pays for a
claim) and team cadences to members by direct message (each fire fans out, checking each
member's quiet hours and snooze). And replicas: the channel cadences shared by two scheduler
processes on the one Redis, against one such process (``benchmarks.replica``), in the same run.

The ceiling: redis-benchmark's rate for SET, GET, HSET and ZADD, pipelined 16 deep from 50
clients (our reads and writes go in pipelines too), divided by the Redis commands one
delivery needs, as counted by Redis itself (INFO commandstats) during the run.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

from redis.asyncio import Redis

from benchmarks.population import Bot, build_bot, channel_cadences, dm_teams
from benchmarks.report import Bench, Figure

TARGET_PER_S = 2_000
REPLICAS = 2
ROOT = Path(__file__).resolve().parents[1]


async def run(bench: Bench) -> list[Figure]:
    ceiling = redis_ceiling(bench)
    figures = []
    shapes = (
        ("channel cadences", bench.size(10_000, 500), 0),
        ("team cadences by DM", bench.size(10, 2), bench.size(1_000, 250)),
    )
    for shape, cadences, per_team in shapes:
        rate, commands = await measure(bench, cadences, per_team)
        limit = ceiling / commands
        met = rate >= TARGET_PER_S and rate >= limit / 2
        figures.append(
            Figure(
                f"2 throughput, {shape}",
                "deliveries a second",
                rate,
                "/s",
                limit,
                f"Redis ceiling, {commands:.1f} commands each",
                f">= {TARGET_PER_S:,}/s and >= 0.5x",
                met,
            )
        )
    figures.append(await replicas(bench, shapes[0][1]))
    return figures


async def replicas(bench: Bench, cadences: int) -> Figure:
    """Two replicas against one, each a process of its own, on the channel cadences. Both are
    timed from the first send to the last (a replica notices new work within its poll)."""
    one = await measure_replicas(bench, cadences, 1)
    two = await measure_replicas(bench, cadences, REPLICAS)
    return Figure(
        "2 throughput, channel cadences",
        f"{REPLICAS} replicas, deliveries a second",
        two,
        "/s",
        one,
        "1 replica, timed the same way",
        "",
        None,
    )


async def measure_replicas(bench: Bench, cadences: int, count: int) -> float:
    bot = build_bot(bench.redis_url)
    processes: list[asyncio.subprocess.Process] = []
    try:
        await bot.redis.flushdb()
        fires = await channel_cadences(bot, cadences)
        # Queued for tomorrow first: a replica starting up puts any cadence missing from the
        # queue back at its next instant, which could land after (and undo) the put below.
        await bot.queue.put([(f, datetime.now(UTC) + timedelta(days=1)) for f in fires])
        for _ in range(count):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "benchmarks.replica",
                bench.redis_url,
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
            )
            processes.append(process)
        for process in processes:
            assert process.stdout is not None
            if (await process.stdout.readline()).strip() != b"ready":
                raise RuntimeError("a replica did not start")
        due = datetime.now(UTC) - timedelta(seconds=1)
        await bot.queue.put([(f, due) for f in fires])
        await _until_queue_done(bot, due)
        reports = []
        for process in processes:
            process.send_signal(signal.SIGTERM)
            out, _ = await process.communicate()
            reports.append(json.loads(out.decode().strip().splitlines()[-1]))
        sent = sum(int(r["sent"]) for r in reports)
        if sent != cadences:
            raise RuntimeError(f"{count} replicas sent {sent} messages, not {cadences}")
        busy = [r for r in reports if r["sent"]]
        took = max(float(r["last"]) for r in busy) - min(float(r["first"]) for r in busy)
        return sent / took
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await bot.redis.flushdb()
        await bot.close()


async def _until_queue_done(bot: Bot, due: datetime) -> None:
    """Until no fire due by ``due`` waits and none is in flight."""
    deadline = time.monotonic() + 300
    due_ms = int(due.timestamp() * 1000)
    while True:
        waiting = await bot.redis.zcount(bot.queue.due_key, "-inf", due_ms)
        if not waiting and not await bot.redis.zcard(bot.queue.inflight_key):
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the replicas did not finish in time")
        await asyncio.sleep(0.05)


async def measure(bench: Bench, cadences: int, per_team: int) -> tuple[float, float]:
    """(deliveries a second, Redis commands per delivery) for a burst of due fires."""
    bot = build_bot(bench.redis_url)
    try:
        await bot.redis.flushdb()
        if per_team:
            fires = await dm_teams(bot, cadences, per_team)
            expected = cadences * per_team
        else:
            fires = await channel_cadences(bot, cadences)
            expected = cadences
        due = datetime.now(UTC) - timedelta(seconds=1)
        await bot.queue.put([(f, due) for f in fires])
        before = await _commands(bot.redis)
        started = time.perf_counter()
        task = asyncio.create_task(bot.runner.run())
        try:
            await _until_sent(bot, expected)
            took = time.perf_counter() - started
        finally:
            bot.runner.stop()
            await task
        commands = await _commands(bot.redis) - before
        return expected / took, commands / expected
    finally:
        await bot.redis.flushdb()
        await bot.close()


async def _until_sent(bot: Bot, expected: int) -> None:
    deadline = time.monotonic() + 300
    while len(bot.messenger.sent_at) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError("the deliveries did not finish in time")
        await asyncio.sleep(0.01)


async def _commands(redis: Redis) -> int:
    """Commands Redis has run, leaving out the ones the runner's idle loops would run anyway."""
    stats = await redis.info("commandstats")
    return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


def redis_ceiling(bench: Bench) -> float:
    """Commands a second this Redis serves, pipelined, by redis-benchmark."""
    binary = shutil.which("redis-benchmark")
    if binary is None:
        raise RuntimeError("redis-benchmark is not installed (it comes with redis-server)")
    url = urlparse(bench.redis_url)
    requests = bench.size(400_000, 50_000)
    server = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 6379)]
    load = ["-t", "set,get,hset,zadd", "-P", "16", "-c", "50", "-n", str(requests)]
    result = subprocess.run(
        [binary, *server, *load, "--csv"],
        capture_output=True,
        text=True,
        check=True,
    )
    rates = [float(row["rps"]) for row in csv.DictReader(io.StringIO(result.stdout))]
    return sum(rates) / len(rates)
