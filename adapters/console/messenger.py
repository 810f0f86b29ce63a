"""``ConsoleMessenger``: the Messenger port for the sandbox, printing cards to a terminal and
remembering their buttons so that ``press 2`` can press one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from adapters.console.inbound import direct
from adapters.console.render import to_lines
from nudges.edge import (
    Actions,
    Button,
    Card,
    Clock,
    Conversation,
    ConversationKind,
    Fence,
    MemberRef,
    MessageRef,
)


@dataclass(frozen=True, slots=True)
class Pressable:
    button: Button
    message: MessageRef


class ConsoleMessenger:
    def __init__(self, write: Callable[[str], None], clock: Clock, tz: str) -> None:
        self.write = write
        self.clock = clock
        self.tz = tz
        self.buttons: dict[int, Pressable] = {}
        self.sent: list[tuple[Conversation, Card]] = []
        self._keys: set[str] = set()
        self._next_message = 0

    def show(self, heading: str, card: Card, ref: MessageRef | None) -> None:
        """Print ``card`` under ``heading``, numbering its buttons."""
        base = len(self.buttons)

        def number(index: int) -> int:
            return base + index + 1

        lines = to_lines(card, number)
        if ref is not None:
            buttons = [
                b for block in card.blocks if isinstance(block, Actions) for b in block.buttons
            ]
            for index, button in enumerate(buttons):
                self.buttons[number(index)] = Pressable(button, ref)
        self.write(heading)
        for line in lines:
            self.write(f"  | {line}")

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        if fence is not None:
            fence()
        self._next_message += 1
        ref = MessageRef(conversation, str(self._next_message))
        self.sent.append((conversation, card))
        if key:
            self._keys.add(key)
        self.show(f"{self._stamp()} CareNudge {_where(conversation)}:", card, ref)
        return ref

    async def update(self, ref: MessageRef, card: Card) -> None:
        self.show(
            f"{self._stamp()} CareNudge updated its message {_where(ref.conversation)}:", card, ref
        )

    async def open_dm(self, member: MemberRef) -> Conversation:
        return direct(member.user_id)

    async def check_reach(self, conversation: Conversation) -> None:
        return None  # the sandbox reaches every channel

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        return True if key in self._keys else None

    def _stamp(self) -> str:
        return self.clock.now().astimezone(ZoneInfo(self.tz)).strftime("[%a %d %b %H:%M]")


def _where(conversation: Conversation) -> str:
    if conversation.kind is ConversationKind.DIRECT:
        return f"to @{conversation.channel_id.removeprefix('dm-')} (direct message)"
    return f"in #{conversation.channel_id}"
