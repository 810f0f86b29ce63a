"""The Bolt ``AsyncApp`` at ``POST /slack/events``: slash commands, buttons and events (the
forms are ``forms``).

Every listener acknowledges first (Slack's 3-second deadline) and works afterwards; replies
that concern only the caller are ephemeral. Every Bolt argument comes from our settings,
because Bolt otherwise reads SLACK_* variables by itself. Retried deliveries never act twice.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.forms import SlackForms
from adapters.slack.gate import Refusal, SlackGate
from adapters.slack.installs import RedisInstallationStore
from adapters.slack.render import to_block_kit
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import (
    PLATFORM,
    from_action,
    from_command,
    tenant_of,
)
from adapters.turns import Turns
from nudges.edge import (
    Door,
    MemberRef,
    Reply,
)

log = logging.getLogger(__name__)

MAX_VIEW_BLOCKS = 100
NOT_INSTALLED = (
    "CareNudge isn't installed in this workspace yet (or was removed). "
    "Your Slack admin can add it again."
)


class TimeZoneOf(Protocol):
    """Someone's time zone as Slack knows it; with ``within_s``, None at once rather than wait
    longer than that for users.info's pace."""

    async def __call__(self, member: MemberRef, *, within_s: float | None = None) -> str | None: ...


SEEN_KEPT = 50_000
"""How many (org, channel or person) this process remembers having noted (then it starts again)."""
LOOKUP_WITHIN_S = 0.3
"""How long an answer may wait for a time zone lookup; one that would wait longer is made
afterwards, in the background, at the pace Slack allows."""
FORMS = ("/nudge", "/shoutout")
"""The commands that open a form when typed alone."""


