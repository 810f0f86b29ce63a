"""One replica of the scheduler for the throughput benchmark: the engine and runner as
``bot.app`` wires them, sending to a zero-latency messenger, in a process of its own.

    python -m benchmarks.replica REDIS_URL

It prints ``ready`` once connected, runs until SIGTERM, then prints one line of JSON: how many
messages it sent, and the wall-clock times of its first and last send.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from benchmarks.population import build_bot
from bot.app import tune_gc


async def serve(redis_url: str) -> None:
    bot = build_bot(redis_url)
    try:
        await bot.redis.ping()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, bot.runner.stop)
        print("ready", flush=True)
        await bot.runner.run()
        sent = bot.messenger.sent_at
        report = {"sent": len(sent), "first": min(sent, default=0), "last": max(sent, default=0)}
        print(json.dumps(report), flush=True)
    finally:
        await bot.close()


if __name__ == "__main__":
    tune_gc()
    asyncio.run(serve(sys.argv[1]))
