"""Planning fires: which fire each recipient of a cadence belongs to (one per time zone, or per
shift time, for cadences that follow each person's clock), and putting the next instant of
each fire in the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from nudges import members, wording
from nudges.model import (
    DAY_SHIFT,
    Cadence,
    ChannelAudience,
    Member,
    MemberRef,
    MembersAudience,
    Schedule,
    ShiftMoment,
    TeamAudience,
    WeeklySchedule,
)
from nudges.ports import Clock, FireQueue, Timetable
from nudges.rosters import MEMBERS
from nudges.settings import EngineSettings
from nudges.store import RedisStore

CADENCE_PREFIX = "c:"


@dataclass(frozen=True, slots=True)
class Group:
    """One fire of a cadence: all recipients who share a time zone and resolved times."""

    fire_id: str
    schedule: Schedule
    tz: str


def fire_id(cadence_id: str, group: str = "") -> str:
    return f"{CADENCE_PREFIX}{cadence_id}" + (f":{group}" if group else "")


def parse_fire_id(value: str) -> tuple[str, str]:
    """(cadence id, group key) from a fire id."""
    body = value.removeprefix(CADENCE_PREFIX)
    cadence_id, _, group = body.partition(":")
    return cadence_id, group


class Planner:
    def __init__(
        self,
        store: RedisStore,
        timetable: Timetable,
        queue: FireQueue,
        clock: Clock,
        settings: EngineSettings,
    ) -> None:
        self.store = store
        self.timetable = timetable
        self.queue = queue
        self.clock = clock
        self.settings = settings

    async def recipients(self, cadence: Cadence) -> list[Member]:
        match cadence.audience:
            case MembersAudience(members=refs):
                return await self.store.members(refs)
            case TeamAudience():
                joined = await self.store.roster(cadence.workspace, cadence.team, MEMBERS)
                return await self.store.members(joined)
            case ChannelAudience():
                return []

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
        start = after or self.clock.now()
        entries = []
        for group in (await self.groups(cadence)).values():
            at = self.timetable.next_fire(group.schedule, group.tz, start)
            if at is not None:
                entries.append((group.fire_id, at))
        await self.queue.put(entries)
        return min((at for _, at in entries), default=None)

    async def unplan(self, cadence: Cadence) -> None:
        await self.queue.discard(list(await self.groups(cadence)))

    async def replan_member(self, ref: MemberRef) -> None:
        """After a member's time zone, shift or teams change, their fires may move."""
        ids = await self.store.member_cadence_ids(ref)
        for team in await self.store.member_teams(ref, MEMBERS):
            ids.update(c.id for c in await self.store.team_cadences(ref.workspace, team))
        for cadence in await self.store.cadences(ids):
            if cadence.per_recipient:
                await self.plan(cadence)

    async def soonest(self, cadence: Cadence) -> datetime | None:
        if cadence.paused:
            return None
        scheduled = await self.queue.scheduled(list(await self.groups(cadence)))
        return min((at for at in scheduled if at is not None), default=None)
