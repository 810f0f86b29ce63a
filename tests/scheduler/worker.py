"""A CareNudge scheduler process for multi-process tests: the real engine, runner and Redis
queue, delivering into a ``FileInbox`` so the test can count what was sent.

    python -m tests.scheduler.worker --redis URL --inbox PATH [--lease S] [--delay S]
        [--speed N --anchor-wall T --anchor-at ISO]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis

from bot.clock import SystemClock
from nudges.engine import Engine
from nudges.ports import Clock
from nudges.settings import EngineSettings
from nudges.store import RedisStore
from scheduler.cadence import CronTimetable
from scheduler.due import RedisDueQueue
from scheduler.runner import Runner, RunnerSettings
from tests.fakes.clock import ScaledClock
from tests.fakes.inbox import FileInbox


async def main(args: argparse.Namespace) -> None:
    redis = Redis.from_url(args.redis, decode_responses=True)
    clock: Clock = SystemClock()
    if args.speed:
        clock = ScaledClock(args.anchor_wall, datetime.fromisoformat(args.anchor_at), args.speed)
    lease = timedelta(seconds=args.lease)
    queue = RedisDueQueue(redis, lease=lease)
    engine = Engine(
        RedisStore(redis),
        FileInbox(Path(args.inbox), args.delay),
        clock,
        CronTimetable(),
        queue,
        EngineSettings(default_tz="UTC", fanout_concurrency=args.concurrency),
    )
    runner = Runner(engine, queue, clock, RunnerSettings(lease=lease, poll_s=args.poll))
    try:
        await runner.run()
    finally:
        await redis.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--inbox", required=True)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--speed", type=float, default=0.0)
    parser.add_argument("--anchor-wall", type=float, default=0.0)
    parser.add_argument("--anchor-at", default="")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parser.parse_args()))