class SlackInbound:
    def __init__(
        self,
        settings: SlackSettings,
        engine: Door,
        client: AsyncWebClient,
        turns: Turns,
        time_zone_of: TimeZoneOf,
        installs: RedisInstallationStore | None = None,
        **bolt: Any,
    ) -> None:
        self.engine = engine
        self.oauth = settings.oauth
        self.installs = installs
        """With OAuth: where, inside an Enterprise Grid org, each channel and person was seen."""
        self._seen: dict[tuple[str, str], str] = {}
        self.turns = turns
        """Acknowledged work waits for the acknowledgements in progress, then runs in its
        channel's order; retried deliveries are acted on once."""
        self.time_zone_of = time_zone_of
        self.gate = SlackGate(settings.signing_secret.reveal())
        """Signed, recently, and a body Slack could send: checked before Bolt parses it."""
        self.app = AsyncApp(
            name="carenudge",
            logger=logging.getLogger("slack_bolt"),
            signing_secret=settings.signing_secret.reveal(),
            token=None,  # the client carries the token (or OAuth supplies one per workspace)
            client=client,
            process_before_response=False,
            raise_error_for_unhandled_request=False,
            # The gate checks every request's signature, on the bytes Slack signed, before Bolt
            # is given it (and Socket Mode has none to check).
            request_verification_enabled=False,
            ignoring_self_events_enabled=True,
            ssl_check_enabled=True,
            url_verification_enabled=True,
            user_facing_authorize_error_message=NOT_INSTALLED,
            **bolt,
        )
        tracked = self.turns.tracked
        self.app.command(re.compile(r"^/(nudge|shoutout|pause)$"))(tracked(self._command))
        self.app.action(re.compile(r".*"))(tracked(self._action))
        self.app.event("app_home_opened")(tracked(self._home_opened))
        self.forms = SlackForms(engine, turns, self._tenant, self._answer)
        self.forms.register(self.app)
        if self.app.installation_store is not None:
            # Uninstalled, or its token revoked: the installation goes (Bolt's own listeners,
            # through our store), so it is no longer tried.
            self.app.enable_token_revocation_listeners()

    def routes(self, *, events: bool = True) -> list[web.RouteDef]:
        """The HTTP routes: Slack's requests (not in Socket Mode, where no request may come in
        and there is no signing secret to check them with), and the OAuth install pages."""
        routes = [web.post("/slack/events", self._dispatch)] if events else []
        if self.app.oauth_flow is not None:
            routes += [
                web.get("/slack/install", self._install),
                web.get("/slack/oauth_redirect", self._installed),
            ]
        return routes

    async def _install(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        answer = await self.app.oauth_flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    async def _installed(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        answer = await self.app.oauth_flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(answer)

    async def _dispatch(self, request: web.Request) -> web.Response:
        admitted = await self.gate.admit(request)
        if isinstance(admitted, Refusal):
            log.info("refused a request to /slack/events (%d): %s", admitted.status, admitted.why)
            return web.json_response({"error": admitted.said}, status=admitted.status)
        return await to_aiohttp_response(await self.app.async_dispatch(admitted))

    async def _command(
        self,
        ack: Any,
        command: dict[str, Any],
        respond: Any,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        # Nothing may escape a listener after its ack (Turns sees to it): Bolt would log a
        # traceback, and an error raised just after ack() can even hold the acknowledgement
        # back until Slack's 3-second deadline.
        trigger = str(command.get("trigger_id", ""))

        tenant = self._tenant(context)

        async def work() -> None:
            event = from_command(command, tenant)
            await self._seen_in(context, event.conversation.channel_id, event.actor.user_id)
            await self._learn_time_zone(event.actor)
            await self._answer(await self.engine.handle(event), respond)

        async def open_form() -> None:
            event = from_command(command, tenant)
            await self.forms.open(event, trigger, client, respond)
            await self._learn_time_zone(event.actor)  # for the preview, once the form is open

        opens_form = command.get("command") in FORMS and not str(command.get("text", "")).strip()
        await self.turns.run(
            # A form's trigger lasts 3 s: it opens at once, not behind the channel's work.
            None if opens_form else str(command.get("channel_id", "")),
            open_form if opens_form else work,
            ack=ack,
            once=("trigger", trigger),
            answer=lambda reply: self._answer(reply, respond),
        )

    async def _action(
        self,
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Any,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        where = (body.get("channel") or {}).get("id") or (body.get("user") or {}).get("id")
        on_home = (body.get("view") or {}).get("type") == "home"
        tenant = self._tenant(context)

        async def work() -> None:
            event = from_action(body, action, tenant)
            if event is None:
                log.info("ignored an action that is not ours")
                return
            await self._seen_in(context, event.conversation.channel_id, event.actor.user_id)
            reply = await self.engine.handle(event)
            if on_home:
                # The Home tab has no place for a private reply: show it at the top of the tab.
                note = reply.card.fallback_text if reply is not None else ""
                await self._publish_home(event.actor, client, note)
                return
            await self._answer(reply, respond)

        await self.turns.run(
            str(where or ""),
            work,
            ack=ack,
            once=("action", f"{body.get('trigger_id', '')}:{action.get('action_id', '')}"),
            answer=None if on_home else (lambda reply: self._answer(reply, respond)),
        )

    async def _home_opened(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        member = MemberRef(PLATFORM, self._tenant(context), str(event.get("user", "")))

        async def work() -> None:
            await self._seen_in(context, member.user_id)
            await self._learn_time_zone(member)
            await self._publish_home(member, client)

        await self.turns.run(
            f"home:{member.user_id}", work, once=("event", str(body.get("event_id", "")))
        )

    async def _publish_home(
        self, member: MemberRef, client: AsyncWebClient, note: str = ""
    ) -> None:
        card = await self.engine.home(member, note[:300])
        view = {"type": "home", "blocks": to_block_kit(card)["blocks"][:MAX_VIEW_BLOCKS]}
        try:
            await client.views_publish(user_id=member.user_id, view=view)
        except SlackApiError as exc:
            log.warning("could not publish the Home tab (%s)", exc.response.status_code)

    def _tenant(self, context: AsyncBoltContext) -> str:
        """Whose request this is, by the installation that serves it (``tenant_of``)."""
        found = context.authorize_result
        enterprise = found.enterprise_id if found else context.enterprise_id
        team = found.team_id if found else context.team_id
        return tenant_of(enterprise, team, oauth=self.oauth)

    async def _seen_in(self, context: AsyncBoltContext, *where: str) -> None:
        """Inside an Enterprise Grid org whose workspaces installed CareNudge one by one, the
        workspace channels and people were last seen in: the one whose bot reaches them.
        Written only when it changes. Best effort: the answer comes first."""
        found = context.authorize_result
        if self.installs is None or found is None or not found.enterprise_id or not found.team_id:
            return
        org, team = found.enterprise_id, found.team_id
        moved = [w for w in where if w and self._seen.get((org, w)) != team]
        if not moved:
            return
        try:
            await self.installs.seen_in(org, team, *moved)
        except Exception as exc:
            log.warning("could not note where a Grid channel was seen (%s)", type(exc).__name__)
            return
        if len(self._seen) > SEEN_KEPT:
            self._seen.clear()
        self._seen.update({(org, w): team for w in moved})

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
        failure here must never cost the person their answer, nor hold it back for long.
        users.info is paced, and a whole ward new to the bot may arrive at once: a lookup
        that cannot be made at once is made in the background, and their nudges are planned
        again by it (so none lands at 3 a.m. because Slack was slow to say)."""
        try:
            if await self.engine.knows_time_zone(member):
                return
            tz = await self.time_zone_of(member, within_s=LOOKUP_WITHIN_S)
            if tz:
                await self.engine.learn_time_zone(member, tz)
                return
        except Exception as exc:
            log.warning("could not learn a time zone from Slack (%s)", type(exc).__name__)
            return
        self.turns.spawn(f"tz:{member.key}", lambda: self._learn_later(member))

    async def _learn_later(self, member: MemberRef) -> None:
        if await self.engine.knows_time_zone(member):
            return  # learned meanwhile
        tz = await self.time_zone_of(member)
        if tz:
            await self.engine.learn_time_zone(member, tz)
