"""Typed lines into engine events: ``@name`` becomes a mention, ``#name`` a channel."""

from __future__ import annotations

from nudges.edge import (
    Arg,
    ChannelRef,
    CommandInvoked,
    Conversation,
    ConversationKind,
    MemberRef,
    Mention,
    tokenize,
)

PLATFORM = "sandbox"
TENANT = "local"
COMMANDS = ("nudge", "shoutout", "pause")


def member(name: str) -> MemberRef:
    return MemberRef(PLATFORM, TENANT, name.lstrip("@").lower())


def channel(name: str) -> Conversation:
    return Conversation(PLATFORM, TENANT, name.lstrip("#").lower())


def direct(name: str) -> Conversation:
    return Conversation(PLATFORM, TENANT, f"dm-{name.lstrip('@').lower()}", ConversationKind.DIRECT)


def from_line(line: str, actor: str, where: Conversation) -> CommandInvoked | None:
    """The command in ``line``, or None if it isn't one of ours (``/nudge …`` or ``nudge …``)."""
    words = tokenize(line)
    if not words:
        return None
    name = words[0].lstrip("/").lower()
    if name not in COMMANDS:
        return None
    return CommandInvoked(
        name=name,
        args=tuple(_arg(w) for w in words[1:]),
        actor=member(actor),
        actor_name=actor.lstrip("@").lower(),
        conversation=where,
        conversation_name=where.channel_id,
    )


def _arg(word: str) -> Arg:
    if len(word) > 1 and word[0] == "@" and _name_like(word[1:]):
        return Mention(member(word), word[1:].lower())
    if len(word) > 1 and word[0] == "#" and _name_like(word[1:]):
        return ChannelRef(channel(word), word[1:].lower())
    return word


def _name_like(text: str) -> bool:
    return text.replace("-", "").replace("_", "").replace(".", "").isalnum() and len(text) <= 40
