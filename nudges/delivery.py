"""Fan-out of one fire to its recipients, exactly once per (fire, recipient).

Each recipient moves through states kept in Redis: "sending:<ms>" before the platform call,
then "sent", "skipped:<reason>", "gone" or "failed". A restart finds the recipients that were
mid-send ("doubt") and asks the platform whether the message arrived before sending again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from nudges import members
from nudges.cards import Card
from nudges.deps import Deps
from nudges.errors import ConversationGone, DeliveryError, RateLimited
from nudges.model import Conversation, Member, MemberRef
from nudges.store import Chosen

log = logging.getLogger(__name__)
_T = TypeVar("_T")

BATCH = 100
MAX_WAIT_S = 60.0


@dataclass(frozen=True, slots=True)
class Target:
    """One recipient: a channel, or a member reached by direct message."""

    key: str
    channel: Conversation | None = None
    member: Member | None = None

    @classmethod
    def to_channel(cls, conversation: Conversation) -> Target:
        return cls(f"ch:{conversation.key}", channel=conversation)

    @classmethod
    def to_member(cls, member: Member) -> Target:
        return cls(f"m:{member.ref.key}", member=member)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What to send to one target, and the prompt choice to remember once it is sent."""

    card: Card
    chosen: Chosen | None = None


Check = Callable[[Target], Awaitable[str | None]]
"""Why ``target`` must be skipped now (quiet hours, snoozed…), or None to go ahead."""
Compose = Callable[[Target, str], Awaitable[Outgoing]]
"""What to send ``target``; the second argument is the delivery's idempotency key."""
Prepare = Callable[[Sequence[Target]], Awaitable[None]]
"""Read what a batch of targets needs before any of them is composed, in one round trip."""


OnTime = Callable[[], Awaitable[None]]
"""Returns once the fire's instant has come."""


@dataclass(frozen=True, slots=True)
class _Ready:
    """A delivery with everything decided, waiting to be sent."""

    fire_key: str
    key: str
    conversation: Conversation
    outgoing: Outgoing


def available_at(at: datetime, default_tz: str) -> Check:
    """The usual check for people: not stopped, snoozed, in quiet hours or on a day off at
    ``at`` (each by their own settings); channels always go ahead."""

    async def check(target: Target) -> str | None:
        if target.member is None:
            return None
        return members.skip_reason(target.member.settings, default_tz, at)

    return check


