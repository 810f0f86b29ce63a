"""``POST /api/messages``: Teams activities, authenticated by their Bot Framework token
(``auth``), translated into engine events; answers go out through our own ``TeamsMessenger``.
The inbound half of the Teams transport seam.

Like the Slack edge, it acknowledges first and works afterwards: an activity is answered with
201 as soon as it is authenticated, and handled in the background, one at a time per
conversation, in the order they came. Answers are paced under the tenant's limits, shared with
any fan-out, so waiting for them before answering the HTTP request would take seconds.

botbuilder's ``CloudAdapter`` is not used to run the turn: for every activity it builds a
connector client and a user-token client (about 5 ms of CPU each, most of it in msrest's retry
policy), which CareNudge never uses, since it answers through its own connector. With 50
activities at once, that alone held the last acknowledgement back by about half a second.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from urllib.parse import urlparse

from aiohttp import web

from adapters.teams import forms
from adapters.teams.auth import Unauthorized
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.messenger import activity as card_activity
from adapters.teams.records import Place, TeamsRecords
from adapters.teams.settings import TeamsSettings
from adapters.teams.translate import (
    channel_name,
    conversation_of,
    entities,
    from_message,
    from_submit,
    member_of,
    mentioned,
    place_of,
    team_id,
    tenant_of,
    thread_of,
)
from adapters.teams.transport import Transport
from adapters.turns import Turns
from nudges.edge import (
    Arg,
    Card,
    ChannelRef,
    CommandInvoked,
    ContextLine,
    Conversation,
    ConversationKind,
    DeliveryError,
    Door,
    Event,
    Heading,
    MemberRef,
    Mention,
    MessageRef,
    Reply,
    Text,
    help_card,
    welcome_card,
)

log = logging.getLogger(__name__)

ALREADY_SAVED = Card(
    (Heading("Already saved"), Text(("Your cadence is set: nudge list shows it.",))),
    "Already saved",
)
"""The answer to a second press of one Save (Teams lets a card be pressed twice)."""
SEEN_IN_THE_CHANNEL = frozenset({"shoutout", "pause"})
"""Commands whose success is a post of their own in the channel they were given in."""
NO_CHAT = (
    "I couldn't open a 1:1 chat with you, where this answer goes. Add CareNudge from Apps "
    "in Teams, then try again."
)


class TeamsInbound:
    def __init__(
        self,
        settings: TeamsSettings,
        engine: Door,
        records: TeamsRecords,
        messenger: TeamsMessenger,
        turns: Turns,
        transport: Transport,
        *,
        privacy_url: str | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.privacy_url = privacy_url
        """Where the welcome points for how people's information is handled, if anywhere."""
        self.records = records
        self.messenger = messenger
        self.transport = transport
        self.tokens = transport.tokens
        self.turns = turns
        """Acknowledged activities wait for the acknowledgements in progress, then run one at
        a time per conversation, in the order they came."""

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/api/messages", self._messages)]

    async def _messages(self, request: web.Request) -> web.Response:
        """Check the Bot Framework token (401 without a valid one), acknowledge, and handle
        the activity afterwards. An invoke gets 501, Bot Framework's answer to one the bot
        does not implement (none of CareNudge's cards sends one)."""
        if "application/json" not in request.headers.get("Content-Type", ""):
            raise web.HTTPUnsupportedMediaType()
        try:
            activity = self.transport.parse(await request.json())
        except web.HTTPRequestEntityTooLarge:
            log.info("refused a request to /api/messages larger than the app takes")
            raise
        except Exception as exc:
            name = type(exc).__name__
            log.info("ignored a request to /api/messages that is not an activity (%s)", name)
            raise web.HTTPBadRequest() from None
        if not activity.type or not _addressed(activity):
            log.info("ignored an activity with no conversation, sender or recipient")
            raise web.HTTPBadRequest()
        if self.tokens is not None:
            try:
                activity.caller_id = await self.tokens.check(
                    request,
                    str(activity.channel_id or ""),
                    str(activity.service_url or ""),
                )
            except Unauthorized as exc:
                log.info("refused a request to /api/messages: %s", exc.reason)
                raise web.HTTPUnauthorized() from None
        elif not _on_this_machine(str(activity.service_url or "")):
            # No authentication (local testing): answer only a Teams client on this machine.
            log.info("refused an unauthenticated activity whose serviceUrl is not loopback")
            raise web.HTTPForbidden()
        allowed = self.settings.allowed_tenants
        if allowed and tenant_of(activity) not in allowed:
            log.info("refused an activity from a tenant this bot does not serve")
            raise web.HTTPForbidden()
        conversation = str(getattr(activity.conversation, "id", "") or "")

        async def reply(answer: Reply) -> None:
            await self._reply_without_records(activity, answer.card)

        self.turns.spawn(
            conversation,
            lambda: self._handle(activity),
            answer=reply if activity.type == "message" else None,
        )
        return web.Response(status=501 if activity.type == "invoke" else 201)

    async def drain(self) -> None:
        """On shutdown: let the activities already acknowledged finish, for a while."""
        await self.turns.drain()

    async def _handle(self, activity: Any) -> None:
        await self._remember(activity)
        if activity.type == "message":
            await self._message(activity)
        elif activity.type in ("installationUpdate", "conversationUpdate"):
            await self._installed(activity)

    async def _reply_without_records(self, activity: Any, card: Card) -> None:
        """Answer in the conversation ``activity`` came from, addressed from the activity
        itself: our records of conversations are in Redis, which may be what is away. (The
        pacer still paces it, alone in memory if it must.)"""
        place = place_of(activity)
        await self.messenger.connector.send(
            place.service_url, place.tenant_id, thread_of(activity), card_activity(card)
        )

    async def _remember(self, activity: Any) -> None:
        """Keep where this conversation and these people can be reached (on install, and on
        every message); hearing from someone makes them reachable again."""
        place = place_of(activity)
        await self.records.remember_conversation(place)
        if place.kind == "channel" and channel_name(activity):
            await self.records.remember_channel(
                place.tenant_id, channel_name(activity), place.conversation_id
            )
        if place.user_id and not place.user_id.startswith("28:"):
            chat = place.conversation_id if place.kind == "personal" else ""
            await self.records.remember_person(place, personal_chat=chat)
        for _, user_id, _ in mentioned(activity):
            if await self.records.person(place.tenant_id, user_id) is None:
                await self.records.remember_person(
                    Place(place.service_url, place.tenant_id, place.bot_id, user_id=user_id)
                )
        tz = activity.local_timezone or _client_time_zone(activity)
        if tz:
            try:
                await self.engine.learn_time_zone(member_of(activity), str(tz))
            except Exception as exc:
                log.warning("could not learn a time zone from Teams (%s)", type(exc).__name__)

    async def _message(self, activity: Any) -> None:
        if isinstance(activity.value, dict) and activity.value.get("carenudge") == forms.FORM:
            await self._form(activity)
            return
        event: Event | None = from_submit(activity) if activity.value else from_message(activity)
        where = conversation_of(activity)
        if isinstance(event, CommandInvoked):
            if where.kind is ConversationKind.CHANNEL and not event.conversation_name:
                # First: it may learn the team's channels, which #names below are looked up in.
                event = replace(event, conversation_name=await self._channel_name(activity))
            event = await self._channels_named(event)
        if (
            isinstance(event, CommandInvoked)
            and event.name == "nudge"
            and forms.wants_form(event.args)
        ):
            await self._send_form(activity, event)
            return
        if event is None:
            # Anything that isn't a command, in a 1:1, or said to CareNudge by name (a bare
            # "@CareNudge", or "@CareNudge hello") anywhere: the help, where it was said.
            if not activity.value and (where.kind is ConversationKind.DIRECT or _to_bot(activity)):
                try:
                    await self._reply_without_records(activity, help_card(""))
                except DeliveryError as exc:
                    log.warning("could not answer in Teams (%s)", type(exc).__name__)
            return
        reply = await self.engine.handle(event)
        if reply is None:
            return
        if reply.private and where.kind is not ConversationKind.DIRECT:
            # A shout-out or a Pause that went well is its own post in the channel already.
            named = event.name if isinstance(event, CommandInvoked) else ""
            seen = named in SEEN_IN_THE_CHANNEL and reply.status == "ok"
            said = "" if seen else "I've answered you"
            await self._privately(activity, event.actor, reply.card, said)
            return
        # Straight back where it came from, by the activity's own address: the answer to
        # "forget me" goes out after the records it would be looked up in are erased.
        try:
            await self._reply_without_records(activity, reply.card)
        except DeliveryError as exc:
            log.warning("could not answer in Teams (%s)", type(exc).__name__)

    async def _channel_name(self, activity: Any) -> str:
        """The name of the channel ``activity`` came from, asking the team's channel list if
        CareNudge has not learnt it yet; "" if the channel is not on it (a private one)."""
        where = conversation_of(activity)
        name = await self.records.name_of_channel(where.tenant_id, where.channel_id)
        team = team_id(activity)
        if not name and team and await self.records.may_list_channels(where.tenant_id, team):
            await self._learn_channels(activity)
            name = await self.records.name_of_channel(where.tenant_id, where.channel_id)
        return name

    async def _channels_named(self, event: CommandInvoked) -> CommandInvoked:
        """``#ward-7`` typed in Teams names a channel CareNudge has been in."""
        args: list[Arg] = []
        for arg in event.args:
            if isinstance(arg, str) and arg.startswith("#") and len(arg) > 1:
                found = await self.records.channel_named(event.actor.tenant_id, arg[1:])
                if found:
                    conversation = Conversation("teams", event.actor.tenant_id, found)
                    args.append(ChannelRef(conversation, arg[1:]))
                    continue
            args.append(arg)
        return replace(event, args=tuple(args))

    async def _send_form(self, activity: Any, event: CommandInvoked) -> None:
        """The cadence form goes to the manager's 1:1 (forms are personal)."""
        tz, teams = await self.engine.drafting(event.actor)
        here = event.conversation
        channel = here if here.kind is not ConversationKind.DIRECT else None
        form = forms.cadence_form(tz, teams, channel, event.conversation_name)
        if channel is not None:
            await self._privately(activity, event.actor, form, "the cadence form is waiting")
            return
        try:
            await self.messenger.send_card(here, form)
        except DeliveryError as exc:
            log.warning("could not send the cadence form (%s)", type(exc).__name__)

    async def _privately(
        self, activity: Any, actor: MemberRef, card: Card | dict[str, Any], said: str
    ) -> None:
        """An answer for one person to a command in a channel goes to their 1:1 chat (Teams
        has no message only one person sees), and a word in the thread says where it went, so
        the command does not seem to have fallen on deaf ears (unless ``said`` is empty)."""
        try:
            chat = await self.messenger.open_dm(actor)
            if isinstance(card, Card):
                await self.messenger.send(chat, card)
            else:
                await self.messenger.send_card(chat, card)
        except DeliveryError as exc:
            log.info("could not answer in a 1:1 chat (%s)", type(exc).__name__)
            note = Card((Text((NO_CHAT,)),), NO_CHAT)
        else:
            if not said:
                return
            name = str(getattr(activity.from_property, "name", "") or "")
            note = Card(
                (ContextLine((Mention(actor, name), f", {said} in your 1:1 chat with me.")),),
                f"{said[0].upper()}{said[1:]} in your 1:1 chat with CareNudge.",
            )
        try:
            await self._reply_without_records(activity, note)
        except DeliveryError as exc:
            log.warning("could not answer in Teams (%s)", type(exc).__name__)

    async def _form(self, activity: Any) -> None:
        answers: dict[str, Any] = activity.value
        where = conversation_of(activity)
        channel = (
            Conversation(where.platform, where.tenant_id, str(answers["channel"]))
            if answers.get("channel")
            else where
        )
        name = str(answers.get("name") or "")
        actor, actor_name = member_of(activity), str(activity.from_property.name or "")
        if answers.get("value") == "save":
            saving = str(answers.get("saving") or "")
            if saving and not await self.records.first_save(where.tenant_id, actor.user_id, saving):
                await self._send(where, ALREADY_SAVED)  # a second press of the same Save
                return
            words = forms.saved_words(answers, channel)
            reply = await self.engine.handle(
                CommandInvoked("nudge", ("create", *words), actor, actor_name, where, name)
            )
            if reply is not None:
                await self._answer_in_place(activity, where, reply.card)
            return
        words = forms.form_words(answers, channel, name)
        reply = await self.engine.handle(
            CommandInvoked("nudge", ("preview", *words), actor, actor_name, where, name)
        )
        if reply is None:
            return
        if reply.status != "ok":
            await self._send(where, reply.card)
            return
        try:
            await self.messenger.send_card(where, forms.with_save(reply.card, words, answers))
        except DeliveryError as exc:
            log.warning("could not send a preview (%s)", type(exc).__name__)

    async def _installed(self, activity: Any) -> None:
        """Added: one welcome in a 1:1 (Teams announces an install twice, as an
        installationUpdate and as a conversationUpdate), and a team's channels learnt.
        Removed (from a 1:1, a chat, or a team, or the team deleted): nothing more is written
        there; managers see the cadences it stops, in their usual view."""
        where = conversation_of(activity)
        action = str(activity.action or "") if activity.type == "installationUpdate" else ""
        bot = activity.recipient.id
        added = action.startswith("add") or any(m.id == bot for m in activity.members_added or [])
        event = str((activity.channel_data or {}).get("eventType") or "")
        gone = (
            action.startswith("remove")
            or any(m.id == bot for m in activity.members_removed or [])
            or event in ("teamDeleted", "teamHardDeleted")
        )
        if gone:
            team = team_id(activity) if where.kind is ConversationKind.CHANNEL else ""
            count = await self.records.removed(where.tenant_id, where.channel_id, team)
            if where.kind is ConversationKind.DIRECT:
                await self.records.mark_unreachable(where.tenant_id, member_of(activity).user_id)
            log.info("CareNudge was removed from %d Teams conversation(s)", count)
            return
        direct = where.kind is ConversationKind.DIRECT
        if added and direct and await self.records.first_welcome(where.tenant_id, where.channel_id):
            await self._send(where, welcome_card(self.privacy_url))
        if added and team_id(activity):
            await self._learn_channels(activity)

    async def _learn_channels(self, activity: Any) -> None:
        """Added to a team: learn its channels from the Bot Connector (names, and where to
        post), so that people can name them (``#ward-7``), see them by name, and have prompts
        sent there before anyone has written in them. Channels created or renamed later arrive
        as events of their own (``_remember``)."""
        place = place_of(activity)
        try:
            channels = await self.messenger.connector.team_channels(
                place.service_url, place.tenant_id, team_id(activity)
            )
        except DeliveryError as exc:
            log.warning("could not list a team's channels (%s)", type(exc).__name__)
            return
        for channel_id, name in channels:
            await self.records.remember_channel(place.tenant_id, name, channel_id)
            await self.records.remember_conversation(
                Place(
                    place.service_url,
                    place.tenant_id,
                    place.bot_id,
                    channel_id,
                    "channel",
                    team_id=team_id(activity),
                )
            )

    async def _answer_in_place(self, activity: Any, where: Conversation, card: Card) -> None:
        """Replace the card that was pressed with ``card`` (so its button is gone), or send
        ``card`` if that card can't be changed."""
        if activity.reply_to_id:
            try:
                await self.messenger.update(MessageRef(where, str(activity.reply_to_id)), card)
                return
            except DeliveryError as exc:
                log.info("could not update a pressed card (%s); answering anew", type(exc).__name__)
        await self._send(where, card)

    async def _send(self, where: Conversation, card: Card) -> None:
        try:
            await self.messenger.send(where, card)
        except DeliveryError as exc:
            log.warning("could not answer in Teams (%s)", type(exc).__name__)


def _addressed(activity: Any) -> bool:
    """Whether an activity says where it came from, who sent it and to whom: without them
    there is nothing to answer (Teams always sends them)."""
    return bool(
        getattr(activity.conversation, "id", None)
        and getattr(activity.from_property, "id", None)
        and getattr(activity.recipient, "id", None)
        and activity.service_url
    )


def _to_bot(activity: Any) -> bool:
    """Whether CareNudge was @mentioned in the message."""
    bot = activity.recipient.id
    return any(
        e.get("type") == "mention" and (e.get("mentioned") or {}).get("id") == bot
        for e in entities(activity)
    )


def _on_this_machine(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in ("127.0.0.1", "localhost", "::1")


def _client_time_zone(activity: Any) -> str:
    for entity in entities(activity):
        if entity.get("type") == "clientInfo":
            return str(entity.get("timezone") or "")
    return ""
