"""``build_app``: the one place where objects are built and wired, opened and closed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping

from aiohttp import web
from redis.asyncio import Redis

from bot import health
from bot.clock import SystemClock
from bot.messengers import RoutingMessenger
from bot.settings import Settings
from nudges.engine import Engine
from nudges.ports import Clock, Messenger
from nudges.store import RedisStore
from scheduler.cadence import CronTimetable
from scheduler.due import RedisDueQueue
from scheduler.runner import Runner

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", Engine)
STOP_TIMEOUT_S = 5.0


def connect(redis_url: str) -> Redis:
    """A Redis client with timeouts on every call."""
    return Redis.from_url(
        redis_url,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=3,
        health_check_interval=30,
    )


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    messengers: Mapping[str, Messenger] | None = None,
) -> web.Application:
    app = web.Application()
    app.add_routes(health.routes())

    async def services(app: web.Application) -> AsyncIterator[None]:
        redis = connect(settings.redis_url)
        used_clock = clock or SystemClock()
        queue = RedisDueQueue(redis, lease=settings.runner.lease)
        engine = Engine(
            RedisStore(redis),
            RoutingMessenger(messengers or {}),
            used_clock,
            CronTimetable(),
            queue,
            settings.engine,
        )
        runner = Runner(engine, queue, used_clock, settings.runner)
        app[health.REDIS] = redis
        app[health.QUEUE] = queue
        app[health.RUNNER] = runner
        app[ENGINE] = engine
        _announce_platforms(settings, messengers or {})
        task = asyncio.create_task(runner.run(), name="scheduler")
        try:
            yield
        finally:
            await _stop(runner, task)
            await redis.aclose()

    app.cleanup_ctx.append(services)
    return app


async def _stop(runner: Runner, task: asyncio.Task[None]) -> None:
    """Stop the scheduler: ask, then cancel; never let shutdown hang on it."""
    runner.stop()
    done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
    if not done:
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
    if not done:
        log.warning("the scheduler did not stop in time; leaving it to the process exit")
    elif not task.cancelled() and task.exception() is not None:
        log.error("the scheduler had stopped with an error: %r", task.exception())


def _announce_platforms(settings: Settings, served: Mapping[str, Messenger]) -> None:
    if not served:
        log.info("no chat platform is served yet: health, metrics and the scheduler are running")
    for name in settings.platforms_requested:
        log.warning(
            "%s variables are set, but this release does not include the %s adapter yet; "
            "they are ignored",
            name,
            name,
        )
