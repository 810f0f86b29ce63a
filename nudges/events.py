"""Inbound neutral events, produced by adapters from platform payloads.

Adapters resolve platform markup before the engine sees it: a Slack ``<@U1|sam>`` or a Teams
``<at>Sam</at>`` arrives here as a ``Mention``, a channel link as a ``ChannelRef``, a typed web
or mail address as a ``Link``, and the rest as the plain text the person typed (a platform's
escaping undone).
"""

from __future__ import annotations

from dataclasses import dataclass

from nudges.cards import Action, Link, Mention
from nudges.model import ChannelRef, Conversation, MemberRef, MessageRef

Arg = str | Mention | ChannelRef | Link
"""One word of a command: plain text, a person, a channel, or a link."""


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
