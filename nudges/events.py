"""Inbound neutral events, produced by adapters from platform payloads.

Adapters resolve platform markup before the engine sees it: a Slack ``<@U1|sam>`` or a Teams
``<at>Sam</at>`` arrives here as a ``Mention``, a channel link as a ``ChannelRef``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nudges.cards import Action, Mention
from nudges.model import ChannelRef, Conversation, MemberRef, MessageRef

Arg = str | Mention | ChannelRef
"""One word of a command: plain text, a person, or a channel."""


@dataclass(frozen=True, slots=True)
class CommandInvoked:
    """Someone typed a command: ``name`` is "nudge", "shoutout" or "pause" (no slash).

    ``conversation_name`` is the channel's display name, if the platform gave one.
    """

    name: str
    args: tuple[Arg, ...]
    actor: MemberRef
    actor_name: str
    conversation: Conversation
    conversation_name: str = ""


@dataclass(frozen=True, slots=True)
class ActionInvoked:
    """Someone pressed a button the engine sent; ``message`` is the message it was on."""

    action: Action
    value: str
    actor: MemberRef
    actor_name: str
    conversation: Conversation
    message: MessageRef | None = None


Event = CommandInvoked | ActionInvoked
