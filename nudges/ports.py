"""The ports the engine talks through: a Messenger per platform, a Clock, and the scheduler's
Timetable and FireQueue. Adapters and the scheduler implement them; ``bot`` wires them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from nudges.cards import Card
from nudges.model import Conversation, MemberRef, MessageRef, Schedule

Fence = Callable[[], None]
"""Called by a messenger immediately before a message goes to the platform (after any wait
for its turn): raises ``ClaimLost`` if this process may no longer send it."""


class Messenger(Protocol):
    """Delivers cards on one platform (or routes to the right one).

    Implementations translate SDK failures into the ``DeliveryError`` family; no SDK exception
    crosses this port. Every call has a timeout.
    """

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        """Post ``card`` into ``conversation``.

        Args:
            conversation: A channel, group chat or 1:1 chat (from ``open_dm``).
            card: What to show.
            key: An idempotency key for this delivery, recorded with the message where the
                platform allows, so that ``was_sent`` can find it after a crash.
            fence: Called immediately before the platform call, after any pacing; whatever it
                raises comes out, and nothing is sent.

        Returns:
            A reference that ``update`` accepts.

        Raises:
            RateLimited: The platform asked us to wait ``retry_after_s`` seconds.
            ConversationGone: The conversation can no longer be written to.
            Rejected: The platform refused this message for good (it will not take it later).
            DeliveryError: Anything else, worth trying again (a 5xx, a timeout, no network).
            ClaimLost: From ``fence``.
        """
        ...

    async def update(self, ref: MessageRef, card: Card) -> None:
        """Replace a message the bot sent earlier.

        Raises:
            RateLimited, ConversationGone, DeliveryError: As for ``send``.
        """
        ...

    async def open_dm(self, member: MemberRef) -> Conversation:
        """Return the 1:1 conversation with ``member``, opening it if needed.

        Raises:
            ConversationGone: The member cannot be reached (not installed, blocked, left).
            RateLimited, DeliveryError: As for ``send``.
        """
        ...

    async def check_reach(self, conversation: Conversation) -> None:
        """Say, before a cadence is saved for it, if the bot could not post in
        ``conversation`` (not added to the channel, archived…); return if it could, or if
        the platform cannot tell.

        Raises:
            ConversationGone: It could not, with why and the fix.
        """
        ...

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        """Whether a message with idempotency ``key`` reached ``conversation``.

        Asked only for deliveries that were in flight when a process died.

        Returns:
            True or False if the platform can tell; None if it cannot (the engine then
            sends again: a rare duplicate is better than a silent loss).
        """
        ...


class PersonalRecords(Protocol):
    """What one platform's adapter keeps of its own about a person (where their 1:1 chat with
    the bot is, their time zone as the platform told it), for their export and erasure. Only
    Redis is needed: an admin's ``carenudge forget`` works with no platform configured."""

    async def of(self, member: MemberRef) -> dict[str, str]:
        """What is kept about ``member``, each in plain words: what it is, and its value."""
        ...

    async def erase(self, member: MemberRef) -> int:
        """Delete what is kept about ``member``; returns how many records went."""
        ...


class Clock(Protocol):
    """Time, injected so that tests and the sandbox can run it faster or by hand."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class Hold(Protocol):
    """The scheduler's hold on a fire it has claimed, given to the engine with the fire.

    While it holds, this process alone may send the fire's deliveries. Redis refuses to begin
    a delivery under any other ``token``, and ``check`` is asked before every platform call,
    so a process that stalled past its lease (a frozen VM) sends nothing once it wakes.
    """

    @property
    def fire_id(self) -> str:
        """The fire held, as the queue knows it."""
        ...

    @property
    def token(self) -> str:
        """The lease's token ("" for a fire run by hand, with no lease: nothing is fenced)."""
        ...

    async def until(self, at: datetime) -> None:
        """Return once ``at`` has come: the engine prepares first, then waits, then sends.

        Raises:
            ClaimLost: The lease ran out meanwhile (the process stalled, or another replica
                took the fire over): then nothing more may be sent.
        """
        ...

    def check(self) -> None:
        """Raise ``ClaimLost`` if the lease may have run out; asked before every send."""
        ...


class Timetable(Protocol):
    """The time maths of schedules: pure, no I/O."""

    def next_fire(self, schedule: Schedule, tz: str, after: datetime) -> datetime | None:
        """The first instant strictly after ``after`` at which ``schedule`` fires in ``tz``.

        Returns:
            An aware UTC datetime, or None if the schedule never fires again.

        Raises:
            InvalidSchedule: The schedule (a cron expression, say) cannot be used.
        """
        ...


class FireQueue(Protocol):
    """The durable set of future fires. Fire ids are the engine's; the queue keeps them opaque."""

    async def put(self, entries: Sequence[tuple[str, datetime]]) -> None:
        """Schedule each fire id at its instant, replacing an earlier instant for the same id.

        Raises:
            redis.RedisError: Redis did not answer; nothing may have been written.
        """
        ...

    async def discard(self, fire_ids: Sequence[str]) -> None:
        """Forget these fire ids if they are waiting (a fire already running completes).

        Raises:
            redis.RedisError: Redis did not answer.
        """
        ...

    async def scheduled(self, fire_ids: Sequence[str]) -> list[datetime | None]:
        """When each fire id is due (waiting or running), or None if it is not scheduled."""
        ...

    async def quarantined_ids(self) -> set[str]:
        """The fire ids set aside because what they need could not be read (``CodecError``);
        the reconciler leaves them out until the scheduler gives them another chance."""
        ...
