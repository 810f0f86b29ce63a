"""``FileInbox``: a Messenger for tests that run the engine in other processes.

Each send appends one line to a file with a single ``write`` (O_APPEND), so what was sent
survives SIGKILL of the sender. ``was_sent`` reads the file, like a platform that can be asked
whether a message with a given key arrived.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from nudges.cards import Card
from nudges.model import Conversation, ConversationKind, MemberRef, MessageRef
from nudges.ports import Fence


class FileInbox:
    def __init__(self, path: Path, delay_s: float = 0.0, *, can_tell: bool = True) -> None:
        self.path = path
        self.delay_s = delay_s
        self.can_tell = can_tell
        """False: like Slack and Teams, ``was_sent`` cannot say (the engine sends again)."""
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        if fence is not None:
            fence()  # then the time the platform takes to have it
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        os.write(self.fd, f"{os.getpid()} {conversation.channel_id} {key}\n".encode())
        return MessageRef(conversation, key)

    async def update(self, ref: MessageRef, card: Card) -> None:
        return None

    async def open_dm(self, member: MemberRef) -> Conversation:
        return Conversation(
            member.platform, member.tenant_id, f"D-{member.user_id}", ConversationKind.DIRECT
        )

    async def check_reach(self, conversation: Conversation) -> None:
        return None

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        if not self.can_tell:
            return None
        return any(line.split(" ", 2)[2] == key for line in read(self.path))


def read(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if line.count(" ") >= 2]
