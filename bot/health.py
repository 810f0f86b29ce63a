"""``/healthz`` (the process is up), ``/readyz`` (Redis answers) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import asyncio
from collections import Counter

from aiohttp import web
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.asyncio import Redis
from redis.exceptions import RedisError

from scheduler.queue import RedisFireQueue
from scheduler.runner import Runner

REDIS = web.AppKey("redis", Redis)
QUEUE = web.AppKey("queue", RedisFireQueue)
RUNNER = web.AppKey("runner", Runner)
DELIVERIES = web.AppKey("deliveries", Counter[str])
"""Each delivery's outcome in this process, counted (``Deliveries.counted``)."""
OUTCOMES = {
    "sent": "sent",
    "duplicate_avoided": "duplicate_avoided",
    "gone": "unreachable",
    "failed": "given_up",
    "rejected": "refused",
    "skipped": "skipped",
}
"""What /metrics calls each outcome: reached, a copy not sent twice, the channel or person
cannot be reached, given up at the fire's deadline, refused by the platform, and held back
(quiet hours, days off, snooze, stop)."""


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        await asyncio.wait_for(request.app[REDIS].ping(), timeout=2)
    except (RedisError, OSError, TimeoutError) as exc:
        return web.json_response({"status": "unavailable", "redis": type(exc).__name__}, status=503)
    return web.json_response({"status": "ready", "redis": "ok"})


async def metrics(request: web.Request) -> web.Response:
    registry = CollectorRegistry()
    runner = request.app[RUNNER]
    Gauge("carenudge_fires_total", "Fires completed by this process", registry=registry).set(
        runner.fired
    )
    Gauge(
        "carenudge_fire_failures_total", "Fires that failed in this process", registry=registry
    ).set(runner.failures)
    outcomes = Gauge(
        "carenudge_deliveries_total",
        "Deliveries by how they ended, in this process (never ids or names)",
        ["outcome"],
        registry=registry,
    )
    counted = request.app[DELIVERIES]
    for ours, shown in OUTCOMES.items():
        outcomes.labels(outcome=shown).set(counted[ours])
    up = Gauge("carenudge_redis_up", "Whether Redis answered this scrape", registry=registry)
    waiting = Gauge("carenudge_fires_waiting", "Fires scheduled in Redis", registry=registry)
    running = Gauge("carenudge_fires_running", "Fires leased by a replica", registry=registry)
    try:
        due, inflight = await asyncio.wait_for(request.app[QUEUE].size(), timeout=2)
        waiting.set(due)
        running.set(inflight)
        up.set(1)
    except (RedisError, OSError, TimeoutError):
        up.set(0)
    return web.Response(
        body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.get("/metrics", metrics),
    ]
