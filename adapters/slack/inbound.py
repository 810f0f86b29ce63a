"""The Bolt ``AsyncApp`` at ``POST /slack/events``: slash commands, buttons and events.

Every listener acknowledges first (Slack's 3-second deadline) and works afterwards; replies
that concern only the caller are ephemeral. A form opens before anything else is done, and a
form's answer is what the engine can say without Slack (``Door.check``: a problem shown under
its field, a preview); what posts, or asks Slack, follows it, and how it went is told after.
Every Bolt argument comes from our settings, because Bolt otherwise reads SLACK_* variables
by itself. Retried deliveries, and a form submitted twice, never act twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import modals
from adapters.slack.gate import Refusal, SlackGate
from adapters.slack.installs import RedisInstallationStore
from adapters.slack.messenger import translated
from adapters.slack.render import to_block_kit
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import (
    PLATFORM,
    conversation,
    from_action,
    from_command,
    tenant_of,
)
from adapters.turns import Turns
from nudges.edge import (
    Arg,
    Card,
    ChannelRef,
    CommandInvoked,
    Conversation,
    ConversationGone,
    ConversationKind,
    Door,
    Field,
    MemberRef,
    RateLimited,
    Reply,
    Text,
    failed,
    undelivered,
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
FORM_BLOCKS: dict[Field | None, str] = {
    "audience": "channel",
    "days": "days",
    "times": "times",
    "tz": "tz",
    "theme": "theme",
    None: "times",
}
"""Which input of the cadence form a problem is shown under (by default, the times)."""
SHOUTOUT_BLOCKS: dict[Field | None, str] = {"recipients": "people", "words": "message"}
"""Which input of the shout-out form a problem is shown under (by default, the message)."""
FORMS = ("/nudge", "/shoutout")
"""The commands that open a form when typed alone."""
OPEN_WITHIN_S = 2.5
"""How long views.open may take: the trigger lasts 3 s from the command (and the client waits
out a 429's Retry-After before trying again), so a form not open by then will not open."""


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
            request_verification_enabled=True,
            ignoring_self_events_enabled=True,
            ssl_check_enabled=True,
            url_verification_enabled=True,
            user_facing_authorize_error_message=NOT_INSTALLED,
            **bolt,
        )
        self.app.command(re.compile(r"^/(nudge|shoutout|pause)$"))(self._command)
        self.app.action(re.compile(r".*"))(self._action)
        self.app.event("app_home_opened")(self._home_opened)
        self.app.view(modals.CADENCE)(self._cadence_previewed)
        self.app.view(modals.CADENCE_PREVIEW)(self._cadence_saved)
        self.app.view(modals.SHOUTOUT)(self._shoutout_sent)
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
            await self._open_modal(event, trigger, client, respond)
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

    async def _open_modal(
        self, event: CommandInvoked, trigger_id: str, client: AsyncWebClient, respond: Any
    ) -> None:
        where = event.conversation
        if event.name == "nudge":
            tz, teams = await self.engine.drafting(event.actor)
            if not await self.engine.knows_time_zone(event.actor):
                tz = ""  # asked of Slack once the form is open; the preview says which
            view = modals.cadence_modal(where.channel_id, event.conversation_name, tz, teams)
        else:
            view = modals.shoutout_modal(where.channel_id, event.conversation_name)
        try:
            async with asyncio.timeout(OPEN_WITHIN_S):
                await client.views_open(trigger_id=trigger_id, view=view)
        except Exception as exc:  # whatever it was, the form is not there: say so
            failure = translated(exc) if isinstance(exc, SlackApiError) else None
            if isinstance(failure, ConversationGone | RateLimited):
                # Someone must act (add CareNudge again), or it needs a minute: say which.
                said = undelivered(failure, event.conversation_name, "opening a form")
                await self._answer(said, respond)
                return
            log.warning("could not open a modal (%s)", _why(exc))
            await self._answer(Reply(modals.not_opened(event.name)), respond)

    async def _cadence_previewed(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        actor, where, metadata = _submitted(body, view, self._tenant(context))
        words = modals.cadence_words(view.get("state", {}), actor.tenant_id)
        words = [_named_channel(w, metadata) for w in words]
        event = _nudge(actor, body, where, metadata, "preview", words)
        reply = await self.engine.check(event)  # Slack is not asked: the answer is due now
        if reply is None or reply.status != "ok":
            block = FORM_BLOCKS[reply.field if reply is not None else None]
            await ack(**modals.problem(block, _said(reply)))
            return
        answer = modals.previewed(reply.card, words, metadata)
        await ack(**answer)
        if answer.get("response_action") != "update":
            return  # too much to carry: the form says so, and there is nothing to confirm

        async def confirm() -> None:
            # Now Slack is asked whether CareNudge can post in the channel; if not, the
            # preview says so (and Save would refuse it anyway).
            asked = await self.engine.handle(event)
            if asked is not None and asked.status == "invalid":
                await self._update_view(view, modals.notice("Not quite", asked.card), client)

        await self.turns.run(_lane(where, actor), confirm)

    async def _cadence_saved(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        actor, where, metadata = _submitted(body, view, self._tenant(context))
        words = modals.saved_words(metadata, actor.tenant_id)
        event = _nudge(actor, body, where, metadata, "create", words)

        async def refused(reply: Reply) -> None:
            await ack(response_action="update", view=modals.notice("Not saved", reply.card))

        reply = await self.engine.check(event)
        if reply is not None:
            await refused(reply)
            return
        if not await self._first_submit(actor, view, ack, refused):
            return

        async def save() -> None:
            saved = await self.engine.handle(event)
            if saved is not None:
                await self._tell(actor, where, saved.card, client)

        await self.turns.run(
            _lane(where, actor),
            save,
            ack=ack,  # the form closes; how it went comes privately
            answer=lambda failure: self._tell(actor, where, failure.card, client),
        )

    async def _shoutout_sent(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        actor, where, metadata = _submitted(body, view, self._tenant(context))
        words = modals.shoutout_words(view.get("state", {}), actor.tenant_id)
        event = CommandInvoked(
            "shoutout", tuple(words), actor, _user_name(body), where, str(metadata.get("name", ""))
        )

        async def problem(reply: Reply) -> None:  # shown under what it is about, to change it
            block = SHOUTOUT_BLOCKS.get(reply.field, "message")
            await ack(**modals.problem(block, _said(reply)))

        reply = await self.engine.check(event)  # nothing is posted before the answer
        if reply is not None and reply.status not in ("ok", "refused"):
            await problem(reply)
            return
        if reply is not None:  # answered without posting: a tip, a refusal
            await ack()
            await self.turns.run(None, lambda: self._tell(actor, where, reply.card, client))
            return
        if not await self._first_submit(actor, view, ack, problem):
            return

        async def send() -> None:
            sent = await self.engine.handle(event)
            if sent is not None:
                await told(sent)

        async def told(sent: Reply) -> None:
            title = "Sent" if sent.status == "ok" else "Not sent"
            await self._update_view(view, modals.notice(title, sent.card), client)
            await self._tell(actor, where, sent.card, client)

        await self.turns.run(
            _lane(where, actor),
            send,
            ack=lambda: ack(response_action="update", view=modals.sending()),
            answer=told,
        )

    async def _first_submit(
        self,
        actor: MemberRef,
        view: dict[str, Any],
        ack: Any,
        refuse: Callable[[Reply], Awaitable[None]],
    ) -> bool:
        """Whether this is the first submission of this form, claimed for it. The same view
        (its id), pressed again or sent twice, is acted on once, by whichever replica has it
        first; a second submission just closes. If that cannot be told, ``refuse`` says so."""
        ident = str(view.get("id") or "")
        try:
            first = await self.turns.first_time(
                "view", f"{actor.tenant_id}:{ident}" if ident else ""
            )
        except Exception as exc:
            await refuse(failed(exc, "answering Slack"))
            return False
        if not first:
            await ack()
        return first

    async def _update_view(
        self, view: dict[str, Any], update: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Show ``update`` in the modal ``view`` if it is still open. Best effort, and never
        raises: the person may have closed it, and is told privately too."""
        try:
            await client.views_update(view_id=str(view.get("id", "")), view=update)
        except Exception as exc:  # Slack refused (closed: not_found), timed out, or away
            log.info("could not update a modal (%s)", _why(exc))

    async def _tell(
        self, member: MemberRef, where: Conversation, card: Card, client: AsyncWebClient
    ) -> None:
        """A private note after a modal closes: ephemeral in the channel, or by DM. Best
        effort, and never raises: what it tells has happened whether or not it arrives."""
        try:
            if where.kind is ConversationKind.CHANNEL and where.channel_id:
                await client.chat_postEphemeral(
                    channel=where.channel_id, user=member.user_id, **to_block_kit(card)
                )
                return
            dm = await client.conversations_open(users=member.user_id)
            await client.chat_postMessage(channel=dm["channel"]["id"], **to_block_kit(card))
        except Exception as exc:  # Slack refused, timed out, or could not be reached
            log.warning("could not send a private note (%s)", _why(exc))

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


def _submitted(
    body: dict[str, Any], view: dict[str, Any], team: str
) -> tuple[MemberRef, Conversation, dict[str, Any]]:
    user = body.get("user") or {}
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        metadata = {}
    where = conversation(team, str(metadata.get("channel", "")), "")
    return MemberRef(PLATFORM, team, str(user.get("id", ""))), where, metadata


def _lane(where: Conversation, member: MemberRef) -> str:
    """The lane of work a form's submission joins: its channel's (the person's, if none)."""
    return where.channel_id or member.user_id


def _why(exc: Exception) -> str:
    """For the log: what Slack said, or what kind of failure it was."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        return f"{exc.response.status_code} {data.get('error', '')}".strip()
    return type(exc).__name__


def _nudge(
    actor: MemberRef,
    body: dict[str, Any],
    where: Conversation,
    metadata: dict[str, Any],
    verb: str,
    words: list[Arg],
) -> CommandInvoked:
    return CommandInvoked(
        "nudge", (verb, *words), actor, _user_name(body), where, str(metadata.get("name", ""))
    )


def _user_name(body: dict[str, Any]) -> str:
    user = body.get("user") or {}
    return str(user.get("username") or user.get("name") or "")


def _named_channel(word: Arg, metadata: dict[str, Any]) -> Arg:
    """The channel picked in a modal, with its name when it is the channel the form came
    from (Slack sends only the id, and reading names would need another scope)."""
    if isinstance(word, ChannelRef) and word.conversation.channel_id == metadata.get("channel"):
        return ChannelRef(word.conversation, str(metadata.get("name") or word.name))
    return word


def _said(reply: Reply | None) -> str:
    if reply is None:
        return "Something went wrong on my side. Please try again."
    return (
        " ".join(
            "".join(p if isinstance(p, str) else "" for p in b.parts)
            for b in reply.card.blocks
            if isinstance(b, Text)
        )
        or reply.card.fallback_text
    )
