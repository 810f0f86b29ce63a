"""Firing: running one fire the scheduler says is due, and nothing else. A dispatcher: a
cadence's fire goes to the handler its cadence's kind registered (prompts, a digest, the
unseen), a one-off job to the handler its job's kind registered (a snoozed prompt, a Pause's
close, its follow-up). The features register their own handlers where they live; adding a
kind of fire is one module and one registration (CONTRIBUTING.md, "Adding a fire kind").
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from nudges.delivery import Check, Compose, Deliveries, Ended, Fanout, Prepare, Tally
from nudges.deps import Deps
from nudges.errors import CodecError
from nudges.jobs import Job, is_job
from nudges.model import Cadence, CadenceKind, Fire
from nudges.planning import Planner, is_cadence_fire, parse_fire_id
from nudges.ports import Clock, Hold

log = logging.getLogger(__name__)
J = TypeVar("J", bound=Job)


@dataclass(frozen=True, slots=True)
class Content:
    """What one fire of a cadence sends: the check made for each recipient just before it is
    sent to (quiet hours, say), the message composed for each, and what to read first for
    each batch of recipients (in one round trip)."""

    check: Check
    compose: Compose
    prepare: Prepare | None = None
    ended: Ended | None = None
    """Told how each delivery ended (the budget gives back what a failed one took)."""


Fired = Callable[[Cadence, Fire, Fanout, Tally], Awaitable[None]]
"""Told how a cadence's fire went, once its fan-out (``Fanout``) has ended."""

CadenceHandler = Callable[[Cadence, Fire, str], Awaitable[Content]]
"""Given a cadence, its fire and the fire's key (the start of every delivery's idempotency
key), what the fire sends."""


class FireTime:
    """The fire being run: which one, the scheduler's hold on it, and how late it is."""

    __slots__ = ("_deps", "fire", "hold")

    def __init__(self, fire: Fire, hold: Hold, deps: Deps) -> None:
        self.fire = fire
        self.hold = hold
        self._deps = deps

    async def too_late(self, what: str, key: str | None = None) -> bool:
        """Whether the fire is past its grace window (the bot was down) and never began; says
        so in the log. A missed fire is skipped, never sent long after its moment; but one
        whose fan-out began (``key``: its deliveries' key) is finished whenever it is taken
        over, however late."""
        grace = self._deps.settings.grace
        late = self._deps.clock.now() - self.fire.scheduled_at
        if late <= grace:
            return False
        if await self._deps.stores.deliveries.begun(key or self.fire.id):
            log.info(
                "finishing a fire begun before it was taken over: %s late_by_s=%d",
                what,
                late.total_seconds(),
            )
            return False
        log.warning(
            "skipped a missed fire: %s scheduled_at=%s late_by_s=%d (grace %ds)",
            what,
            self.fire.scheduled_at.isoformat(),
            late.total_seconds(),
            grace.total_seconds(),
        )
        return True

    def fanout(
        self,
        key: str | None = None,
        *,
        within: timedelta | None = None,
        before: datetime | None = None,
    ) -> Fanout:
        """The fire's deliveries, under ``key`` (the fire id unless given), tried until
        ``within`` after its instant (the engine's ``deliver_within`` unless given), and never
        at or after ``before`` (the next instant of the same fire)."""
        at = self.fire.scheduled_at
        deadline = at + (within if within is not None else self._deps.settings.deliver_within)
        if before is not None:
            deadline = min(deadline, before)
        return Fanout(key or self.fire.id, self.hold, deadline)


class Unheld:
    """The hold on a fire run by hand (a test, or an operator), with no lease: not fenced."""

    def __init__(self, fire: Fire, clock: Clock) -> None:
        self.fire_id = fire.id
        self.token = ""
        self._clock = clock

    async def until(self, at: datetime) -> None:
        delay = (at - self._clock.now()).total_seconds()
        if delay > 0:
            await self._clock.sleep(delay)

    def check(self) -> None:
        return None


