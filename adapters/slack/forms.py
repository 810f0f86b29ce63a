"""Slack's forms, as people use them: ``/nudge`` alone opens "New cadence" (a preview, then
Save), ``/shoutout`` alone opens "Recognise a colleague" (``modals`` builds and reads them).

A form opens before anything else is done, and its submission is answered with what the
engine can say without Slack (``Door.check``: a problem shown under its field, a preview);
what posts, or asks Slack, follows the answer, and how it went is told after, privately. A
form submitted twice is acted on once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import answers, modals
from adapters.slack.messenger import translated, why
from adapters.slack.render import to_block_kit
from adapters.slack.translate import PLATFORM, conversation
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

Answer = Callable[[Reply | None, Any], Awaitable[None]]
"""Answers a command through its ``respond``."""

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
ASK_WITHIN_S = 0.5
"""How long a cadence form's preview waits for Slack to say whether CareNudge can post in the
chosen channel (so a problem shows under the picker): well inside Slack's 3 s."""
OPEN_WITHIN_S = 2.5
"""How long views.open may take: the trigger lasts 3 s from the command (and the client waits
out a 429's Retry-After before trying again), so a form not open by then will not open."""


class SlackForms:
    def __init__(
        self,
        engine: Door,
        turns: Turns,
        tenant: Callable[[AsyncBoltContext], str],
        answer: Answer,
    ) -> None:
        self.engine = engine
        self.turns = turns
        self.tenant = tenant
        """Whose request it is, by the installation that serves it."""
        self.answer = answer

    def register(self, app: AsyncApp) -> None:
        tracked = self.turns.tracked
        app.view(modals.CADENCE)(tracked(self._cadence_previewed))
        app.view(modals.CADENCE_PREVIEW)(tracked(self._cadence_saved))
        app.view(modals.SHOUTOUT)(tracked(self._shoutout_sent))

    async def open(
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
                await self.answer(said, respond)
                return
            log.warning("could not open a modal (%s)", why(exc))
            await self.answer(Reply(modals.not_opened(event.name)), respond)

    async def _cadence_previewed(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        actor, where, metadata = _submitted(body, view, self.tenant(context))
        words = answers.cadence_words(view.get("state", {}), actor.tenant_id)
        words = [_named_channel(w, metadata) for w in words]
        event = _nudge(actor, body, where, metadata, "preview", words)
        reply = await self.engine.check(event)  # what can be said without Slack, at once
        if reply is None or reply.status != "ok":
            block = FORM_BLOCKS[reply.field if reply is not None else None]
            await ack(**modals.problem(block, _said(reply)))
            return
        # Whether CareNudge can post in the channel is Slack's to say. If it says within
        # ASK_WITHIN_S, a problem shows under the channel picker, the rest of the form kept;
        # if not, the preview goes first, and is replaced if Slack then says no (Save would
        # refuse it anyway).
        asking = asyncio.ensure_future(self.engine.handle(event))
        done, _ = await asyncio.wait({asking}, timeout=ASK_WITHIN_S)
        if done:
            asked = asking.result()
            if asked is not None and asked.status != "ok":
                await ack(**modals.problem(FORM_BLOCKS[asked.field], _said(asked)))
                return
            reply = asked or reply
        answer = modals.previewed(reply.card, words, metadata)
        await ack(**answer)
        if done:
            return
        asked = await asking
        shown = answer.get("response_action") == "update"
        if shown and asked is not None and asked.status == "invalid":
            await self._update_view(view, modals.notice("Not quite", asked.card), client)

    async def _cadence_saved(
        self,
        ack: Any,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        actor, where, metadata = _submitted(body, view, self.tenant(context))
        words = answers.saved_words(metadata, actor.tenant_id)
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
        actor, where, metadata = _submitted(body, view, self.tenant(context))
        words = answers.shoutout_words(view.get("state", {}), actor.tenant_id)
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
            log.info("could not update a modal (%s)", why(exc))

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
            log.warning("could not send a private note (%s)", why(exc))


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
