"""5. Footprint: Redis memory per cadence and per member, the bot's resident memory with
100,000 cadences, and the time from start to ready.

Baselines from the same run: APScheduler 3.11's ``RedisJobStore`` holding the same daily
triggers (bytes per job); one plain Redis key per member (the least a member could cost);
and the same bot process started on an empty Redis.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from apscheduler.jobstores.redis import RedisJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from benchmarks.population import build_bot, channel_cadences, members
from benchmarks.report import Bench, Figure

ROOT = Path(__file__).resolve().parents[1]
TARGET_BYTES_PER_CADENCE = 1024
TARGET_RSS_MB = 200.0
TARGET_READY_S = 3.0


async def run(bench: Bench) -> list[Figure]:
    cadences = bench.size(100_000, 2_000)
    per_cadence, per_member, bare_member = await redis_bytes(bench, cadences)
    per_job = await asyncio.to_thread(apscheduler_bytes, bench, bench.size(20_000, 1_000))
    await _seed_cadences(bench, cadences)
    loaded = await asyncio.to_thread(start_bot, bench)
    await _flush(bench)
    empty = await asyncio.to_thread(start_bot, bench)
    section = "5 footprint"
    return [
        Figure(
            section,
            "Redis bytes per cadence",
            per_cadence,
            "B",
            per_job,
            "APScheduler RedisJobStore job",
            f"<= {TARGET_BYTES_PER_CADENCE:,} B",
            per_cadence <= TARGET_BYTES_PER_CADENCE,
        ),
        Figure(section, "Redis bytes per member", per_member, "B", bare_member, "a bare key"),
        Figure(
            section,
            f"bot resident memory, {cadences:,} cadences",
            loaded[1],
            "MB",
            empty[1],
            "empty Redis",
            f"< {TARGET_RSS_MB:.0f} MB",
            loaded[1] < TARGET_RSS_MB,
        ),
        Figure(
            section,
            f"start to ready, {cadences:,} cadences",
            loaded[0],
            "s",
            empty[0],
            "empty Redis",
            f"<= {TARGET_READY_S:.0f} s",
            loaded[0] <= TARGET_READY_S,
        ),
    ]


async def redis_bytes(bench: Bench, cadences: int) -> tuple[float, float, float]:
    """(bytes per cadence with its queue entry, bytes per member, bytes per bare key)."""
    bot = build_bot(bench.redis_url)
    try:
        await bot.redis.flushdb()
        start = await _used(bench)
        fires = await channel_cadences(bot, cadences)
        await bot.queue.put([(f, datetime.now(UTC)) for f in fires])
        per_cadence = (await _used(bench) - start) / cadences
        people = cadences // 10
        start = await _used(bench)
        await members(bot, people)
        per_member = (await _used(bench) - start) / people
        start = await _used(bench)
        async with bot.redis.pipeline(transaction=False) as pipe:
            for i in range(people):
                pipe.set(f"bare:member:bench:T1:m{i:06d}", "1")
            await pipe.execute()
        bare = (await _used(bench) - start) / people
        return per_cadence, per_member, bare
    finally:
        await bot.redis.flushdb()
        await bot.close()


def apscheduler_bytes(bench: Bench, jobs: int) -> float:
    url = urlparse(bench.redis_url)
    store = RedisJobStore(host=url.hostname, port=url.port, db=int(url.path.strip("/") or 0))
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        store.redis.flushdb()
        start = int(store.redis.info("memory")["used_memory"])
        for i in range(jobs):
            trigger = CronTrigger(hour=7, minute=30, timezone=UTC)
            scheduler.add_job(print, trigger, args=(f"C{i:06d}",), id=f"c{i}")
        used = int(store.redis.info("memory")["used_memory"]) - start
        store.redis.flushdb()
        return used / jobs
    finally:
        scheduler.shutdown(wait=False)


def start_bot(bench: Bench) -> tuple[float, float]:
    """Start ``python -m bot run`` on the bench's Redis: (seconds to ready, peak resident MB
    over the next few seconds, while it reconciles every cadence)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env |= {"REDIS_URL": bench.redis_url, "PORT": str(port), "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not _ready(port):
            if process.poll() is not None or time.perf_counter() - started > 60:
                raise RuntimeError("the bot did not become ready")
            time.sleep(0.01)
        ready = time.perf_counter() - started
        peak = 0.0
        for _ in range(20 if bench.quick else 100):
            peak = max(peak, _rss_mb(process.pid))
            time.sleep(0.05)
        return ready, peak
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _seed_cadences(bench: Bench, count: int) -> None:
    bot = build_bot(bench.redis_url)
    try:
        await bot.redis.flushdb()
        fires = await channel_cadences(bot, count)
        await bot.queue.put([(f, datetime(2030, 1, 1, 7, 30, tzinfo=UTC)) for f in fires])
    finally:
        await bot.close()


async def _flush(bench: Bench) -> None:
    redis = bench.redis()
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


async def _used(bench: Bench) -> int:
    redis = bench.redis()
    try:
        return int((await redis.info("memory"))["used_memory"])
    finally:
        await redis.aclose()


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
            return bool(answer.status == 200)
    except (OSError, urllib.error.HTTPError):
        return False


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
