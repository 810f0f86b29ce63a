"""``TeamsMessenger``: the Messenger port for Teams, over our own conversation records and the
Bot Connector client. A 403 from a person's 1:1 (they removed or blocked the app) marks them
unreachable: no retries until they write to the bot again."""

from __future__ import annotations

from typing import Any

from adapters.teams.connector import ADD_TO_TEAM, BotConnector
from adapters.teams.records import Place, TeamsRecords
from adapters.teams.render import to_adaptive_card
from nudges.edge import (
    Card,
    Conversation,
    ConversationGone,
    ConversationKind,
    Fence,
    MemberRef,
    MessageRef,
    Unreachable,
)

PLATFORM = "teams"
CARD = "application/vnd.microsoft.card.adaptive"


def activity(card: Card) -> dict[str, Any]:
    return adaptive(to_adaptive_card(card))


def adaptive(content: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "message",
        "summary": str(content.get("fallbackText", ""))[:250],
        "attachments": [{"contentType": CARD, "content": content}],
    }


class TeamsMessenger:
    def __init__(self, connector: BotConnector, records: TeamsRecords) -> None:
        self.connector = connector
        self.records = records

    async def _place(self, conversation: Conversation) -> Place:
        place = await self.records.conversation(conversation.tenant_id, conversation.channel_id)
        if place is None:
            raise ConversationGone(
                "no record of that conversation",
                Unreachable.NOT_IN_CHANNEL,
                f"{ADD_TO_TEAM} Or mention @CareNudge in the channel once, so it knows it.",
            )
        if place.unreachable:  # Teams told us CareNudge was removed: write nothing there
            if place.kind == "personal":
                raise ConversationGone("removed by this person", Unreachable.APP_REMOVED)
            raise ConversationGone("CareNudge was removed", Unreachable.NOT_IN_CHANNEL, ADD_TO_TEAM)
        return place

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        return await self.send_card(conversation, to_adaptive_card(card), fence=fence)

    async def send_card(
        self, conversation: Conversation, content: dict[str, Any], *, fence: Fence | None = None
    ) -> MessageRef:
        """Send an Adaptive Card the Teams edge built itself (its cadence form)."""
        place = await self._place(conversation)
        try:
            sent = await self.connector.send(
                place.service_url,
                place.tenant_id,
                place.conversation_id,
                adaptive(content),
                fence,
            )
        except ConversationGone:
            if place.kind == "personal" and place.user_id:
                await self.records.mark_unreachable(place.tenant_id, place.user_id)
            raise
        return MessageRef(conversation, sent)

    async def update(self, ref: MessageRef, card: Card) -> None:
        place = await self._place(ref.conversation)
        await self.connector.update(
            place.service_url,
            place.tenant_id,
            place.conversation_id,
            ref.message_id,
            activity(card),
        )

    async def open_dm(self, member: MemberRef) -> Conversation:
        person = await self.records.person(member.tenant_id, member.user_id)
        if person is None:
            raise ConversationGone("not installed by this person", Unreachable.APP_REMOVED)
        if person.unreachable:
            raise ConversationGone("removed or blocked by this person", Unreachable.APP_REMOVED)
        chat = person.conversation_id
        if not chat:
            chat = await self.connector.open_personal(
                person.service_url, person.tenant_id, person.bot_id, person.user_id
            )
            await self.records.remember_person(person, personal_chat=chat)
        await self.records.remember_conversation(
            Place(
                person.service_url,
                person.tenant_id,
                person.bot_id,
                chat,
                "personal",
                person.user_id,
                person.aad_object_id,
            )
        )
        return Conversation(PLATFORM, member.tenant_id, chat, ConversationKind.DIRECT)

    async def check_reach(self, conversation: Conversation) -> None:
        """A channel CareNudge has never been in has no record: it is not in that team."""
        if conversation.kind is not ConversationKind.DIRECT:
            await self._place(conversation)

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        return None  # the Bot Connector cannot list what a bot sent
