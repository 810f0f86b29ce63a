"""``carenudge run``'s web app: health, readiness and metrics over real HTTP, with the
scheduler running inside it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.app import build_app
from bot.settings import Settings
from tests.conftest import RedisServer

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(redis_server: RedisServer, redis: Redis) -> AsyncIterator[Client]:
    """The app on an empty Redis (``redis`` flushes it), whatever tests ran before."""
    settings = Settings(redis_url=redis_server.url)
    async with TestClient(TestServer(build_app(settings), host="127.0.0.1", port=0)) as client:
        yield client


async def test_healthz_says_the_process_is_up(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_redis_answers(client: Client) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["redis"] == "ok"


async def test_metrics_are_prometheus_text(client: Client) -> None:
    response = await client.get("/metrics")
    assert response.status == 200
    body = await response.text()
    assert "carenudge_redis_up 1.0" in body
    assert "carenudge_fires_waiting 0.0" in body


async def test_readyz_is_503_with_a_reason_when_redis_is_away() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:9/0")  # nothing listens on port 9
    app = build_app(settings)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        assert (await client.get("/healthz")).status == 200
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["status"] == "unavailable"
        metrics = await (await client.get("/metrics")).text()
        assert "carenudge_redis_up 0.0" in metrics