class Deliveries:
    def __init__(self, deps: Deps) -> None:
        self.states = deps.stores.deliveries
        self.people = deps.stores.people
        self.messenger = deps.messenger
        self.clock = deps.clock
        self.default_tz = deps.settings.default_tz
        self.concurrency = deps.settings.fanout_concurrency
        self.attempts = deps.settings.send_attempts

    async def run(
        self,
        fire_key: str,
        claimed_at: datetime,
        targets: Sequence[Target],
        check: Check,
        compose: Compose,
        prepare: Prepare | None = None,
        on_time: OnTime | None = None,
    ) -> Counter[str]:
        """Deliver to every target that has not had this fire yet; returns a tally of outcomes.

        Targets go in batches: each batch is checked and its messages composed, then
        ``on_time`` is awaited (the fire's instant), then the batch is sent. Anything
        ``on_time`` raises (the runner stopping first, or its lease on the fire lost) comes
        out before the batch is sent.
        """
        tally: Counter[str] = Counter()
        limit = asyncio.Semaphore(self.concurrency)

        async def finish(target_key: str, outcome: str, chosen: Chosen | None) -> None:
            await self.states.finish_delivery(fire_key, target_key, outcome, chosen)
            tally[outcome.split(":", 1)[0]] += 1

        async def ready(target: Target, state: str) -> _Ready | None:
            async with limit:
                found = await self._ready(fire_key, target, state, check, compose)
            if isinstance(found, _Ready):
                return found
            await finish(target.key, *found)
            return None

        async def send(item: _Ready, target_key: str) -> None:
            async with limit:
                outcome, chosen = await self._deliver(item)
            await finish(target_key, outcome, chosen)

        for start in range(0, len(targets), BATCH):
            batch = targets[start : start + BATCH]
            states = await self.states.begin_deliveries(
                fire_key, [t.key for t in batch], self.clock.now(), claimed_at
            )
            todo = [(t, s) for t, s in zip(batch, states, strict=True) if s in ("new", "doubt")]
            tally["already"] += len(batch) - len(todo)
            if not todo:
                continue
            if prepare is not None:
                await prepare([t for t, _ in todo])
            async with asyncio.TaskGroup() as group:
                checks = [(t, group.create_task(ready(t, s))) for t, s in todo]
            to_send = [(t, task.result()) for t, task in checks]
            if on_time is not None:
                await on_time()
            sends = [send(item, target.key) for target, item in to_send if item is not None]
            if len(sends) == 1:  # a channel: no task to make
                await sends[0]
                continue
            async with asyncio.TaskGroup() as group:
                for one in sends:
                    group.create_task(one)
        return tally

    async def to_members(
        self,
        fire_key: str,
        claimed_at: datetime,
        refs: Sequence[MemberRef],
        compose: Compose,
        prepare: Prepare | None = None,
    ) -> Counter[str]:
        """Deliver to these people now (a one-off job's), each as their settings allow now."""
        people = await self.people.members(refs)
        check = available_at(self.clock.now(), self.default_tz)
        targets = [Target.to_member(m) for m in people]
        return await self.run(fire_key, claimed_at, targets, check, compose, prepare)

    async def _ready(
        self, fire_key: str, target: Target, state: str, check: Check, compose: Compose
    ) -> _Ready | tuple[str, Chosen | None]:
        """Everything short of sending: the checks, the conversation and the message; or the
        outcome already, if there is nothing to send."""
        reason = await check(target)
        if reason is not None:
            return f"skipped:{reason}", None
        key = f"{fire_key}/{target.key}"
        try:
            conversation = await self._conversation(target)
            outgoing = await compose(target, key)
            if state == "doubt":
                if await self.messenger.was_sent(conversation, key):
                    return "sent", outgoing.chosen
                log.info("resending a delivery that was in flight at a restart: fire=%s", fire_key)
        except ConversationGone:
            return "gone", None
        except DeliveryError as exc:
            log.warning("delivery failed: fire=%s error=%s", fire_key, type(exc).__name__)
            return "failed", None
        return _Ready(fire_key, key, conversation, outgoing)

    async def _deliver(self, ready: _Ready) -> tuple[str, Chosen | None]:
        try:
            await self._send(ready.conversation, ready.outgoing.card, ready.key)
        except ConversationGone:
            return "gone", None
        except DeliveryError as exc:
            log.warning("delivery failed: fire=%s error=%s", ready.fire_key, type(exc).__name__)
            return "failed", None
        return "sent", ready.outgoing.chosen

    async def _conversation(self, target: Target) -> Conversation:
        if target.channel is not None:
            return target.channel
        assert target.member is not None
        member = target.member.ref
        return await self._retrying(lambda: self.messenger.open_dm(member))

    async def _send(self, conversation: Conversation, card: Card, key: str) -> None:
        await self._retrying(lambda: self.messenger.send(conversation, card, key=key))

    async def _retrying(self, call: Callable[[], Awaitable[_T]]) -> _T:
        """Retry on RateLimited (waiting as asked) and other DeliveryErrors (backing off)."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except ConversationGone:
                raise
            except RateLimited as exc:
                if attempt == self.attempts:
                    raise
                await self.clock.sleep(min(max(exc.retry_after_s, 0.0), MAX_WAIT_S))
            except DeliveryError:
                if attempt == self.attempts:
                    raise
                await self.clock.sleep(min(0.5 * 2 ** (attempt - 1), MAX_WAIT_S))
        raise AssertionError("unreachable")  # pragma: no cover
