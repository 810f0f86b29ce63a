"""``build_app``: the web app of ``carenudge run``. Health and metrics, the core from
``bot.wiring``, and whichever platforms are configured, mounted in one loop; all opened and
closed here."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from aiohttp import web
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from adapters import slack, teams
from adapters.platform import Host, Platform
from adapters.routing import RoutingMessenger
from bot import health, pages
from bot.acks import Acknowledgements
from bot.settings import Settings
from bot.wiring import Core, build_core
from nudges.engine import Engine
from nudges.ports import Clock
from scheduler.runner import Runner

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", Engine)
STOP_TIMEOUT_S = 5.0
REDIS_CONNECTIONS = 64

PLATFORMS: tuple[tuple[Callable[[Settings], Any], Callable[[Any, Host], Platform]], ...] = (
    (lambda s: s.slack, slack.build),
    (lambda s: s.teams, teams.build),
)
"""Each platform: where its settings are (None: not configured), and how it is built."""


def connect(redis_url: str, *, wait_s: float | None = 10) -> Redis:
    """A Redis client with timeouts on every call, and at most ``REDIS_CONNECTIONS``
    connections: callers queue for one (up to ``wait_s``; None waits as long as it takes)
    instead of opening thousands when thousands of fires share an instant."""
    pool = BlockingConnectionPool.from_url(
        redis_url,
        max_connections=REDIS_CONNECTIONS,
        timeout=wait_s,
        decode_responses=True,
        # While Redis is away, a call fails within a second or two, so that people are told
        # "try again in a moment" promptly, and no call is retried inside redis-py (its
        # default, three retries with back-off up to 10 s, held a command for seconds; the
        # work's owners retry: the scheduler's loop, and people when asked to).
        socket_timeout=2,
        socket_connect_timeout=1,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


GC_THRESHOLD = (10_000, 10, 10)
"""Python's default (700, 10, 10) collects the youngest objects every 700 allocations: when
10,000 fires open at 07:30, the collector ran through the burst and held 40% of the sends
back (benchmarks/lateness: p99 200-250 ms with the default, about 130 ms with this)."""


def tune_gc() -> None:
    """Collect garbage less often; for the long-running bot (the CLI's ``run``)."""
    gc.set_threshold(*GC_THRESHOLD)


def build_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    acks = Acknowledgements()
    app = web.Application(middlewares=[acks.middleware])
    app.add_routes(health.routes())
    app.add_routes(pages.routes(settings))
    redis = connect(settings.redis_url)
    # The scheduler has connections of its own: thousands of fires finishing at 07:30 queue
    # for those, never in front of someone's slash command.
    fire_redis = connect(settings.redis_url, wait_s=None)
    router = RoutingMessenger()
    core = build_core(settings, redis, router, clock, fire_redis=fire_redis)
    privacy_url = settings.public_url + pages.PRIVACY_PATH if settings.public_url else None
    host = Host(core.engine, redis, core.keys, core.clock, acks.settled, privacy_url)
    platforms = [
        build(found, host) for where, build in PLATFORMS if (found := where(settings)) is not None
    ]
    for platform in platforms:
        router.add(platform.name, platform.messenger)
        platform.mount(app)
    app[health.REDIS] = redis
    app[health.QUEUE] = core.queue
    app[health.RUNNER] = core.runner
    app[health.DELIVERIES] = core.fire_engine.deliveries.counted
    app[ENGINE] = core.engine
    app.cleanup_ctx.append(_serving(core, platforms, redis, fire_redis))
    return app


def _serving(
    core: Core, platforms: Sequence[Platform], *clients: Redis
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def serving(app: web.Application) -> AsyncIterator[None]:
        _announce(platforms)
        for platform in platforms:
            await platform.start()
        task = asyncio.create_task(core.runner.run(), name="scheduler")
        try:
            yield
        finally:
            await _stop(core.runner, task)
            for platform in platforms:
                await platform.stop()
            for client in clients:
                await client.aclose()

    return serving


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


def _announce(platforms: Sequence[Platform]) -> None:
    if not platforms:
        log.info("no chat platform is served yet: health, metrics and the scheduler are running")
    for platform in platforms:
        log.info("serving %s", platform.name)
