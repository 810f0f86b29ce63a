"""Fan-out of one fire to its recipients, exactly once per (fire, recipient).

Each recipient moves through states kept in Redis: "sending:<lease token>:<ms>" before the
platform call, then "sent", "skipped:<reason>", "gone", "rejected" or "failed" (given up at
the fire's deadline). Redis begins a delivery only under the token of the lease that holds the
fire now; a replica that takes a fire over finds the recipients another one had marked and
asks the platform whether the message arrived before sending again ("doubt"). Before every
platform call the lease is checked once more, so a process that stalled past its lease sends
nothing when it wakes.

Transient failures (5xx, timeouts, no network, 429) are waited out with capped exponential
back-off and jitter until the fire's deadline; only a definitive answer (gone, rejected) ends a
delivery early.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from nudges import members
from nudges.cards import Card
from nudges.deps import Deps
from nudges.errors import ClaimLost, ConversationGone, DeliveryError, RateLimited, Rejected
from nudges.model import Conversation, Member, MemberRef, Unreachable
from nudges.ports import Hold
from nudges.store import Chosen, SentRecord

log = logging.getLogger(__name__)
_T = TypeVar("_T")

BATCH = 100
MAX_WAIT_S = 60.0
"""The longest wait between two tries of one delivery."""
FIRST_WAIT_S = 0.5


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
    """What to send to one target, the prompt choice to remember once it is sent, and what
    it is about, for a person's record of what was sent to them (plain words, never any a
    person typed)."""

    card: Card
    chosen: Chosen | None = None
    about: str = "a message"


Check = Callable[[Target], Awaitable[str | None]]
"""Why ``target`` must be skipped now (quiet hours, snoozed…), or None to go ahead."""
Compose = Callable[[Target, str], Awaitable[Outgoing]]
"""What to send ``target``; the second argument is the delivery's idempotency key."""
Prepare = Callable[[Sequence[Target]], Awaitable[None]]
"""Read what a batch of targets needs before any of them is composed, in one round trip."""
Ended = Callable[[Target, str], Awaitable[None]]
"""Told each delivery's final state ("sent", "gone:…", "failed"…) once it is recorded."""


OnTime = Callable[[], Awaitable[None]]
"""Returns once the fire's instant has come."""


@dataclass
class Tally:
    """How one fan-out ended, recipient by recipient: outcomes ("sent", "skipped", "gone",
    "rejected", "failed"), the copies not sent again because a delivery had been made before
    (by this replica or one that died), and why each unreachable recipient was, with the fix
    the platform suggested (for what was met in this run)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    duplicates_avoided: int = 0
    unreachable: Counter[Unreachable] = field(default_factory=Counter)
    fixes: dict[Unreachable, str] = field(default_factory=dict)

    def add(self, state: str, exc: DeliveryError | None = None) -> None:
        """Count a recipient's final state ("gone:not-in-channel", "skipped:quiet-hours"…)."""
        head, _, detail = state.partition(":")
        self.outcomes[head] += 1
        if head == "gone":
            reason = _reason(detail)
            self.unreachable[reason] += 1
            if isinstance(exc, ConversationGone) and exc.fix:
                self.fixes.setdefault(reason, exc.fix)

    @property
    def reached(self) -> int:
        return self.outcomes["sent"]

    @property
    def meant(self) -> int:
        """Everyone the fire was meant to reach now: all but those skipped (quiet hours…)."""
        return sum(self.outcomes.values()) - self.outcomes["skipped"]


