"""``FakeBotConnector``: Teams' Bot Connector service on loopback, for tests. Its URL is the
``serviceUrl`` of the activities the tests post. It records every call and can answer 403
(the user blocked the bot), 429 with ``Retry-After``, and 5xx."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Sent:
    method: str
    conversation: str
    activity: dict[str, Any]
    activity_id: str = ""
    token: str = ""


@dataclass
class FakeBotConnector:
    sent: list[Sent] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    """Conversation ids whose writes answer 403 ConversationBlockedByUser."""
    throttle_next: int = 0
    retry_after: str = "0"
    fail_next: int = 0
    failure_status: int = 502
    refused: list[int] = field(default_factory=list)
    server: TestServer | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self.url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    def posted(self, conversation: str | None = None) -> list[Sent]:
        return [
            s
            for s in self.sent
            if s.method == "POST" and (conversation is None or s.conversation == conversation)
        ]

    def updated(self) -> list[Sent]:
        return [s for s in self.sent if s.method == "PUT"]

    async def wait_for(self, count: int, method: str = "POST", within_s: float = 5.0) -> list[Sent]:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(
                lambda: len([s for s in self.sent if s.method == method]) >= count
            )
        return [s for s in self.sent if s.method == method]

    def _trouble(self, conversation: str) -> web.Response | None:
        if conversation in self.blocked:
            self.refused.append(403)
            return web.json_response(
                {
                    "error": {
                        "code": "ConversationBlockedByUser",
                        "message": "User blocked the conversation with the bot.",
                    }
                },
                status=403,
            )
        if self.throttle_next:
            self.throttle_next -= 1
            self.refused.append(429)
            return web.json_response(
                {"error": {"code": "Throttled"}},
                status=429,
                headers={"Retry-After": self.retry_after},
            )
        if self.fail_next:
            self.fail_next -= 1
            self.refused.append(self.failure_status)
            return web.json_response(
                {"error": {"code": "ServiceError"}}, status=self.failure_status
            )
        return None

    async def _record(self, sent: Sent) -> None:
        async with self._changed:
            self.sent.append(sent)
            self._changed.notify_all()

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        user = body["members"][0]["id"]
        return web.json_response({"id": f"a:1on1-{user}"})

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        trouble = self._trouble(conversation)
        if trouble is not None:
            return trouble
        activity_id = f"act-{next(self._ids)}"
        await self._record(
            Sent(
                "POST",
                conversation,
                await request.json(),
                activity_id,
                request.headers.get("Authorization", ""),
            )
        )
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        trouble = self._trouble(conversation)
        if trouble is not None:
            return trouble
        await self._record(
            Sent("PUT", conversation, await request.json(), request.match_info["activity"])
        )
        return web.json_response({"id": request.match_info["activity"]})
