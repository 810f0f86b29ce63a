"""Planning fires: which fire each recipient of a cadence belongs to (one per time zone, or per
shift time, for cadences that follow each person's clock), putting the next instant of each
fire in the queue, and the reconciler that keeps the queue true to the cadences and jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from nudges import members, wording
from nudges.delivery import Target
from nudges.deps import Deps
from nudges.model import (
    DAY_SHIFT,
    Cadence,
    ChannelAudience,
    Member,
    MemberRef,
    MembersAudience,
    Role,
    Schedule,
    ShiftMoment,
    TeamAudience,
    WeeklySchedule,
)

log = logging.getLogger(__name__)
CADENCE_PREFIX = "c:"
RECONCILE_BATCH = 1000


@dataclass(frozen=True, slots=True)
class Group:
    """One fire of a cadence: all recipients who share a time zone and resolved times."""

    fire_id: str
    schedule: Schedule
    tz: str


def fire_id(cadence_id: str, group: str = "") -> str:
    return f"{CADENCE_PREFIX}{cadence_id}" + (f":{group}" if group else "")


def is_cadence_fire(value: str) -> bool:
    return value.startswith(CADENCE_PREFIX)


def parse_fire_id(value: str) -> tuple[str, str]:
    """(cadence id, group key) from a fire id."""
    body = value.removeprefix(CADENCE_PREFIX)
    cadence_id, _, group = body.partition(":")
    return cadence_id, group


class Planner:
    def __init__(self, deps: Deps) -> None:
        self.stores = deps.stores
        self.timetable = deps.timetable
        self.queue = deps.queue
        self.clock = deps.clock
        self.settings = deps.settings

    async def recipients(self, cadence: Cadence) -> list[Member]:
        people = self.stores.people
        match cadence.audience:
            case MembersAudience(members=refs):
                return await people.members(refs)
            case TeamAudience():
                joined = await people.roster(cadence.workspace, cadence.team, Role.MEMBER)
                return await people.members(joined)
            case ChannelAudience():
                return []

    async def targets(self, cadence: Cadence, fid: str) -> list[Target] | None:
        """Who one fire of ``cadence`` goes to; None if nobody belongs to it any more."""
        if isinstance(cadence.audience, ChannelAudience):
            return [Target.to_channel(cadence.audience.channel.conversation)]
        recipients = [
            m for m in await self.recipients(cadence) if self.group_of(cadence, m).fire_id == fid
        ]
        return [Target.to_member(m) for m in recipients] or None

    async def next_fire(self, cadence: Cadence, fid: str, after: datetime) -> datetime | None:
        """When fire ``fid`` of ``cadence`` comes round next after ``after`` (None: never)."""
        group = (await self.groups(cadence)).get(fid)
        if group is None:
            return None
        return self.timetable.next_fire(group.schedule, group.tz, after)

    def group_of(self, cadence: Cadence, member: Member | None) -> Group:
        """The fire a recipient belongs to (the cadence's single fire if not per recipient)."""
        if member is None or not cadence.per_recipient:
            return Group(fire_id(cadence.id), cadence.schedule, cadence.tz)
        tz = members.zone_of(member.settings, self.settings.default_tz)
        schedule = cadence.schedule
        if isinstance(schedule, WeeklySchedule) and schedule.follows_shifts:
            shift = member.settings.shift or DAY_SHIFT
            times = tuple(
                (shift.start if t is ShiftMoment.START else shift.end)
                if isinstance(t, ShiftMoment)
                else t
                for t in schedule.times
            )
            schedule = WeeklySchedule(schedule.days, tuple(sorted(set(times))))
            key = f"{tz}|{','.join(wording.hm(t) for t in schedule.times if isinstance(t, time))}"
        else:
            key = tz
        return Group(fire_id(cadence.id, key), schedule, tz)

    async def groups(self, cadence: Cadence) -> dict[str, Group]:
        if not cadence.per_recipient:
            group = self.group_of(cadence, None)
            return {group.fire_id: group}
        found: dict[str, Group] = {}
        for member in await self.recipients(cadence):
            group = self.group_of(cadence, member)
            found.setdefault(group.fire_id, group)
        return found

    async def plan(self, cadence: Cadence, *, after: datetime | None = None) -> datetime | None:
        """Put the next fire of each of the cadence's groups in the queue; returns the soonest."""
        if cadence.paused:
            return None
        now = self.clock.now()
        start = after or now
        groups = list((await self.groups(cadence)).values())
        # A fire already due and waiting to be taken keeps its instant: planning again (a
        # member's time zone learned at 08:00, say) must not move today's 08:00 to tomorrow.
        queued = await self.queue.scheduled([g.fire_id for g in groups])
        entries, kept = [], []
        for group, when in zip(groups, queued, strict=True):
            if when is not None and when <= now:
                kept.append(when)
                continue
            at = self.timetable.next_fire(group.schedule, group.tz, start)
            if at is not None:
                entries.append((group.fire_id, at))
        await self.queue.put(entries)
        return min([*(at for _, at in entries), *kept], default=None)

    async def unplan(self, cadence: Cadence) -> None:
        await self.queue.discard(list(await self.groups(cadence)))

    async def replan_member(self, ref: MemberRef) -> None:
        """After a member's time zone, shift or teams change, their fires may move."""
        cadences = self.stores.cadences
        ids = await cadences.naming(ref)
        for team in await self.stores.people.member_teams(ref, Role.MEMBER):
            ids.update(c.id for c in await cadences.of_team(ref.workspace, team))
        for cadence in await cadences.get_many(ids):
            if cadence.per_recipient:
                await self.plan(cadence)

    async def soonest(self, cadence: Cadence) -> datetime | None:
        if cadence.paused:
            return None
        scheduled = await self.queue.scheduled(list(await self.groups(cadence)))
        return min((at for at in scheduled if at is not None), default=None)

    # --- keeping the queue true to the cadences and jobs -----------------------------------

    async def reconcile(self) -> int:
        """Schedule any cadence group or job missing from the queue; returns how many."""
        added = 0
        now = self.clock.now()
        aside = await self.queue.quarantined_ids()
        batch: list[str] = []
        async for cid in self.stores.cadences.all_ids():
            batch.append(cid)
            if len(batch) >= RECONCILE_BATCH:
                added += await self._reconcile_cadences(batch, now, aside)
                batch = []
        added += await self._reconcile_cadences(batch, now, aside)
        async for job_id in self.stores.jobs.ids():
            if job_id in aside:
                continue
            (when,) = await self.queue.scheduled([job_id])
            if when is None:
                await self.queue.put([(job_id, now)])
                added += 1
        if added:
            log.info("reconciled the queue: %d fires were missing and are scheduled again", added)
        return added

    async def _reconcile_cadences(self, ids: Sequence[str], now: datetime, aside: set[str]) -> int:
        # Most cadences fire as one group, under their plain fire id: if that is queued,
        # there is nothing to read. The rest (paused, per recipient, or lost) are read.
        queued = await self.queue.scheduled([fire_id(cid) for cid in ids])
        unsure = [cid for cid, when in zip(ids, queued, strict=True) if when is None]
        groups = [
            group
            for cadence in await self.stores.cadences.get_many(unsure)
            if not cadence.paused
            for group in (await self.groups(cadence)).values()
        ]
        scheduled = await self.queue.scheduled([g.fire_id for g in groups])
        missing = []
        for group, when in zip(groups, scheduled, strict=True):
            if when is None and group.fire_id not in aside:
                at = self.timetable.next_fire(group.schedule, group.tz, now)
                if at is not None:
                    missing.append((group.fire_id, at))
        await self.queue.put(missing)
        return len(missing)