@dataclass(frozen=True, slots=True)
class Fanout:
    """One fire's deliveries: their key (the start of each one's idempotency key), the
    scheduler's hold on the fire, and the deadline after which a delivery the platform keeps
    failing is given up."""

    key: str
    hold: Hold
    deadline: datetime


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
        self.keep_sent = deps.settings.keep_sent
        self.counted: Counter[str] = Counter()
        """Every recipient's outcome in this process, for /metrics (never ids or names)."""

    async def run(
        self,
        fanout: Fanout,
        targets: Sequence[Target],
        check: Check,
        compose: Compose,
        prepare: Prepare | None = None,
        on_time: OnTime | None = None,
        ended: Ended | None = None,
    ) -> Tally:
        """Deliver to every target that has not had this fire yet; returns how it went.

        Targets go in batches: each batch is begun (in Redis, under the hold's token), checked
        and its messages composed, then ``on_time`` is awaited (the fire's instant), then the
        batch is sent.

        Raises:
            ClaimLost: The hold on the fire lapsed (another replica has it now): nothing more
                was sent, and the recipients this process had begun are left for the holder.
        """
        tally = Tally()
        limit = asyncio.Semaphore(self.concurrency)

        async def finish(target: Target, end: _End) -> None:
            sent = None
            if end.state == "sent" and target.member is not None:
                sent = SentRecord(
                    target.member.ref,
                    self.clock.now(),
                    end.about,
                    fanout.key,
                    end.chosen.prompt.id if end.chosen else "",
                )
            await self.states.finish_delivery(
                fanout.key, target.key, end.state, end.chosen, sent, self.keep_sent
            )
            if ended is not None:
                await ended(target, end.state)
            tally.add(end.state, end.error)
            self.counted[end.state.partition(":")[0]] += 1
            if end.found_sent:
                tally.duplicates_avoided += 1
                self.counted["duplicate_avoided"] += 1

        async def ready(target: Target, state: str) -> _Ready | None:
            async with limit:
                found = await self._ready(fanout, target, state, check, compose)
            if isinstance(found, _Ready):
                return found
            await finish(target, found)
            return None

        async def send(item: _Ready, target: Target) -> None:
            # The slot is held until the outcome is kept: at any moment at most
            # ``concurrency`` messages are out without a record (a crash's window).
            async with limit:
                end = await self._deliver(fanout, item)
                await finish(target, end)

        for start in range(0, len(targets), BATCH):
            batch = targets[start : start + BATCH]
            states = await self.states.begin_deliveries(
                fanout.key, [t.key for t in batch], self.clock.now(), fanout.hold
            )
            if "lost" in states:
                raise ClaimLost(f"fire {fanout.key} is held by another replica now")
            todo = [(t, s) for t, s in zip(batch, states, strict=True) if s in ("new", "doubt")]
            for state in states:
                if state not in ("new", "doubt", "busy"):  # ended before: by us, or another
                    tally.add(state)
                    if state == "sent":
                        tally.duplicates_avoided += 1
                        self.counted["duplicate_avoided"] += 1
            if not todo:
                continue
            if prepare is not None:
                await prepare([t for t, _ in todo])
            prepared = await _together([ready(t, s) for t, s in todo])
            to_send = list(zip((t for t, _ in todo), prepared, strict=True))
            if on_time is not None:
                await on_time()
            sends = [send(item, target) for target, item in to_send if item is not None]
            if len(sends) == 1:  # a channel: no task to make
                await sends[0]
            else:
                await _together(sends)
        return tally

    async def to_members(
        self,
        fanout: Fanout,
        refs: Sequence[MemberRef],
        compose: Compose,
        prepare: Prepare | None = None,
        check: Check | None = None,
        ended: Ended | None = None,
    ) -> Tally:
        """Deliver to these people now (a one-off job's), each as their settings allow now
        (``check``, by default their availability)."""
        people = await self.people.members(refs)
        check = check or available_at(self.clock.now(), self.default_tz)
        targets = [Target.to_member(m) for m in people]
        return await self.run(fanout, targets, check, compose, prepare, ended=ended)

    async def _ready(
        self, fanout: Fanout, target: Target, state: str, check: Check, compose: Compose
    ) -> _Ready | _End:
        """Everything short of sending: the checks, the conversation and the message; or the
        outcome already, if there is nothing to send."""
        reason = await check(target)
        if reason is not None:
            return _End(f"skipped:{reason}")
        key = f"{fanout.key}/{target.key}"
        try:
            conversation = await self._conversation(fanout, target, key)
            outgoing = await compose(target, key)
            if state == "doubt":
                if await self.messenger.was_sent(conversation, key):
                    return _End("sent", outgoing.chosen, found_sent=True, about=outgoing.about)
                log.info("sending again a delivery left in flight: fire=%s", fanout.key)
        except DeliveryError as exc:
            return _End(_ended(fanout.key, exc), error=exc)
        return _Ready(fanout.key, key, conversation, outgoing)

    async def _deliver(self, fanout: Fanout, ready: _Ready) -> _End:
        conversation, card, key = ready.conversation, ready.outgoing.card, ready.key
        try:
            await self._retrying(
                fanout,
                key,
                lambda: self.messenger.send(conversation, card, key=key, fence=fanout.hold.check),
            )
        except DeliveryError as exc:
            return _End(_ended(fanout.key, exc), error=exc)
        return _End("sent", ready.outgoing.chosen, about=ready.outgoing.about)

    async def _conversation(self, fanout: Fanout, target: Target, key: str) -> Conversation:
        if target.channel is not None:
            return target.channel
        assert target.member is not None
        member = target.member.ref
        return await self._retrying(fanout, key, lambda: self.messenger.open_dm(member))

    async def _retrying(self, fanout: Fanout, key: str, call: Callable[[], Awaitable[_T]]) -> _T:
        """``call``, tried again after transient failures until the fire's deadline: as the
        platform asks after a 429, with capped exponential back-off and jitter otherwise.

        Raises:
            ConversationGone, Rejected: At once: a definitive answer.
            RateLimited, DeliveryError: The last failure, once the deadline has come.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return await call()
            except (ConversationGone, Rejected):
                raise
            except DeliveryError as exc:
                if isinstance(exc, RateLimited):
                    wait = max(exc.retry_after_s, FIRST_WAIT_S)
                else:
                    wait = backoff(attempt, key)
                left = (fanout.deadline - self.clock.now()).total_seconds()
                if left <= 0:
                    raise
                await self.clock.sleep(min(wait, left))


def backoff(attempt: int, key: str) -> float:
    """Seconds before try ``attempt + 1``: doubling from ``FIRST_WAIT_S`` up to ``MAX_WAIT_S``,
    each between half and all of that (so the deliveries that failed together do not all come
    back together), and the same for the same delivery and try, so runs can be repeated."""
    ceiling = min(FIRST_WAIT_S * 2.0 ** min(attempt - 1, 16), MAX_WAIT_S)
    spread: float = random.Random(f"{key}|{attempt}").random()
    return ceiling * (0.5 + 0.5 * spread)


@dataclass(frozen=True, slots=True)
class _End:
    """How one delivery ended: its final state, the prompt it carried (to remember), the
    platform's error if it failed, and whether a message found already sent saved a copy."""

    state: str
    chosen: Chosen | None = None
    error: DeliveryError | None = None
    found_sent: bool = False
    about: str = ""


def _reason(detail: str) -> Unreachable:
    try:
        return Unreachable(detail)
    except ValueError:  # "gone" from before reasons were kept
        return Unreachable.UNKNOWN


def _ended(fire_key: str, exc: DeliveryError) -> str:
    """How a delivery that failed ends, by what the platform said last."""
    if isinstance(exc, ConversationGone):
        return f"gone:{exc.reason.value}"
    if isinstance(exc, Rejected):
        log.warning("the platform refused a delivery for good: fire=%s error=%s", fire_key, exc)
        return "rejected"
    log.warning(
        "gave up a delivery at the fire's deadline: fire=%s error=%s", fire_key, type(exc).__name__
    )
    return "failed"


async def _together(calls: Sequence[Awaitable[_T]]) -> list[_T]:
    """Run ``calls`` side by side. The first ``ClaimLost`` stops the others (a lapsed hold
    means stop, never carry on with the batch) and comes out as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_awaited(call)) for call in calls]
    except* ClaimLost as lost:
        raise lost.exceptions[0] from None
    return [task.result() for task in tasks]


async def _awaited(call: Awaitable[_T]) -> _T:
    return await call
