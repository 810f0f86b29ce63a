"""``BotConnector``: the outbound half of the Teams transport seam, over the Bot Connector REST
API (the same wire protocol as the Microsoft 365 Agents SDK): send, update, open a 1:1.

Why our own small client rather than the SDK's: the SDK refreshes its MSAL token
synchronously inside every call, blocking the event loop; here the token comes from the SDK's
own credentials in a worker thread, and every call has a timeout, retries with back-off and
jitter on 412, 502, 503 and 504, and pacing shared by replicas (under 7 messages a second per
conversation and 30 a second per tenant, Microsoft publishing 50:
https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit). Every try takes
its own turn. A 429 holds the whole tenant, in every replica, for ``Retry-After`` (Teams limits
every request of a bot in a tenant together), so the retries come back at the pace, not at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from adapters.pacing import RedisPacer
from adapters.proxies import proxy_for
from nudges.edge import (
    ConversationGone,
    DeliveryError,
    Fence,
    RateLimited,
    Rejected,
    Unreachable,
)

log = logging.getLogger(__name__)

TokenSource = Callable[[], Awaitable[str | None]]
RETRIED = {412, 429, 502, 503, 504}
TRANSIENT_4XX = {401, 408, 412, 429}
"""Client errors that can pass: an expired token, a timeout, a precondition, a rate limit."""
ATTEMPTS = 4
TIMEOUT_S = 15
ADD_TO_TEAM = "Add CareNudge to that team in Teams (Apps, then Manage your apps)."
GONE_CODES: dict[str, tuple[Unreachable, str]] = {
    "ConversationBlockedByUser": (Unreachable.APP_REMOVED, ""),
    "MessageWritesBlocked": (Unreachable.APP_REMOVED, ""),
    "BotDisabledByAdmin": (
        Unreachable.NOT_INSTALLED,
        "Your Teams admin has turned CareNudge off; they can allow it again.",
    ),
    "ConversationNotFound": (Unreachable.CHANNEL_GONE, ""),
    "BotNotInConversationRoster": (Unreachable.NOT_IN_CHANNEL, ADD_TO_TEAM),
}
"""Teams' answers that mean CareNudge cannot write there: why, and what fixes it."""


class BotConnector:
    """``pacer`` paces each conversation and each tenant (see ``adapters.pacing``); ``sleep``
    waits between tries after a failure."""

    def __init__(
        self,
        token: TokenSource,
        pacer: RedisPacer,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.token = token
        self.pacer = pacer
        self.sleep = sleep
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send(
        self,
        service_url: str,
        tenant_id: str,
        conversation_id: str,
        activity: dict[str, Any],
        fence: Fence | None = None,
    ) -> str:
        path = f"v3/conversations/{quote(conversation_id)}/activities"
        answer = await self._call(
            "POST", service_url, path, activity, tenant_id, conversation_id, fence
        )
        return str(answer.get("id", ""))

    async def update(
        self,
        service_url: str,
        tenant_id: str,
        conversation_id: str,
        activity_id: str,
        activity: dict[str, Any],
    ) -> None:
        path = f"v3/conversations/{quote(conversation_id)}/activities/{quote(activity_id)}"
        body = {**activity, "id": activity_id}
        await self._call("PUT", service_url, path, body, tenant_id, conversation_id)

    async def team_channels(
        self, service_url: str, tenant_id: str, team_id: str
    ) -> list[tuple[str, str]]:
        """Each channel of a team, as (id, name); the General channel, which Teams sends
        without a name, is "General"."""
        path = f"v3/teams/{quote(team_id)}/conversations"
        answer = await self._call("GET", service_url, path, None, tenant_id, None)
        return [
            (str(c["id"]), str(c.get("name") or "General"))
            for c in answer.get("conversations") or []
            if isinstance(c, dict) and c.get("id")
        ]

    async def open_personal(
        self, service_url: str, tenant_id: str, bot_id: str, user_id: str
    ) -> str:
        """Create (or find) the 1:1 chat with a user who has the app installed."""
        body = {
            "isGroup": False,
            "bot": {"id": bot_id},
            "members": [{"id": user_id}],
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        }
        answer = await self._call("POST", service_url, "v3/conversations", body, tenant_id, None)
        return str(answer["id"])

    async def _call(
        self,
        method: str,
        service_url: str,
        path: str,
        body: dict[str, Any] | None,
        tenant_id: str,
        conversation_id: str | None,
        fence: Fence | None = None,
    ) -> dict[str, Any]:
        url = service_url.rstrip("/") + "/" + path
        for attempt in range(1, ATTEMPTS + 1):
            await self.pacer.wait_turn(tenant_id, conversation_id)
            if fence is not None:
                fence()  # after the wait for our turn, just before Teams gets it
            status, answer, retry_after = await self._once(method, url, body)
            if status < 300:
                return answer
            if status in RETRIED and attempt < ATTEMPTS:
                if status == 429:
                    # The next turn, ours or anyone's in this tenant, comes after the hold.
                    await self.pacer.hold(tenant_id, _backoff(attempt, retry_after))
                else:
                    await self.sleep(_backoff(attempt, retry_after))
                continue
            if status == 429:
                await self.pacer.hold(tenant_id, _backoff(attempt, retry_after))
            raise _error(status, answer, retry_after)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self, method: str, url: str, body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any], float | None]:
        headers = {"Content-Type": "application/json"}
        token = await self.token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self._session is None:
            # Requests go through HTTPS_PROXY when it is set (NO_PROXY honoured), as the bot's
            # sign-in (MSAL) and the Agents SDK's key client go: see adapters.proxies.
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s)
            )
        try:
            async with self._session.request(
                method, url, json=body, headers=headers, proxy=proxy_for(url)
            ) as reply:
                try:
                    answer = await reply.json(content_type=None)
                except ValueError:
                    answer = {}
                retry = reply.headers.get("Retry-After")
                return (
                    reply.status,
                    answer if isinstance(answer, dict) else {},
                    float(retry) if retry and retry.replace(".", "").isdigit() else None,
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("bot connector unreachable (%s)", type(exc).__name__)
            return 504, {}, None


def _backoff(attempt: int, retry_after: float | None) -> float:
    """Wait as asked; otherwise exponential back-off with full jitter (0.5 s, 1 s, 2 s…)."""
    if retry_after is not None:
        return min(retry_after, 60.0)
    return random.uniform(0, 0.5 * 2 ** (attempt - 1))


def _error(status: int, answer: dict[str, Any], retry_after: float | None) -> Exception:
    code = str((answer.get("error") or {}).get("code", ""))
    if status == 429:
        return RateLimited(retry_after or 1.0)
    if status in (403, 404) and (code in GONE_CODES or status == 404):
        reason, fix = GONE_CODES.get(code, (Unreachable.CHANNEL_GONE, ""))
        return ConversationGone(code or str(status), reason, fix)
    said = f"bot connector answered {status} {code}".strip()
    if 400 <= status < 500 and status not in TRANSIENT_4XX:
        return Rejected(said)  # a request Teams will never take: sending it again won't help
    return DeliveryError(said)
