"""``carenudge run`` as an operator runs it: a process of its own, configured by environment
variables, serving Slack and Teams (Teams unauthenticated, as in the tests) on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    base: str
    log: Path

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.asynccontextmanager
async def running_bot(
    redis_url: str,
    slack_api: str,
    log: Path,
    *,
    settings: Mapping[str, str],
    ready_s: float = 30,
    stop_s: float = 30,
) -> AsyncIterator[Bot]:
    """The bot, once ``/readyz`` says ready, writing its log to ``log``. ``settings`` adds to
    (or overrides) the environment: the signing secret, bot token, admins, log level. On the
    way out a bot still running gets SIGTERM, and is killed after ``stop_s``."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env |= {
        "REDIS_URL": redis_url,
        "PORT": str(port),
        "LOG_LEVEL": "INFO",
        "CARENUDGE_TIMEZONE": "UTC",
        "SLACK_API_URL": slack_api,
        "CARENUDGE_TEAMS_ANONYMOUS": "yes",
        **settings,
    }
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    bot = Bot(process, f"http://127.0.0.1:{port}", log)
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + ready_s
            while True:
                assert bot.running, bot.logged()[-2000:]
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{bot.base}/readyz") as answer:
                        if answer.status == 200:
                            break
                assert time.monotonic() < deadline, "carenudge run did not become ready"
                await asyncio.sleep(0.05)
        yield bot
    finally:
        if bot.running:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), stop_s)
            except TimeoutError:
                process.kill()
                await process.wait()
