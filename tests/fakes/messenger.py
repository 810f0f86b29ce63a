"""``RecordingMessenger``: the Messenger port in memory, recording every call, and able to
answer as a busy or unreachable platform would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from nudges.cards import Card, plain
from nudges.errors import ConversationGone, DeliveryError, RateLimited, Rejected
from nudges.model import Conversation, ConversationKind, MemberRef, MessageRef, Unreachable
from nudges.ports import Clock, Fence


@dataclass
class Delivery:
    conversation: Conversation
    card: Card
    key: str
    ref: MessageRef
    at: datetime | None

    @property
    def text(self) -> str:
        return plain(self.card)


@dataclass
class RecordingMessenger:
    sent: list[Delivery] = field(default_factory=list)
    updates: list[tuple[MessageRef, Card]] = field(default_factory=list)
    unreachable: set[str] = field(default_factory=set)
    """User ids whose direct messages fail with ConversationGone (they removed the app)."""
    gone_channels: dict[str, tuple[Unreachable, str]] = field(default_factory=dict)
    """Channel ids that refuse the bot: why, and the fix the platform suggests."""
    rate_limits: int = 0
    """How many of the next sends answer RateLimited first."""
    failures: int = 0
    """How many of the next sends fail with a DeliveryError first (a 5xx, say)."""
    rejections: int = 0
    """How many of the next sends the platform refuses for good (``Rejected``)."""
    attempts: int = 0
    refuse_updates: bool = False
    """Updates fail, as when the message was deleted or the platform is down."""
    clock: Clock | None = None
    """If given, each delivery records the time it was sent."""

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        if fence is not None:
            fence()
        self.attempts += 1
        if conversation.channel_id in self.gone_channels:
            reason, fix = self.gone_channels[conversation.channel_id]
            raise ConversationGone(reason.value, reason, fix)
        if self.rate_limits:
            self.rate_limits -= 1
            raise RateLimited(1.0)
        if self.failures:
            self.failures -= 1
            raise DeliveryError("the platform answered 502")
        if self.rejections:
            self.rejections -= 1
            raise Rejected("invalid_blocks")
        ref = MessageRef(conversation, str(len(self.sent) + 1))
        at = self.clock.now() if self.clock else None
        self.sent.append(Delivery(conversation, card, key, ref, at))
        return ref

    async def update(self, ref: MessageRef, card: Card) -> None:
        if self.refuse_updates:
            raise DeliveryError("the platform answered 404 message_not_found")
        self.updates.append((ref, card))

    async def open_dm(self, member: MemberRef) -> Conversation:
        if member.user_id in self.unreachable:
            raise ConversationGone(f"{member.user_id} blocked the bot", Unreachable.APP_REMOVED)
        return Conversation(
            member.platform, member.tenant_id, f"D-{member.user_id}", ConversationKind.DIRECT
        )

    async def check_reach(self, conversation: Conversation) -> None:
        if conversation.channel_id in self.gone_channels:
            reason, fix = self.gone_channels[conversation.channel_id]
            raise ConversationGone(reason.value, reason, fix)

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        return any(d.key == key for d in self.sent)

    def to(self, channel_id: str) -> list[Delivery]:
        return [d for d in self.sent if d.conversation.channel_id == channel_id]
