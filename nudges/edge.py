"""The engine as a platform's edge sees it: the one module ``adapters`` may import from
``nudges`` (import-linter holds them to it).

What crosses the edge: the neutral events an adapter makes from platform input, the neutral
cards it renders, the addresses both use, the delivery errors its messenger raises, the ports
it implements (``Messenger``, ``Clock``), the ``Door`` it calls the engine through, the kind
answer to a failure, the help cards, and the key space its own Redis keys come from. Anything
else in ``nudges`` is the engine's own business.
"""

from __future__ import annotations

from typing import Protocol

from nudges.cards import (
    Action,
    Actions,
    Block,
    Bold,
    Button,
    Card,
    Code,
    ContextLine,
    Divider,
    Field,
    Fields,
    Heading,
    Inline,
    Link,
    Mention,
    Reply,
    Text,
)
from nudges.errors import ClaimLost, ConversationGone, DeliveryError, RateLimited, Rejected
from nudges.events import ActionInvoked, Arg, CommandInvoked, Event
from nudges.failures import failed, undelivered
from nudges.help import help_card, welcome_card
from nudges.keys import KeySpace, PaceKeys, PlatformKeys
from nudges.language import clean, tokenize
from nudges.model import (
    SHOUTOUT_BEHAVIOURS,
    WEEKDAYS,
    Behaviour,
    ChannelRef,
    Context,
    Conversation,
    ConversationKind,
    MemberRef,
    MessageRef,
    Unreachable,
    Workspace,
)
from nudges.ports import Clock, Fence, Messenger
from nudges.settings import Secret

__all__ = [
    "SHOUTOUT_BEHAVIOURS",
    "WEEKDAYS",
    "Action",
    "ActionInvoked",
    "Actions",
    "Arg",
    "Behaviour",
    "Block",
    "Bold",
    "Button",
    "Card",
    "ChannelRef",
    "ClaimLost",
    "Clock",
    "Code",
    "CommandInvoked",
    "Context",
    "ContextLine",
    "Conversation",
    "ConversationGone",
    "ConversationKind",
    "DeliveryError",
    "Divider",
    "Door",
    "Event",
    "Fence",
    "Field",
    "Fields",
    "Heading",
    "Inline",
    "KeySpace",
    "Link",
    "MemberRef",
    "Mention",
    "MessageRef",
    "Messenger",
    "PaceKeys",
    "PlatformKeys",
    "RateLimited",
    "Rejected",
    "Reply",
    "Secret",
    "Text",
    "Unreachable",
    "Workspace",
    "clean",
    "failed",
    "help_card",
    "tokenize",
    "undelivered",
    "welcome_card",
]


class Door(Protocol):
    """What a platform's edge may ask of the engine (``nudges.engine.Engine`` is one)."""

    async def handle(self, event: Event) -> Reply | None:
        """Answer what someone did. Never raises: a failure is a kind reply."""
        ...

    async def check(self, event: CommandInvoked) -> Reply | None:
        """What ``handle`` would answer without sending anything or asking the platform (a
        problem with the words, a refusal, a question back, a draft cadence's preview), for
        a form's answer; None if nothing stands in the way, and ``handle`` does it. Never
        raises."""
        ...

    async def home(self, member: MemberRef, note: str = "") -> Card:
        """The member's home: their settings, and their teams' cadences for managers."""
        ...

    async def drafting(self, member: MemberRef) -> tuple[str, list[str]]:
        """What a form for a new cadence starts from: the member's time zone, and the teams
        they manage."""
        ...

    async def knows_time_zone(self, member: MemberRef) -> bool:
        """Whether the member has a time zone (their own, or one learned from the platform)."""
        ...

    async def learn_time_zone(self, member: MemberRef, tz: str) -> None:
        """Take the platform's time zone for a member who has not chosen one."""
        ...

    async def installed_again(self, workspace: Workspace) -> None:
        """CareNudge was installed in ``workspace`` (perhaps again, after it was removed): the
        managers of cadences its absence stopped are told it is back."""
        ...
