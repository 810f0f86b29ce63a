"""One Messenger in front of the platforms: each call goes to the platform of its address.
The engine is given this one; each platform mounted adds its own messenger to it."""

from __future__ import annotations

from collections.abc import Mapping

from nudges.edge import (
    Card,
    Conversation,
    DeliveryError,
    Fence,
    MemberRef,
    MessageRef,
    Messenger,
)


class RoutingMessenger:
    def __init__(self, platforms: Mapping[str, Messenger] | None = None) -> None:
        self._platforms = dict(platforms or {})

    def add(self, platform: str, messenger: Messenger) -> None:
        """Route every address on ``platform`` to ``messenger``."""
        self._platforms[platform] = messenger

    @property
    def platforms(self) -> list[str]:
        return sorted(self._platforms)

    def _for(self, platform: str) -> Messenger:
        try:
            return self._platforms[platform]
        except KeyError:
            raise DeliveryError(f"no messenger for platform '{platform}' in this process") from None

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        messenger = self._for(conversation.platform)
        return await messenger.send(conversation, card, key=key, fence=fence)

    async def update(self, ref: MessageRef, card: Card) -> None:
        await self._for(ref.conversation.platform).update(ref, card)

    async def open_dm(self, member: MemberRef) -> Conversation:
        return await self._for(member.platform).open_dm(member)

    async def check_reach(self, conversation: Conversation) -> None:
        await self._for(conversation.platform).check_reach(conversation)

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        return await self._for(conversation.platform).was_sent(conversation, key)
