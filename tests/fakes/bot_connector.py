"""``FakeBotConnector``: Teams' Bot Connector service on loopback, for tests. Its URL is the
``serviceUrl`` of the activities the tests post. It records every call and can answer 403
(the user blocked the bot), 429 with ``Retry-After``, and 5xx.

Off by default, it can also enforce Teams' rate limits (``ConnectorLimits``) and misbehave at
random (``Faults``): 429, 500/502/503, requests that hang past the client's timeout, and
conversations that refuse the bot for good (403).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes import ARRIVAL_S
from tests.fakes.limits import Answer, Fault, Faults, Holds, Window, now_s, retry_after

GONE = {
    "ConversationBlockedByUser": "User blocked the conversation with the bot.",
    "BotNotInConversationRoster": "The bot is not part of the conversation roster.",
}


@dataclass(frozen=True, slots=True)
class ConnectorLimits:
    """Teams' limits for a bot, over sliding windows: seven requests a second in one
    conversation (Microsoft's "per bot per thread" limit) and, per tenant, the thirty a second
    CareNudge keeps under (Microsoft publishes 50 a second per app per tenant:
    https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit)."""

    per_conversation: int = 7
    per_tenant: int = 30
    window_s: float = 1.0


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
    limits: ConnectorLimits | None = None
    """Rate limits, enforced (None: unlimited)."""
    faults: Faults | None = None
    """Seeded misbehaviour of sends and updates (None: none)."""
    tenants: dict[str, str] = field(default_factory=dict)
    """Conversation id -> tenant id, for the per-tenant limit (``default_tenant`` otherwise)."""
    default_tenant: str = "tenant-1"
    channels: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    """Team id -> its channels (id, and name: None for General), as the team's channel list."""
    listed: list[str] = field(default_factory=list)
    """The teams whose channel list was asked for, in order."""
    holds: Holds = field(default_factory=Holds)
    answers: list[Answer] = field(default_factory=list)
    """How every send and update was answered, in order (when limits or faults are set)."""
    server: TestServer | None = None
    _windows: dict[str, Window] = field(default_factory=dict)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/teams/{team}/conversations", self._channels)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self.url

    async def close(self) -> None:
        if self.faults is not None:
            self.faults.released.set()
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

    async def wait_for(
        self, count: int, method: str = "POST", within_s: float = ARRIVAL_S
    ) -> list[Sent]:
        try:
            async with asyncio.timeout(within_s), self._changed:
                await self._changed.wait_for(
                    lambda: len([s for s in self.sent if s.method == method]) >= count
                )
        except TimeoutError:
            raise AssertionError(self._waited(f"{count} {method}s", within_s)) from None
        return [s for s in self.sent if s.method == method]

    async def wait_until(
        self, found: Callable[[list[Sent]], bool], within_s: float = ARRIVAL_S
    ) -> list[Sent]:
        """Wait until ``found`` holds for everything the bot has sent (POSTs and PUTs)."""
        try:
            async with asyncio.timeout(within_s), self._changed:
                await self._changed.wait_for(lambda: found(self.sent))
        except TimeoutError:
            raise AssertionError(self._waited("what the test looks for", within_s)) from None
        return list(self.sent)

    def _waited(self, what: str, within_s: float) -> str:
        """What a test waited for in vain, and what the bot had sent instead: the first thing
        to read when a scenario fails on a slow machine."""
        sent = [
            f"{s.method} {s.conversation}: {s.activity.get('summary') or s.activity.get('text')}"
            for s in self.sent
        ]
        return f"waited {within_s:g} s for {what}; the bot had sent {len(sent)}: {sent}"

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

    async def _channels(self, request: web.Request) -> web.Response:
        """A team's channels, as the Bot Connector lists them (``ConversationList``): the
        General channel has no name."""
        team = request.match_info["team"]
        self.listed.append(team)
        listed = [{"id": cid, "name": name} for cid, name in self.channels.get(team, [])]
        return web.json_response({"conversations": listed})

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.created.append(body)
        user = body["members"][0]["id"]
        return web.json_response({"id": f"a:1on1-{user}"})

    async def _misbehave(self, method: str, conversation: str) -> web.Response | bool | None:
        """Refuse as Teams' limits do, or misbehave: a response to give instead, True when the
        request is to be processed and its answer then lost, or None to go ahead."""
        if self.limits is None and self.faults is None:
            return None
        at = now_s()
        tenant = self.tenants.get(conversation, self.default_tenant)

        def answered(outcome: str) -> None:
            self.answers.append(Answer(at, method, conversation, outcome))

        left = self.holds.remaining(tenant, at) or self.holds.remaining(conversation, at)
        if left:
            answered("early")
            return self._throttled(retry_after(left))
        if self.limits is not None:
            for scope, limit in (
                (conversation, self.limits.per_conversation),
                (tenant, self.limits.per_tenant),
            ):
                window = self._windows.setdefault(scope, Window(limit, self.limits.window_s))
                wait = window.admit(scope, at)
                if wait is not None:
                    answered("limited")
                    self.holds.hold(scope, at, retry_after(wait))
                    return self._throttled(retry_after(wait))
        faults = self.faults
        if faults is None:
            return None
        if faults.is_gone(conversation):
            answered("gone")
            self.refused.append(403)
            code = faults.pick(conversation, tuple(GONE))
            return web.json_response({"error": {"code": code, "message": GONE[code]}}, status=403)
        fault = faults.draw(conversation)
        if fault is None:
            return None
        if fault is Fault.LOST_ANSWER:
            return True
        answered(fault.value)
        if fault is Fault.RATE_LIMITED:
            self.holds.hold(tenant, at, faults.retry_after_s)
            return self._throttled(faults.retry_after_s)
        if fault is Fault.SERVER_ERROR:
            status = int(faults.pick(f"{conversation}:{at}", ("500", "502", "503")))
            self.refused.append(status)
            return web.json_response({"error": {"code": "ServiceError"}}, status=status)
        await faults.hang_for_good()
        return web.json_response({"error": {"code": "GatewayTimeout"}}, status=504)

    def _throttled(self, seconds: int) -> web.Response:
        self.refused.append(429)
        return web.json_response(
            {"error": {"code": "Throttled", "message": "Too many requests."}},
            status=429,
            headers={"Retry-After": str(seconds)},
        )

    async def _answered(self, method: str, conversation: str, lost: bool) -> None:
        if self.limits is None and self.faults is None:
            return
        outcome = Fault.LOST_ANSWER.value if lost else "ok"
        self.answers.append(Answer(now_s(), method, conversation, outcome))
        if lost and self.faults is not None:
            await self.faults.hang_for_good()  # processed; the answer never comes

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        trouble = self._trouble(conversation)
        if trouble is not None:
            return trouble
        misbehaving = await self._misbehave("POST", conversation)
        if isinstance(misbehaving, web.Response):
            return misbehaving
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
        await self._answered("POST", conversation, misbehaving is True)
        return web.json_response({"id": activity_id})

    async def _update(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        trouble = self._trouble(conversation)
        if trouble is not None:
            return trouble
        misbehaving = await self._misbehave("PUT", conversation)
        if isinstance(misbehaving, web.Response):
            return misbehaving
        await self._record(
            Sent("PUT", conversation, await request.json(), request.match_info["activity"])
        )
        await self._answered("PUT", conversation, misbehaving is True)
        return web.json_response({"id": request.match_info["activity"]})
