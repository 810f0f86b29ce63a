"""``FakeSlackApi``: the Slack Web API on loopback, for tests. It records every call, answers
like Slack does (seeded from ``tests/fakes/responses/slack/*.json``), serves ``response_url``
posts, and can answer 429 with ``Retry-After`` or refuse a channel."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

RESPONSES = Path(__file__).parent / "responses" / "slack"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str = ""


@dataclass
class FakeSlackApi:
    team_id: str = "T1"
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    """What was posted to response_url: the ephemeral and in-channel replies to commands."""
    rate_limit_next: int = 0
    """How many of the next chat.postMessage calls answer 429."""
    retry_after: int = 1
    gone_users: set[str] = field(default_factory=set)
    timezones: dict[str, str] = field(default_factory=dict)
    server: TestServer | None = None
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode: every acknowledgement the app sent back over the WebSocket."""
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_get("/socket", self._socket)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self.api_url

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self.server is not None:
            await self.server.close()

    @property
    def api_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "1") -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{name}"))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(
        self, method: str, count: int = 1, within_s: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until ``method`` has been called ``count`` times; returns those calls."""
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(self.called(method)) >= count)
        return self.called(method)

    async def wait_for_responses(
        self, count: int = 1, within_s: float = 5.0
    ) -> list[dict[str, Any]]:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(self.responses) >= count)
        return self.responses

    def tokens(self, method: str) -> list[str]:
        return [c.token for c in self.calls if c.method == method]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: say hello, then record the app's acknowledgements."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                data = json.loads(message.data)
                async with self._changed:
                    self.acks.append(data)
                    self._changed.notify_all()
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any], envelope_id: str) -> None:
        """Deliver a slash command or interaction the way Socket Mode does."""
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(lambda: bool(self._sockets))
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )

    async def wait_for_ack(self, envelope_id: str, within_s: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(
                lambda: any(a.get("envelope_id") == envelope_id for a in self.acks)
            )
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    async def _record(self, method: str, params: dict[str, Any], token: str = "") -> None:
        async with self._changed:
            self.calls.append(Call(method, params, token))
            self._changed.notify_all()

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        async with self._changed:
            self.responses.append(body)
            self._changed.notify_all()
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.content_type == "application/json":
            params |= dict(await request.json())
        elif request.method == "POST":
            params |= {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
            for key in ("blocks", "view", "metadata"):
                if isinstance(params.get(key), str):
                    params[key] = json.loads(params[key])
        if method == "chat.postMessage" and self.rate_limit_next:
            self.rate_limit_next -= 1
            await self._record(f"{method}:429", params)
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        await self._record(method, params, token)
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            user = str(params.get("users", ""))
            if user in self.gone_users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "channel": {"id": f"D{user}"}}
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            if channel.removeprefix("D") in self.gone_users:
                return {"ok": False, "error": "channel_not_found"}
            ts = f"{1764500000 + next(self._ts)}.000100"
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
        if method == "users.info":
            user = str(params.get("user", ""))
            answer = _seeded("users.info")
            answer["user"] |= {
                "id": user,
                "name": user.lower(),
                "tz": self.timezones.get(user, "Europe/London"),
            }
            return answer
        if method == "apps.connections.open":
            assert self.server is not None
            url = str(self.server.make_url("/socket")).replace("http://", "ws://")
            return {"ok": True, "url": url}
        if method == "auth.test":
            return _seeded("auth.test") | {"team_id": self.team_id}
        try:
            return _seeded(method)
        except FileNotFoundError:
            return {"ok": True}


def _seeded(method: str) -> dict[str, Any]:
    data = json.loads((RESPONSES / f"{method}.json").read_text())
    assert isinstance(data, dict)
    return data