class Firing:
    def __init__(self, deps: Deps, planner: Planner, deliveries: Deliveries) -> None:
        self.deps = deps
        self.planner = planner
        self.deliveries = deliveries
        self._cadence_kinds: dict[CadenceKind, CadenceHandler] = {}
        self._fired: list[Fired] = []
        self._job_kinds: dict[
            str, tuple[type[Any], Callable[[Any, FireTime], Awaitable[None]]]
        ] = {}

    @property
    def cadence_kinds(self) -> set[CadenceKind]:
        """The kinds of cadence with a handler."""
        return set(self._cadence_kinds)

    @property
    def job_kinds(self) -> set[str]:
        """The ``KIND`` of every kind of job with a handler."""
        return set(self._job_kinds)

    def on_cadence(self, kind: CadenceKind, handler: CadenceHandler) -> None:
        """``handler`` says what a fire of a cadence of ``kind`` sends."""
        self._cadence_kinds[kind] = handler

    def after_cadence(self, observer: Fired) -> None:
        """``observer`` hears how every fire of every cadence went, once it has ended."""
        self._fired.append(observer)

    def on_job(self, kind: type[J], handler: Callable[[J, FireTime], Awaitable[None]]) -> None:
        """``handler`` runs each job of ``kind``, once, at its instant."""
        self._job_kinds[kind.KIND] = (kind, handler)

    async def fire(self, fire: Fire, hold: Hold | None = None) -> datetime | None:
        """Deliver one fire and return when this fire id is next due (None: not again).

        A cadence's fire is prepared before its instant (its prompts chosen and composed) and
        sent on it; a one-off job (a Pause's close counts who paused) waits first. ``hold`` is
        the scheduler's on the fire (none: run by hand, unfenced).

        Raises:
            ClaimLost: The hold lapsed: another replica finishes the fire.
            CodecError: What the fire needs was stored by a release this one cannot read;
                the runner sets the fire aside.
            redis.RedisError: Redis failed; the runner leaves the fire to be taken again.
        """
        held = hold or Unheld(fire, self.deps.clock)
        at = FireTime(fire, held, self.deps)

        async def on_time() -> None:
            await held.until(fire.scheduled_at)

        if is_job(fire.id):
            await on_time()
            await self._job(at)
            return None
        if is_cadence_fire(fire.id):
            return await self._cadence(at, on_time)
        log.warning("unknown fire id dropped: %s", fire.id[:40])
        return None

    async def _cadence(
        self, at: FireTime, on_time: Callable[[], Awaitable[None]]
    ) -> datetime | None:
        fire = at.fire
        cadence_id, group_key = parse_fire_id(fire.id)
        cadence = await self.deps.stores.cadences.get(cadence_id)
        if cadence is None or cadence.paused:
            return None
        fire_key = f"{fire.id}@{int(fire.scheduled_at.timestamp())}"
        if await at.too_late(f"cadence={cadence.id}", fire_key):
            return await self.planner.next_fire(cadence, fire.id, self.deps.clock.now())
        targets = await self.planner.targets(cadence, fire.id)
        if targets is None:
            return None  # everyone in this group moved to another time zone or left
        handler = self._cadence_kinds.get(cadence.kind)
        if handler is None:
            log.warning(
                "no handler for cadence kind %s: cadence=%s", cadence.kind.value, cadence.id
            )
            return None
        next_at = await self.planner.next_fire(cadence, fire.id, fire.scheduled_at)
        content = await handler(cadence, fire, fire_key)
        fanout = at.fanout(fire_key, before=next_at)
        tally = await self.deliveries.run(
            fanout,
            targets,
            content.check,
            content.compose,
            content.prepare,
            on_time,
            content.ended,
        )
        log.info(
            "fired cadence=%s kind=%s group=%s outcomes=%s duplicates_avoided=%d",
            cadence.id,
            cadence.kind.value,
            group_key or "-",
            ",".join(f"{k}={v}" for k, v in sorted(tally.outcomes.items())),
            tally.duplicates_avoided,
        )
        for observer in self._fired:
            await observer(cadence, fire, fanout, tally)
        return next_at

    async def _job(self, at: FireTime) -> None:
        jobs = self.deps.stores.jobs
        payload = await jobs.payload(at.fire.id)
        if payload is None:
            return  # it ran already
        kind = str(payload.get("kind"))
        found = self._job_kinds.get(kind)
        if found is None:
            log.warning("unknown job kind dropped: %s", kind[:20])
        else:
            job_type, handler = found
            try:
                job = job_type.from_payload(at.fire.id, payload)
            except CodecError:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise CodecError(f"unreadable {kind} job: {exc}") from exc
            await handler(job, at)
        await jobs.delete(at.fire.id)
