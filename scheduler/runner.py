"""The scheduler loop: claim due fires, hand each to the engine, keep its lease alive while it
runs, then complete it and schedule the next; now and then, reconcile the queue.

Every replica runs one; the Redis leases in ``due`` make sure a fire runs in one place.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from redis.exceptions import RedisError

from nudges.errors import ClaimLost
from nudges.model import Fire
from nudges.ports import Clock
from scheduler.due import Due, RedisDueQueue

log = logging.getLogger(__name__)


class FireHandler(Protocol):
    """What the runner needs from the engine."""

    async def fire(self, fire: Fire, claimed_at: datetime) -> datetime | None: ...

    async def reconcile(self) -> int: ...


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    batch: int = 200
    concurrency: int = 32
    poll_s: float = 0.5
    reconcile_every: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(seconds=30)


class Runner:
    def __init__(
        self,
        engine: FireHandler,
        queue: RedisDueQueue,
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
        self._running: set[Due] = set()

    async def run(self) -> None:
        """Run until cancelled."""
        async with asyncio.TaskGroup() as group:
            group.create_task(self._claim_loop())
            group.create_task(self._renew_loop())
            group.create_task(self._reconcile_loop())

    async def tick(self) -> int:
        """Claim and run everything due now, to completion; returns how many fires ran.

        Tests and the sandbox call this directly with a hand-driven clock.
        """
        total = 0
        while True:
            dues = await self.queue.claim(self.clock.now(), self.settings.batch)
            if not dues:
                return total
            async with asyncio.TaskGroup() as group:
                for due in dues:
                    group.create_task(self._run(due))
            total += len(dues)

    async def _claim_loop(self) -> None:
        async with asyncio.TaskGroup() as group:
            while True:
                try:
                    room = self.settings.concurrency - len(self._running)
                    dues = await self.queue.claim(self.clock.now(), max(room, 0)) if room else []
                    for due in dues:
                        self._running.add(due)
                        group.create_task(self._run(due))
                    if len(dues) < room or not room:
                        await self.clock.sleep(await self._pause())
                except RedisError as exc:
                    log.warning(
                        "scheduler could not reach Redis (%s); retrying", type(exc).__name__
                    )
                    await self.clock.sleep(1.0)

    async def _pause(self) -> float:
        """How long to sleep: until the next fire, at most ``poll_s`` (new fires may arrive)."""
        soonest = await self.queue.next_at()
        if soonest is None:
            return self.settings.poll_s
        wait = (soonest - self.clock.now()).total_seconds()
        return min(max(wait, 0.01), self.settings.poll_s)

    async def _run(self, due: Due) -> None:
        async with self._limit:
            try:
                next_at = await self.engine.fire(due.fire, due.claimed_at)
                await self.queue.complete(due, next_at)
                self.fired += 1
            except ClaimLost:
                log.warning("another replica took over fire %s", due.fire.id)
            except RedisError as exc:
                # The lease runs out and the fire is taken again; deliveries are idempotent.
                self.failures += 1
                log.warning("fire %s interrupted by Redis (%s)", due.fire.id, type(exc).__name__)
            except Exception:
                self.failures += 1
                log.exception("fire %s failed; it will be retried when its lease ends", due.fire.id)
            finally:
                self._running.discard(due)

    async def _renew_loop(self) -> None:
        every = self.settings.lease.total_seconds() / 3
        while True:
            await self.clock.sleep(every)
            if not self._running:
                continue
            try:
                lost = await self.queue.renew(list(self._running), self.clock.now())
                for due in lost:
                    log.warning("lost the lease on fire %s", due.fire.id)
            except RedisError as exc:
                log.warning("could not renew leases (%s)", type(exc).__name__)

    async def _reconcile_loop(self) -> None:
        while True:
            try:
                await self.engine.reconcile()
            except RedisError as exc:
                log.warning("could not reconcile the queue (%s)", type(exc).__name__)
            except Exception:
                log.exception("reconcile failed")
            await self.clock.sleep(self.settings.reconcile_every.total_seconds())
