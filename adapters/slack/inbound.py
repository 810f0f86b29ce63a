"""The Bolt ``AsyncApp`` at ``POST /slack/events``: slash commands, buttons and events.

Every listener acknowledges first (Slack's 3-second deadline) and works afterwards; replies
that concern only the caller are ephemeral. Every Bolt argument comes from our settings,
because Bolt otherwise reads SLACK_* variables by itself. Retried deliveries never act twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from redis.asyncio import Redis
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import to_block_kit
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import PLATFORM, from_action, from_command
from nudges.cards import Card, Reply
from nudges.events import Event
from nudges.model import MemberRef

log = logging.getLogger(__name__)

SEEN_TTL_S = 3600
MAX_VIEW_BLOCKS = 100
TimeZoneOf = Callable[[MemberRef], Awaitable[str | None]]


class EngineDoor(Protocol):
    """What the Slack edge needs from the engine."""

    async def handle(self, event: Event) -> Reply | None: ...

    async def learn_time_zone(self, member: MemberRef, tz: str) -> None: ...

    async def knows_time_zone(self, member: MemberRef) -> bool: ...

    async def home(self, member: MemberRef, note: str = "") -> Card: ...


class SlackInbound:
    def __init__(
        self,
        settings: SlackSettings,
        engine: EngineDoor,
        client: AsyncWebClient,
        redis: Redis,
        time_zone_of: TimeZoneOf,
        **bolt: Any,
    ) -> None:
        self.engine = engine
        self.redis = redis
        self.time_zone_of = time_zone_of
        self.app = AsyncApp(
            name="carenudge",
            logger=logging.getLogger("slack_bolt"),
            signing_secret=settings.signing_secret.reveal(),
            token=None,  # the client carries the token (or OAuth supplies one per workspace)
            client=client,
            process_before_response=False,
            raise_error_for_unhandled_request=False,
            request_verification_enabled=True,
            ignoring_self_events_enabled=True,
            ssl_check_enabled=True,
            url_verification_enabled=True,
            **bolt,
        )
        self.app.command(re.compile(r"^/(nudge|shoutout|pause)$"))(self._command)
        self.app.action(re.compile(r".*"))(self._action)
        self.app.event("app_home_opened")(self._home_opened)
        self.client = client

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/slack/events", self._dispatch)]

    async def _dispatch(self, request: web.Request) -> web.Response:
        response = await self.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def _first_time(self, kind: str, ident: str) -> bool:
        """False for a delivery we have already acted on (Slack retries; people double-click)."""
        if not ident:
            return True
        return bool(
            await self.redis.set(
                f"carenudge:slack:seen:{kind}:{ident}", "1", nx=True, ex=SEEN_TTL_S
            )
        )

    async def _command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        if not await self._first_time("trigger", str(command.get("trigger_id", ""))):
            return
        event = from_command(command)
        await self._learn_time_zone(event.actor)
        await self._answer(await self.engine.handle(event), respond)

    async def _action(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], respond: Any
    ) -> None:
        await ack()
        ident = f"{body.get('trigger_id', '')}:{action.get('action_id', '')}"
        if not await self._first_time("action", ident):
            return
        event = from_action(body, action)
        if event is None:
            log.info("ignored an action that is not ours")
            return
        reply = await self.engine.handle(event)
        if (body.get("view") or {}).get("type") == "home":
            # The Home tab has no place for a private reply: show it at the top of the tab.
            note = reply.card.fallback_text if reply is not None else ""
            await self._publish_home(event.actor, note)
            return
        await self._answer(reply, respond)

    async def _home_opened(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        if not await self._first_time("event", str(body.get("event_id", ""))):
            return
        member = MemberRef(PLATFORM, str(body.get("team_id", "")), str(event.get("user", "")))
        await self._learn_time_zone(member)
        await self._publish_home(member)

    async def _publish_home(self, member: MemberRef, note: str = "") -> None:
        card = await self.engine.home(member, note[:300])
        view = {"type": "home", "blocks": to_block_kit(card)["blocks"][:MAX_VIEW_BLOCKS]}
        try:
            await self.client.views_publish(user_id=member.user_id, view=view)
        except SlackApiError as exc:
            log.warning("could not publish the Home tab (%s)", exc.response.status_code)

    async def _answer(self, reply: Reply | None, respond: Any) -> None:
        if reply is None:
            return
        await respond(
            **to_block_kit(reply.card),
            response_type="ephemeral" if reply.private else "in_channel",
            replace_original=False,
        )

    async def _learn_time_zone(self, member: MemberRef) -> None:
        """A member's time zone defaults to the one Slack has for them. Best effort: a
        failure here must never cost the person their answer."""
        try:
            if await self.engine.knows_time_zone(member):
                return
            tz = await self.time_zone_of(member)
            if tz:
                await self.engine.learn_time_zone(member, tz)
        except Exception as exc:
            log.warning("could not learn a time zone from Slack (%s)", type(exc).__name__)
