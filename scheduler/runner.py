"""The scheduler loop: claim fires a little before they are due, hand each to the engine, keep
its lease alive while it runs, then complete it and schedule the next; now and then, reconcile
the queue.

Claiming ahead (``lead``) lets the engine do its reading and composing early, so that when
thousands of cadences share a minute (07:30 is popular) the sends still go out on the minute:
a fire holds one of ``concurrency`` work slots while it prepares, gives it back while it waits
for its instant, and from then on runs to the end.

Every replica runs one; the Redis leases in ``queue`` make sure a fire runs in one place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from redis.exceptions import RedisError

from nudges.errors import ClaimLost, CodecError
from nudges.model import Fire
from nudges.ports import Clock, Hold
from scheduler.queue import Claim, RedisFireQueue

log = logging.getLogger(__name__)


class FireHandler(Protocol):
    """What the runner needs from the engine."""

    async def fire(self, fire: Fire, hold: Hold | None = None) -> datetime | None: ...

    async def reconcile(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    batch: int = 200
    concurrency: int = 32
    """Fires preparing at once (reading Redis, choosing, composing)."""
    in_flight: int = 10_000
    """Fires claimed and not finished, most of them waiting for their instant."""
    lead: timedelta = timedelta(seconds=30)
    """How long before its instant a fire is claimed and prepared."""
    poll_s: float = 0.5
    reconcile_every: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(seconds=30)


class Runner:
    def __init__(
        self,
        engine: FireHandler,
        queue: RedisFireQueue,
        clock: Clock,
        settings: RunnerSettings | None = None,
    ) -> None:
        self.engine = engine
        self.queue = queue
        self.clock = clock
        self.settings = settings or RunnerSettings()
        self.fired = 0
        self.failures = 0
        self._limit = asyncio.Semaphore(self.settings.concurrency)
        self._running: dict[Claim, datetime] = {}
        """Fires claimed and not finished, with the instant their lease is ours until."""
        self._stopping = False
        self._unready = 0
        """Fires claimed by the loop that have not yet finished preparing."""
        self._gates = _Gates(clock, self.settings.poll_s, lambda: self._stopping, self._confirm)

    async def run(self) -> None:
        """Run until ``stop`` is called or the task is cancelled."""
        self._stopping = False
        await self._release_quarantined()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._claim_loop())
            group.create_task(self._renew_loop())
            group.create_task(self._reconcile_loop())

    async def _release_quarantined(self) -> None:
        """A replica starting gives the fires set aside another chance: what they need may be
        readable now (this release is newer than the one that set them aside, say)."""
        try:
            released = await self.queue.release_quarantined(self.clock.now())
        except RedisError as exc:
            log.warning("could not look at the fires set aside (%s)", type(exc).__name__)
            return
        if released:
            log.info("gave %d fires that were set aside another chance", released)

    def stop(self) -> None:
        """Ask the loops to end at their next turn (at most ``poll_s`` from now)."""
        self._stopping = True

    async def _nap(self, seconds: float) -> None:
        """Sleep on the clock in short naps, so that ``stop`` is noticed promptly."""
        remaining = seconds
        while remaining > 0 and not self._stopping:
            step = min(remaining, self.settings.poll_s)
            await self.clock.sleep(step)
            remaining -= step

    async def tick(self) -> int:
        """Claim and run everything due now, to completion; returns how many fires ran.

        Tests and the sandbox call this directly with a hand-driven clock.
        """
        total = 0
        while True:
            claims = await self.queue.claim(self.clock.now(), self.settings.batch)
            if not claims:
                return total
            async with asyncio.TaskGroup() as group:
                for claim in claims:
                    group.create_task(self._run(claim))
            total += len(claims)

    async def _claim_loop(self) -> None:
        async with asyncio.TaskGroup() as group:
            while not self._stopping:
                _reraise_if_cancelled()
                try:
                    # Take no more than this process can start preparing soon, so that
                    # replicas share a busy instant instead of the first one taking it all.
                    busy = self._unready >= self.settings.batch
                    room = min(self.settings.in_flight - len(self._running), self.settings.batch)
                    if busy or room <= 0:
                        await self._nap(0.02)
                        continue
                    now, lead = self.clock.now(), self.settings.lead
                    claims = await self.queue.claim(now, room, lead)
                    for claim in claims:
                        self._running[claim] = claim.claimed_at + self.queue.lease
                        self._unready += 1
                        group.create_task(self._run(claim, counted=True))
                    if len(claims) < room:
                        await self._nap(await self._pause())
                except RedisError as exc:
                    _reraise_if_cancelled()
                    log.warning(
                        "scheduler could not reach Redis (%s); retrying", type(exc).__name__
                    )
                    await self._nap(1.0)

    async def _pause(self) -> float:
        """How long to sleep: until the next fire comes within ``lead``, at most ``poll_s``
        (new fires may arrive)."""
        soonest = await self.queue.next_at()
        if soonest is None:
            return self.settings.poll_s
        wait = (soonest - self.settings.lead - self.clock.now()).total_seconds()
        return min(max(wait, 0.01), self.settings.poll_s)

    async def _run(self, claim: Claim, *, counted: bool = False) -> None:
        """Run one fire; ``counted``: the claim loop counted it among the fires not yet
        prepared."""
        slot = _Slot(self._limit)
        unready = counted

        def prepared() -> None:
            nonlocal unready
            if unready:
                unready = False
                self._unready -= 1

        async def wait_until(at: datetime) -> None:
            """Give the work slot back while waiting for ``at``; run on without it after.
            If the runner is asked to stop first, hand the fire back untouched."""
            prepared()
            slot.release()
            await self._gates.wait(at, claim)
            self._check_lease(claim)

        hold = _Hold(claim, wait_until, lambda: self._check_lease(claim))
        await slot.acquire()
        try:
            try:
                next_at = await self.engine.fire(claim.fire, hold)
                await self.queue.complete(claim, next_at)
                self.fired += 1
            except _HandedBack:
                await self.queue.release(claim)
                log.info("stopping: handed fire %s back before its time", claim.fire.id)
            except ClaimLost:
                log.warning(
                    "gave up fire %s: its lease ran out or another replica took it", claim.fire.id
                )
            except RedisError as exc:
                # The lease runs out and the fire is taken again; deliveries are idempotent.
                _reraise_if_cancelled()
                self.failures += 1
                log.warning("fire %s interrupted by Redis (%s)", claim.fire.id, type(exc).__name__)
            except CodecError as exc:
                self.failures += 1
                await self._set_aside(claim, exc)
            except Exception:
                _reraise_if_cancelled()
                self.failures += 1
                log.exception(
                    "fire %s failed; it will be retried when its lease ends", claim.fire.id
                )
        finally:
            prepared()
            slot.release()
            self._running.pop(claim, None)

    def hold(self, claim: Claim) -> Hold:
        """A hold on ``claim`` for running its fire by hand (as tests do): fenced in Redis by
        the claim's token, waiting for the instant on this runner's clock."""

        async def until(at: datetime) -> None:
            delay = (at - self.clock.now()).total_seconds()
            if delay > 0:
                await self.clock.sleep(delay)

        return _Hold(claim, until, lambda: self._check_lease(claim))

    async def _set_aside(self, claim: Claim, exc: CodecError) -> None:
        """What the fire needs cannot be read (a newer release wrote it, or it was damaged):
        trying again every lease would fail the same way, so it waits in quarantine, said
        once in the log, while everything else goes on."""
        try:
            ours = await self.queue.quarantine(claim, str(exc), self.clock.now())
        except RedisError as err:
            log.warning(
                "fire %s could not be read, nor set aside (%s); it will be tried again",
                claim.fire.id,
                type(err).__name__,
            )
            return
        if ours:
            log.error(
                "set fire %s aside: %s. Everything else goes on; carenudge doctor lists it, "
                "and it is tried again when CareNudge next starts",
                claim.fire.id,
                exc,
            )

    async def _confirm(self, claims: list[Claim]) -> set[Claim]:
        """Renew the leases of ``claims`` now; returns those another replica holds."""
        now = self.clock.now()
        lost = set(await self.queue.renew(claims, now))
        for claim in claims:
            if claim in self._running:
                self._running[claim] = now if claim in lost else now + self.queue.lease
        return lost

    def _check_lease(self, claim: Claim) -> None:
        """Before a fire sends (on its instant, and before each batch of a fan-out): raise
        ClaimLost if its lease may have passed to another replica, because this process was
        paused (a frozen VM, a long stall) or another replica took the fire over. That replica
        finds the deliveries this one prepared in doubt and sends them; this one must not.

        Only fires claimed by ``run`` are checked: ``tick`` renews nothing.
        """
        held_until = self._running.get(claim)
        if held_until is not None and self.clock.now() >= held_until:
            raise ClaimLost(f"the lease on fire {claim.fire.id} ran out before it was sent")

    async def _renew_loop(self) -> None:
        every = self.settings.lease.total_seconds() / 3
        while not self._stopping:
            _reraise_if_cancelled()
            await self._nap(every)
            if not self._running:
                continue
            try:
                now = self.clock.now()
                claims = list(self._running)
                lost = set(await self.queue.renew(claims, now))
                for claim in claims:
                    if claim not in self._running:  # just finished while we asked
                        continue
                    if claim in lost:
                        self._running[claim] = now
                        log.warning("lost the lease on fire %s", claim.fire.id)
                    else:
                        self._running[claim] = now + self.queue.lease
            except RedisError as exc:
                _reraise_if_cancelled()
                log.warning("could not renew leases (%s)", type(exc).__name__)

    async def _reconcile_loop(self) -> None:
        while not self._stopping:
            _reraise_if_cancelled()
            try:
                await self.engine.reconcile()
            except RedisError as exc:
                _reraise_if_cancelled()
                log.warning("could not reconcile the queue (%s)", type(exc).__name__)
            except Exception:
                _reraise_if_cancelled()
                log.exception("reconcile failed")
            await self._nap(self.settings.reconcile_every.total_seconds())


class _Hold:
    """The engine's side of the runner's lease on one claimed fire (``nudges.ports.Hold``)."""

    __slots__ = ("_check", "_until", "fire_id", "token")

    def __init__(
        self,
        claim: Claim,
        until: Callable[[datetime], Awaitable[None]],
        check: Callable[[], None],
    ) -> None:
        self.fire_id = claim.fire.id
        self.token = claim.token
        self._until = until
        self._check = check

    async def until(self, at: datetime) -> None:
        await self._until(at)

    def check(self) -> None:
        self._check()


@dataclass
class _Gate:
    """The fires waiting for one instant, and what Redis said when it came."""

    opened: asyncio.Event = field(default_factory=asyncio.Event)
    claims: list[Claim] = field(default_factory=list)
    on_time: bool = False
    lost: set[Claim] = field(default_factory=set)
    error: RedisError | None = None


CONFIRM_AHEAD = timedelta(milliseconds=250)
"""How long before its instant a gate renews the leases of the fires waiting there."""


class _Gates:
    """Fires waiting for the same instant share one sleeper (thousands of cadences at 07:30
    cost one timer, not thousands of naps). On the instant it renews all their leases in one
    round trip, so that nothing is sent that Redis could not then record: if Redis is away,
    the fires wait for it and go late, once, instead of going now and again later."""

    def __init__(
        self,
        clock: Clock,
        poll_s: float,
        stopping: Callable[[], bool],
        confirm: Callable[[list[Claim]], Awaitable[set[Claim]]],
    ) -> None:
        self._clock = clock
        self._poll_s = poll_s
        self._stopping = stopping
        self._confirm = confirm
        self._open: dict[datetime, _Gate] = {}
        self._sleepers: set[asyncio.Task[None]] = set()

    async def wait(self, at: datetime, claim: Claim) -> None:
        """Return on ``at`` with ``claim``'s lease renewed.

        Raises:
            _HandedBack: The runner is stopping before ``at``.
            ClaimLost: Another replica holds the fire now.
            redis.RedisError: The lease could not be renewed.
        """
        gate = self._open.get(at)
        if gate is None:
            gate = self._open[at] = _Gate()
            sleeper = asyncio.create_task(self._sleep(at, gate))
            self._sleepers.add(sleeper)
            sleeper.add_done_callback(self._sleepers.discard)
        gate.claims.append(claim)
        await gate.opened.wait()
        if not gate.on_time:
            raise _HandedBack
        if gate.error is not None:
            raise gate.error
        if claim in gate.lost:
            raise ClaimLost(f"fire {claim.fire.id} was taken over by another replica")

    async def _sleep(self, at: datetime, gate: _Gate) -> None:
        try:
            # Renew a moment before the instant (thousands of leases take a few tens of
            # milliseconds), then open the gate on it.
            await self._until(at - CONFIRM_AHEAD)
            if not self._stopping():
                self._close(at, gate)  # late comers make a gate of their own
                try:
                    gate.lost = await self._confirm(list(gate.claims))
                except RedisError as exc:
                    gate.error = exc
                await self._until(at)
            gate.on_time = self._clock.now() >= at
        finally:
            self._close(at, gate)
            gate.opened.set()

    async def _until(self, at: datetime) -> None:
        while (left := (at - self._clock.now()).total_seconds()) > 0 and not self._stopping():
            await self._clock.sleep(min(left, self._poll_s))

    def _close(self, at: datetime, gate: _Gate) -> None:
        if self._open.get(at) is gate:  # not a newer gate for the same instant
            del self._open[at]


class _HandedBack(Exception):
    """The runner stopped while a claimed fire waited for its instant."""


class _Slot:
    """One fire's hold on a work slot, released at most once."""

    def __init__(self, limit: asyncio.Semaphore) -> None:
        self._limit = limit
        self._held = False

    async def acquire(self) -> None:
        await self._limit.acquire()
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._limit.release()


def _reraise_if_cancelled() -> None:
    """A cancellation checkpoint for the loops.

    redis-py can turn a cancellation in the middle of a command into a ConnectionError, and
    we have seen a cancellation vanish inside a pipeline call altogether (redis-py 7.4, seen
    as a shutdown that never ends). Each loop calls this at every turn and after catching an
    error, so a pending cancellation always ends it.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
