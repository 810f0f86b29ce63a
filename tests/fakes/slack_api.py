"""``FakeSlackApi``: the Slack Web API on loopback, for tests. It records every call, answers
like Slack does (seeded from ``tests/fakes/responses/slack/*.json``), serves ``response_url``
posts, and can answer 429 with ``Retry-After``, refuse a channel, refuse a method as Slack does
(``refuse``: ``missing_scope`` with ``needed`` and ``provided``, say), or a token (``revoke``).

Off by default, it can also enforce chat.postMessage's limits (``SlackLimits``) and misbehave
at random (``Faults``): 429, 500/502/503, requests that hang past the client's timeout, and
people who can no longer be reached. Slack answers a refusal like ``channel_not_found`` with
HTTP 200 and ``"ok": false`` (never 403), so that is what the fake does too. It can be slow
(``latency_s`` for every call), and hold the calls to some methods unanswered until a test
releases them (``stall``), so a test can see what was answered while Slack was still busy
with them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes import ARRIVAL_S
from tests.fakes.limits import Answer, Fault, Faults, Holds, Window, now_s, retry_after

RESPONSES = Path(__file__).parent / "responses" / "slack"
FAULTY = ("chat.postMessage", "conversations.open")
"""The methods a fan-out calls: the ones that misbehave when ``faults`` is set."""
GONE_DM = ("channel_not_found", "is_archived")
GONE_OPEN = ("user_not_found", "user_disabled")
GONE_CHANNEL = ("not_in_channel", "channel_not_found", "is_archived")


@dataclass(frozen=True, slots=True)
class SlackLimits:
    """chat.postMessage's "special" rate limits, enforced over a sliding window.

    Slack publishes one message a second per channel (short bursts tolerated, which the fake
    does not tolerate) "while also maintaining a workspace-wide limit" whose value it does not
    publish (https://docs.slack.dev/apis/web-api/rate-limits). We assume 600 a minute, ten a
    second: vendors that fan out on Slack for a living pace themselves at about 525 a minute.
    """

    per_channel: int = 1
    per_workspace: int = 10
    window_s: float = 1.0


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str = ""
    at: float = 0.0
    """When it arrived (``time.monotonic()``), before any wait or answer."""


@dataclass
class FakeSlackApi:
    team_id: str = "T1"
    calls: list[Call] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    """What was posted to response_url: the ephemeral and in-channel replies to commands."""
    rate_limit_next: int = 0
    """How many of the next chat.postMessage calls answer 429."""
    retry_after: int = 1
    limited: dict[str, int] = field(default_factory=dict)
    """How many of the next calls to other methods answer 429 (``limit_next``)."""
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Methods that answer ``"ok": false`` every time, and with what (``refuse``)."""
    revoked: dict[str, str] = field(default_factory=dict)
    """Tokens Slack no longer takes, and the error it answers every call made with them."""
    gone_users: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)
    """Channels the bot is not a member of (conversations.info says ``is_member: false``; a
    post there answers ``not_in_channel``)."""
    archived: set[str] = field(default_factory=set)
    timezones: dict[str, str] = field(default_factory=dict)
    oauth_answer: dict[str, Any] | None = None
    """What oauth.v2.access answers (None: the seeded workspace install of Ward 9)."""
    issued: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Bot tokens handed out by oauth.v2.access (or given by a test), and who each is for, as
    auth.test tells it: ``team_id``, ``enterprise_id``, ``is_enterprise_install``. A token not
    here is the workspace ``team_id``'s."""
    server: TestServer | None = None
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode: every acknowledgement the app sent back over the WebSocket."""
    limits: SlackLimits | None = None
    """chat.postMessage's rate limits, enforced (None: unlimited)."""
    faults: Faults | None = None
    """Seeded misbehaviour of chat.postMessage and conversations.open (None: none)."""
    holds: Holds = field(default_factory=Holds)
    answers: list[Answer] = field(default_factory=list)
    """How every call to chat.postMessage and conversations.open was answered, in order."""
    faulty: tuple[str, ...] = FAULTY
    """The methods ``limits`` and ``faults`` apply to."""
    latency_s: float = 0.0
    """How long every Web API call takes to be answered (Slack on a slow day)."""
    stalled: set[str] = field(default_factory=set)
    """Methods whose calls wait, unanswered and unrecorded, until ``release``."""
    held: list[Call] = field(default_factory=list)
    """The calls waiting now, in the order they came."""
    arrived: list[Call] = field(default_factory=list)
    """Every call as it came, answered yet or not (``calls`` has those answered as asked)."""
    views: list[dict[str, Any]] = field(default_factory=list)
    """Every view views.open opened, as Slack answered it: with its id and hash."""
    _windows: dict[str, Window] = field(default_factory=dict)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _view_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lost: dict[str, bool] = field(default_factory=dict)

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
        if self.faults is not None:
            self.faults.released.set()
        await self.release()
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

    def limit_next(self, method: str, count: int = 1) -> None:
        """The next ``count`` calls to ``method`` answer 429 with ``Retry-After``."""
        self.limited[method] = count

    def refuse(self, method: str, error: str, **more: str) -> None:
        """Answer every call to ``method`` as Slack refuses it: ``{"ok": false, "error": ...}``
        with ``more`` beside it (``needed`` and ``provided`` for ``missing_scope``)."""
        self.refusals[method] = {"error": error, **more}

    def revoke(self, token: str, error: str = "token_revoked") -> None:
        """Every call with ``token`` answers ``error``: ``token_revoked``, ``invalid_auth``,
        ``account_inactive`` or ``not_authed``, as Slack does once it no longer takes it."""
        self.revoked[token] = error

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    async def wait_for(
        self, method: str, count: int = 1, within_s: float = ARRIVAL_S
    ) -> list[dict[str, Any]]:
        """Wait until ``method`` has been called ``count`` times; returns those calls."""
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(self.called(method)) >= count)
        return self.called(method)

    async def wait_for_posts(
        self, channel: str, count: int = 1, within_s: float = ARRIVAL_S
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` messages were posted to ``channel``; returns them."""

        def posts() -> list[dict[str, Any]]:
            return [p for p in self.called("chat.postMessage") if p.get("channel") == channel]

        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(posts()) >= count)
        return posts()

    async def wait_for_responses(
        self, count: int = 1, within_s: float = ARRIVAL_S
    ) -> list[dict[str, Any]]:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(self.responses) >= count)
        return self.responses

    def stall(self, *methods: str) -> None:
        """Hold every call to ``methods`` unanswered from now until ``release``."""
        self.stalled.update(methods)

    async def release(self, *methods: str) -> None:
        """Answer the calls held by ``stall`` (to ``methods``, or all), and hold no more."""
        async with self._changed:
            self.stalled.difference_update(methods or set(self.stalled))
            self._changed.notify_all()

    async def wait_for_held(
        self, method: str, count: int = 1, within_s: float = ARRIVAL_S
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` calls to ``method`` are held by ``stall``; returns them."""

        def held() -> list[dict[str, Any]]:
            return [c.params for c in self.held if c.method == method]

        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(held()) >= count)
        return held()

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
        async with asyncio.timeout(ARRIVAL_S), self._changed:
            await self._changed.wait_for(lambda: bool(self._sockets))
        await self._sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
            }
        )

    async def wait_for_ack(self, envelope_id: str, within_s: float = ARRIVAL_S) -> dict[str, Any]:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(
                lambda: any(a.get("envelope_id") == envelope_id for a in self.acks)
            )
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    async def _record(
        self, method: str, params: dict[str, Any], token: str = "", at: float = 0.0
    ) -> None:
        async with self._changed:
            self.calls.append(Call(method, params, token, at))
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
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        arrival = Call(method, params, token, now_s())
        self.arrived.append(arrival)
        if method in self.stalled:
            await self._stalled(arrival)
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        if method == "chat.postMessage" and self.rate_limit_next:
            self.rate_limit_next -= 1
            await self._record(f"{method}:429", params, at=arrival.at)
            return _ratelimited(self.retry_after)
        if self.limited.get(method):
            self.limited[method] -= 1
            await self._record(f"{method}:429", params, at=arrival.at)
            return _ratelimited(self.retry_after)
        if method in self.faulty and (self.limits is not None or self.faults is not None):
            trouble = await self._trouble(method, params, token)
            if trouble is not None:
                return trouble
        await self._record(method, params, token, arrival.at)
        if token in self.revoked:
            return web.json_response({"ok": False, "error": self.revoked[token]})
        if method in self.refusals:
            return web.json_response({"ok": False, **self.refusals[method]})
        answer = self._answer(method, params, token)
        if method in self.faulty:
            key = _about(method, params)
            lost = self.faults is not None and self._lost.pop(key, False)
            outcome = Fault.LOST_ANSWER.value if lost else "ok" if answer.get("ok") else "gone"
            self.answers.append(Answer(now_s(), method, key, outcome))
            if lost and self.faults is not None:
                await self.faults.hang_for_good()  # processed; the answer never comes
        return web.json_response(answer)

    async def _stalled(self, call: Call) -> None:
        """Hold ``call`` until its method is released, or its caller gives up waiting (the
        test server then cancels this handler)."""
        async with self._changed:
            self.held.append(call)
            self._changed.notify_all()
            try:
                await self._changed.wait_for(lambda: call.method not in self.stalled)
            finally:
                self.held.remove(call)

    async def _trouble(
        self, method: str, params: dict[str, Any], token: str
    ) -> web.Response | None:
        """Misbehave, or refuse as Slack's limits do; None lets the call through."""
        at, key = now_s(), _about(method, params)
        scope = f"{token or self.team_id}:{method}"  # Slack limits each method per workspace

        def answered(outcome: str) -> None:
            self.answers.append(Answer(at, method, key, outcome))

        left = self.holds.remaining(scope, at) or self.holds.remaining(f"{scope}:{key}", at)
        if left:
            answered("early")
            return _ratelimited(retry_after(left))
        if self.limits is not None and method == "chat.postMessage":
            refused = self._limited(scope, key, at)
            if refused is not None:
                answered("limited")
                return refused
        faults = self.faults
        if faults is None:
            return None
        if faults.is_gone(key):
            return None  # _answer refuses them, as Slack would, every time
        fault = faults.draw(key)
        if fault is None:
            return None
        if fault is not Fault.LOST_ANSWER:
            answered(fault.value)
        if fault is Fault.RATE_LIMITED:
            self.holds.hold(scope, at, faults.retry_after_s)
            return _ratelimited(faults.retry_after_s)
        if fault is Fault.SERVER_ERROR:
            status = int(faults.pick(f"{key}:{at}", ("500", "502", "503")))
            if status == 500:
                return web.json_response({"ok": False, "error": "fatal_error"}, status=500)
            return web.Response(status=status, text="<html>Service Unavailable</html>")
        if fault is Fault.HANG:
            await faults.hang_for_good()
            return web.Response(status=503, text="<html>Gateway Timeout</html>")
        self._lost[key] = True  # LOST_ANSWER: processed below, then the answer is lost
        return None

    def _limited(self, scope: str, channel: str, at: float) -> web.Response | None:
        assert self.limits is not None
        limits = self.limits
        for name, limit, holding in (
            (f"{scope}:{channel}", limits.per_channel, f"{scope}:{channel}"),
            (scope, limits.per_workspace, scope),
        ):
            window = self._windows.setdefault(name, Window(limit, limits.window_s))
            wait = window.admit(name, at)
            if wait is not None:
                seconds = retry_after(wait)
                self.holds.hold(holding, at, seconds)
                return _ratelimited(seconds)
        return None

    def _gone(self, key: str) -> bool:
        return key in self.gone_users or (self.faults is not None and self.faults.is_gone(key))

    def _refusal(self, key: str, choices: tuple[str, ...]) -> dict[str, Any]:
        error = choices[0] if self.faults is None else self.faults.pick(key, choices)
        return {"ok": False, "error": error}

    def _answer(self, method: str, params: dict[str, Any], token: str = "") -> dict[str, Any]:
        if method == "views.open":
            n = next(self._view_ids)
            view = {
                **params.get("view", {}),
                "id": f"V{n:04d}",
                "hash": f"{1764500000 + n}.{n:08x}",
                "team_id": self.team_id,
                "state": {"values": {}},
            }
            self.views.append(view)
            return {"ok": True, "view": view}
        if method == "conversations.open":
            user = str(params.get("users", ""))
            if self._gone(user):
                return self._refusal(user, GONE_OPEN)
            return {"ok": True, "channel": {"id": f"D{user}"}}
        if method == "chat.postMessage":
            channel = str(params.get("channel", ""))
            key = _about(method, params)
            if channel in self.archived:
                return {"ok": False, "error": "is_archived"}
            if channel in self.outside:
                return {"ok": False, "error": "not_in_channel"}
            if self._gone(key):
                return self._refusal(key, GONE_DM if channel.startswith("D") else GONE_CHANNEL)
            ts = f"{1764500000 + next(self._ts)}.000100"
            return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts}}
        if method == "conversations.info":
            channel = str(params.get("channel", ""))
            answer = _seeded("conversations.info")
            answer["channel"] |= {
                "id": channel,
                "is_member": channel not in self.outside,
                "is_archived": channel in self.archived,
            }
            return answer
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
            said = _seeded("auth.test") | self.issued.get(token, {"team_id": self.team_id})
            return {k: v for k, v in said.items() if v is not None}
        if method == "oauth.v2.access":
            answer = self.oauth_answer or _seeded(method)
            org = (answer.get("enterprise") or {}).get("id")
            whose: dict[str, Any] = {"enterprise_id": org} if org else {}
            if answer.get("is_enterprise_install"):
                self.issued[answer["access_token"]] = whose | {
                    "team_id": None,  # an org-wide token is no one workspace's
                    "is_enterprise_install": True,
                }
            else:
                team = (answer.get("team") or {}).get("id")
                self.issued[answer["access_token"]] = whose | {"team_id": team}
            return answer
        try:
            return _seeded(method)
        except FileNotFoundError:
            return {"ok": True}


def _about(method: str, params: dict[str, Any]) -> str:
    """The person (for a DM or conversations.open) or channel a call is about."""
    if method == "conversations.open":
        return str(params.get("users", ""))
    channel = str(params.get("channel", ""))
    return channel[1:] if channel.startswith("D") else channel


def _ratelimited(seconds: int) -> web.Response:
    """What Slack answers over a limit: 429, Retry-After in seconds, and ``ratelimited``."""
    return web.json_response(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(seconds)}
    )


def _seeded(method: str) -> dict[str, Any]:
    data = json.loads((RESPONSES / f"{method}.json").read_text())
    assert isinstance(data, dict)
    return data
