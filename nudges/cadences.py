"""Cadences: create, list, show, edit, pause, resume, delete, restore and preview; and planning
their fires, including one fire per time zone (or shift) for cadences that follow each
recipient's own clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nudges import members, reach, wording
from nudges.cards import Action, Actions, Button, Card, ContextLine, Fields, Heading, Text
from nudges.commands import CadenceSpec, CadenceVerb, ListCadences, PreviewCadence
from nudges.deps import Deps
from nudges.errors import (
    CannotReach,
    ConversationGone,
    DeliveryError,
    InvalidSchedule,
    NotFound,
    ParseError,
)
from nudges.model import (
    Audience,
    Cadence,
    CadenceKind,
    ChannelAudience,
    ChannelRef,
    Conversation,
    ConversationKind,
    CronSchedule,
    Member,
    MemberRef,
    MembersAudience,
    Prompt,
    Role,
    Schedule,
    TeamAudience,
    Theme,
    WeeklySchedule,
)
from nudges.planning import Planner
from nudges.rosters import Rosters

Sampler = Callable[[Cadence, int], Awaitable[list[Prompt]]]
"""Prompts that would go out next for a cadence, without sending or remembering them."""

PREVIEW_FIRES = 5
MAX_NAMED = 100
LIST_PAGE = 10
"""Cadences on one page of /nudge list."""
MAX_PER_TEAM = 20
"""A team's cadences at most: more would nudge people more than anyone can take in."""


class Cadences:
    def __init__(self, deps: Deps, rosters: Rosters, planner: Planner) -> None:
        self.stores = deps.stores
        self.messenger = deps.messenger
        self.rosters = rosters
        self.planner = planner
        self.timetable = deps.timetable
        self.clock = deps.clock
        self.settings = deps.settings

    # --- commands -------------------------------------------------------------------------

    async def create(
        self, actor: MemberRef, where: Conversation, where_name: str, spec: CadenceSpec
    ) -> Card:
        draft = await self._vetted(actor, where, where_name, spec)
        cadence = replace(draft, id=await self.stores.cadences.next_id())
        await self.stores.cadences.save(cadence, _named(cadence.audience))
        await self._remember_names(spec)
        soonest = await self.planner.plan(cadence)
        return await self._summary(cadence, f"Cadence {cadence.id} is set", soonest, created=True)

    async def vet(
        self, actor: MemberRef, where: Conversation, where_name: str, spec: CadenceSpec
    ) -> None:
        """Raise what ``create`` would refuse, from what is kept alone: its channel is not
        asked about (``create`` asks)."""
        await self._vetted(actor, where, where_name, spec, reach=False)

    async def _vetted(
        self,
        actor: MemberRef,
        where: Conversation,
        where_name: str,
        spec: CadenceSpec,
        *,
        reach: bool = True,
    ) -> Cadence:
        team = await self.rosters.team_for(actor, spec.team)
        await self.rosters.require_manager(actor, team)
        draft = await self.draft(actor, where, where_name, spec, team, reach=reach)
        existing = await self.stores.cadences.of_team(actor.workspace, team)
        if len(existing) >= MAX_PER_TEAM:
            raise ParseError(
                f"{team} has {len(existing)} cadences, the most a team can have, so that no "
                "one is nudged more than they can take in. Delete or change one first.",
                "/nudge list, then /nudge delete c3",
                "list",
            )
        return draft

    async def draft(
        self,
        actor: MemberRef,
        where: Conversation,
        where_name: str,
        spec: CadenceSpec,
        team: str,
        *,
        reach: bool = True,
    ) -> Cadence:
        """A cadence built from ``spec`` (not saved), with defaults filled in and checked;
        with ``reach``, the platform is asked whether CareNudge can post in its channel."""
        example = "/nudge create weekdays at 07:30 to #ward-7"
        audience = _audience(spec, actor)
        if audience is None:
            if where.kind is ConversationKind.DIRECT:
                raise ParseError(
                    "Who should get it? Add 'to #channel', 'to @name' or 'to team'.",
                    "/nudge create weekdays at 07:30 to team",
                    "create",
                    "audience",
                )
            audience = ChannelAudience(ChannelRef(where, where_name))
        schedule = _schedule(spec, None)
        if schedule is None:
            raise ParseError("Please say when it should go out.", example, "create", "times")
        me = await self.stores.people.member(actor)
        cadence = Cadence(
            id="draft",
            workspace=actor.workspace,
            team=team,
            schedule=schedule,
            tz=spec.tz or members.zone_of(me.settings, self.settings.default_tz),
            theme=_theme(spec, None),
            audience=audience,
            created_by=actor,
            created_at=self.clock.now(),
            local_time=bool(spec.local_time),
            kind=spec.kind or CadenceKind.PROMPTS,
        )
        await self._check(cadence)
        if reach:
            await self._reachable(cadence)
        return cadence

    async def _check(self, cadence: Cadence) -> None:
        if cadence.kind is CadenceKind.DIGEST and cadence.is_direct:
            raise ParseError(
                "A shout-out digest goes to a channel.",
                "/nudge create fridays at 16:00 to #ward-7 sends digest",
                "create",
                "audience",
            )
        if cadence.kind is CadenceKind.UNSEEN:
            await self._check_unseen(cadence)
        shifts = isinstance(cadence.schedule, WeeklySchedule) and cadence.schedule.follows_shifts
        if not cadence.is_direct and (cadence.local_time or shifts):
            raise ParseError(
                "Local times and shift times work for direct messages only, not a channel.",
                "/nudge create weekdays at shift start to team",
                "create",
                "audience",
            )
        if (
            isinstance(cadence.audience, MembersAudience)
            and len(cadence.audience.members) > MAX_NAMED
        ):
            raise ParseError(
                f"Please name at most {MAX_NAMED} people; for more, use 'to team'.",
                "/nudge create weekdays at 07:30 to team",
                "create",
                "audience",
            )
        probe = self.planner.group_of(cadence, Member(cadence.created_by, ""))
        first = self.timetable.next_fire(probe.schedule, probe.tz, self.clock.now())
        if first is None:
            raise InvalidSchedule("That schedule never comes round. Try another day or time.")
        self._once_a_day(probe.schedule, probe.tz, first)

    def _once_a_day(self, schedule: Schedule, tz: str, first: datetime) -> None:
        """A cadence reaches its audience at most once a day: the research behind CareNudge
        warns that nudging tired staff more often backfires."""
        zone = ZoneInfo(tz)
        days: set[date] = set()
        at: datetime | None = first
        while at is not None and at < first + timedelta(days=8):
            day = at.astimezone(zone).date()
            if day in days:
                raise InvalidSchedule(
                    "A cadence goes out at most once a day, so no one is nudged more than they "
                    f"can take in, and this one goes out more often ({wording.day(day)}). "
                    "Choose one time a day.",
                )
            days.add(day)
            at = self.timetable.next_fire(schedule, tz, at)

    async def _reachable(self, cadence: Cadence) -> None:
        """A channel the bot could not post in is said at once, before anything is saved."""
        if not isinstance(cadence.audience, ChannelAudience):
            return
        channel = cadence.audience.channel
        try:
            await self.messenger.check_reach(channel.conversation)
        except ConversationGone as gone:
            raise CannotReach(wording.channel(channel.name), gone) from gone
        except DeliveryError:
            return  # the platform could not say: it will be told at the first fire if so

    async def _check_unseen(self, cadence: Cadence) -> None:
        """Who has not been recognised lately is for managers' eyes only, by direct message."""
        managers = set(
            await self.stores.people.roster(cadence.workspace, cadence.team, Role.MANAGER)
        )
        named = cadence.audience.members if isinstance(cadence.audience, MembersAudience) else ()
        if not named or not set(named) <= managers:
            raise ParseError(
                f"The unseen list goes only to managers of {cadence.team}, by direct message.",
                "/nudge create fridays at 15:00 to me sends unseen",
                "create",
                "audience",
            )

    async def edit(self, actor: MemberRef, cadence_id: str, spec: CadenceSpec) -> Card:
        cadence = await self._mine(actor, cadence_id)
        team = cadence.team
        if spec.team is not None and spec.team != cadence.team:
            team = await self.rosters.team_for(actor, spec.team)
            await self.rosters.require_manager(actor, team)
        schedule = _schedule(spec, cadence.schedule)
        assert schedule is not None
        updated = replace(
            cadence,
            team=team,
            schedule=schedule,
            tz=spec.tz or cadence.tz,
            theme=_theme(spec, cadence.theme) if spec.theme is not None else cadence.theme,
            audience=_audience(spec, actor) or cadence.audience,
            local_time=cadence.local_time if spec.local_time is None else spec.local_time,
            revision=cadence.revision + 1,
            kind=spec.kind or cadence.kind,
        )
        await self._check(updated)
        if updated.audience != cadence.audience:
            await self._reachable(updated)
        await self.planner.unplan(cadence)
        if team != cadence.team:
            await self.stores.cadences.trash(cadence, self.settings.keep_deleted)
            await self.stores.cadences.forget_trashed(cadence.id)
        await self.stores.cadences.save(updated, _named(updated.audience))
        await self._remember_names(spec)
        soonest = await self.planner.plan(updated)
        return await self._summary(updated, f"Cadence {updated.id} is updated", soonest)

    async def verb(self, actor: MemberRef, cmd: CadenceVerb) -> Card:
        if cmd.verb == "restore":
            return await self.restore(actor, cmd.cadence_id)
        cadence = await self._mine(actor, cmd.cadence_id, manage=cmd.verb != "show")
        if cmd.verb == "show":
            soonest = await self.planner.soonest(cadence)
            return await self._summary(cadence, f"Cadence {cadence.id}", soonest)
        if cmd.verb == "pause":
            if not cadence.paused:
                cadence = replace(cadence, paused=True, revision=cadence.revision + 1)
                await self.stores.cadences.save(cadence)
                await self.planner.unplan(cadence)
            return Card(
                (
                    Heading(f"Paused {cadence.id}"),
                    Text(("Nothing goes out until you resume it.",)),
                    Actions((Button("Resume", Action.CADENCE_RESUME, cadence.id),)),
                ),
                f"Paused {cadence.id}.",
            )
        if cmd.verb == "resume":
            return await self.resume(actor, cmd.cadence_id)
        await self.planner.unplan(cadence)
        await self.stores.cadences.trash(cadence, self.settings.keep_deleted)
        days = self.settings.keep_deleted.days
        return Card(
            (
                Heading(f"Deleted {cadence.id}"),
                Text(
                    (
                        f"{wording.schedule(cadence.schedule)} to "
                        f"{wording.audience(cadence, {})} won't go out any more.",
                    )
                ),
                Actions((Button("Undo", Action.CADENCE_RESTORE, cadence.id),)),
                ContextLine(
                    (f"You can also undo it for {days} days with /nudge restore {cadence.id}.",)
                ),
            ),
            f"Deleted {cadence.id}.",
        )

    async def resume(self, actor: MemberRef, cadence_id: str) -> Card:
        cadence = await self._mine(actor, cadence_id)
        if cadence.paused:
            cadence = replace(cadence, paused=False, revision=cadence.revision + 1)
            await self.stores.cadences.save(cadence)
        soonest = await self.planner.plan(cadence)
        return await self._summary(cadence, f"Resumed {cadence.id}", soonest)

    async def restore(self, actor: MemberRef, cadence_id: str) -> Card:
        live = await self.stores.cadences.get(cadence_id)
        if live is not None and live.workspace == actor.workspace:
            return wording.message(f"{cadence_id} wasn't deleted", "There's nothing to undo.")
        cadence = await self.stores.cadences.trashed(cadence_id)
        if cadence is None or cadence.workspace != actor.workspace:
            raise NotFound(
                f"a deleted cadence {cadence_id}",
                f"Deleted cadences can be restored for {self.settings.keep_deleted.days} days.",
            )
        await self.rosters.require_manager(actor, cadence.team)
        await self.stores.cadences.save(cadence, _named(cadence.audience))
        await self.stores.cadences.forget_trashed(cadence_id)
        soonest = await self.planner.plan(cadence)
        return await self._summary(cadence, f"Restored {cadence.id}", soonest)

    async def list(self, actor: MemberRef, cmd: ListCadences) -> Card:
        if cmd.team is not None:
            teams = [await self.rosters.team_for(actor, cmd.team)]
        else:
            teams = sorted(
                set(await self.stores.people.member_teams(actor, Role.MANAGER))
                | set(await self.stores.people.member_teams(actor, Role.MEMBER))
            )
        if not teams:
            return wording.message(
                "No cadences to show",
                "You aren't in a team yet.",
                hint="See the teams with /nudge teams, and join one with /nudge join <team>.",
            )
        # Every row first (a team has at most 20 cadences), then one page of them: a card
        # stays well inside Slack's and Teams' limits however many teams a person is in.
        rows: list[tuple[str, Text]] = []
        for team in teams:
            cadences, unreadable = await self.stores.cadences.read_team(actor.workspace, team)
            cadences = [
                c
                for c in cadences
                if (not cmd.mine or c.created_by == actor) and (not cmd.paused or c.paused)
            ]
            went = await self.stores.reach.summaries([c.id for c in cadences])
            for cadence in cadences:
                rows.append((team, await self._row(cadence, went.get(cadence.id))))
            if not cmd.mine and not cmd.paused:
                rows.extend(
                    (
                        team,
                        Text(
                            (
                                f"{cid} · {wording.UNREADABLE} Your admin can look with "
                                "carenudge doctor.",
                            )
                        ),
                    )
                    for cid in unreadable
                )
        page, pages, on_page = wording.page_of(len(rows), cmd.page, LIST_PAGE)
        shown = rows[on_page]
        blocks: list[Heading | Text | ContextLine | Actions] = []
        for team in teams:
            mine = [text for t, text in shown if t == team]
            if mine or (not rows and len(teams) == 1):
                blocks.append(Heading(f"Cadences for {team}"))
                blocks.extend(mine)
        if not rows:
            if len(teams) > 1:
                blocks.append(Heading("Cadences for " + ", ".join(teams)))
            blocks.append(Text(("None that match." if cmd.mine or cmd.paused else "None yet.",)))
        next_page = _list_command(cmd, page + 1)
        blocks.extend(wording.more(page, pages, next_page, f" · {len(rows)} cadences"))
        blocks.append(
            ContextLine(
                (
                    "Details: /nudge show c1. Just yours or the paused: /nudge list mine, "
                    "/nudge list paused. New: /nudge create … (/nudge help create).",
                )
            )
        )
        return Card(tuple(blocks), "Cadences: " + ", ".join(teams))

    async def _row(self, cadence: Cadence, went: dict[str, Any] | None) -> Text:
        soonest = await self.planner.soonest(cadence)
        state = (
            "paused"
            if cadence.paused
            else (f"next {wording.when(soonest, cadence.tz)}" if soonest else "no next fire")
        )
        problem = reach.trouble(cadence, went)
        return Text(
            (
                f"{cadence.id} · {wording.schedule(cadence.schedule)} · "
                f"{wording.audience(cadence, {})} · {wording.what(cadence)} · "
                f"{state}" + (f" · last: {problem}" if problem else ""),
            )
        )

    async def preview(
        self,
        actor: MemberRef,
        where: Conversation,
        where_name: str,
        cmd: PreviewCadence,
        sample: Sampler,
        *,
        reach: bool = True,
    ) -> Card:
        if cmd.cadence_id is not None:
            cadence = await self._mine(actor, cmd.cadence_id, manage=False)
        else:
            team = cmd.spec.team or await self._preview_team(actor)
            cadence = await self.draft(actor, where, where_name, cmd.spec, team, reach=reach)
        groups = list((await self.planner.groups(cadence)).values()) or [
            self.planner.group_of(cadence, None)
        ]
        fires: list[tuple[datetime, str]] = []
        for group in groups:
            after = self.clock.now()
            for _ in range(PREVIEW_FIRES):
                at = self.timetable.next_fire(group.schedule, group.tz, after)
                if at is None:
                    break
                fires.append((at, group.tz))
                after = at
        fires = sorted(fires)[:PREVIEW_FIRES]
        chosen = await sample(cadence, len(fires))
        title = f"Preview of {cadence.id}" if cmd.cadence_id else "Preview"
        blocks: list[Heading | Text | ContextLine | Fields] = [
            Heading(title),
            Fields(
                (
                    ("When", f"{wording.schedule(cadence.schedule)} ({wording.zone(cadence)})"),
                    ("To", wording.audience(cadence, {})),
                    ("Theme", wording.what(cadence)),
                )
            ),
        ]
        if not fires:
            blocks.append(Text(("It has no fires coming up.",)))
        for (at, tz), prompt in zip(fires, chosen, strict=False):
            blocks.append(Text((f"{wording.when(at, tz)} ({tz}): {prompt.text}",)))
        note = (
            "Each person gets their own prompt; these are examples."
            if cadence.is_direct
            else "The prompts are what would be chosen now; the mix adapts as they go out."
        )
        if cmd.cadence_id is None:
            note += " Save it with /nudge create and the same words."
        blocks.append(ContextLine((note,)))
        return Card(tuple(blocks), f"{title}: next {len(fires)} fires")

    async def _preview_team(self, actor: MemberRef) -> str:
        managed = await self.stores.people.member_teams(actor, Role.MANAGER)
        joined = await self.stores.people.member_teams(actor, Role.MEMBER)
        mine = managed or joined
        return mine[0] if mine else wording.NO_TEAM

    # --- helpers --------------------------------------------------------------------------

    async def _mine(self, actor: MemberRef, cadence_id: str, *, manage: bool = True) -> Cadence:
        cadence = await self.stores.cadences.get(cadence_id)
        if cadence is None or cadence.workspace != actor.workspace:
            raise NotFound(f"cadence {cadence_id}", "See the cadences with /nudge list.")
        if manage:
            await self.rosters.require_manager(actor, cadence.team)
        return cadence

    async def _remember_names(self, spec: CadenceSpec) -> None:
        for mention in spec.members:
            await self.stores.people.remember_name(mention.member, mention.name)

    async def _summary(
        self, cadence: Cadence, title: str, soonest: datetime | None, *, created: bool = False
    ) -> Card:
        names = {}
        if isinstance(cadence.audience, MembersAudience):
            found = await self.stores.people.members(cadence.audience.members[:5])
            names = {m.ref.key: m.name for m in found}
        next_line = wording.when(soonest, cadence.tz) if soonest else "none yet"
        if cadence.paused:
            next_line = "paused"
        elif soonest and cadence.per_recipient:
            next_line += " (the first of each person's own times)"
        pairs: list[tuple[str, str]] = [
            ("When", f"{wording.schedule(cadence.schedule)} ({wording.zone(cadence)})"),
            ("To", wording.audience(cadence, names)),
            ("Theme", wording.what(cadence)),
            ("Team", cadence.team),
            ("Next", next_line),
        ]
        summaries = await self.stores.reach.summaries([cadence.id])
        went = reach.last_fire(cadence, summaries.get(cadence.id))
        if went:
            pairs.append(("Last", went))
        if created and isinstance(cadence.audience, TeamAudience):
            joined = await self.stores.people.roster(cadence.workspace, cadence.team, Role.MEMBER)
            if not joined:
                note = f"Nobody has joined {cadence.team} yet: /nudge join {cadence.team}"
                pairs.append(("Note", note))
        hint = (
            f"See what it will send: /nudge preview {cadence.id}. Change it: /nudge edit "
            f"{cadence.id} at 08:00. Pause: /nudge pause {cadence.id}."
        )
        return Card((Heading(title), Fields(tuple(pairs)), ContextLine((hint,))), title)


def _list_command(cmd: ListCadences, page: int) -> str:
    """The /nudge words for another page of the same list."""
    words = ["list"]
    if cmd.mine:
        words.append("mine")
    if cmd.paused:
        words.append("paused")
    if cmd.team is not None:
        words += ["team", cmd.team]
    return " ".join([*words, "page", str(page)])


def _named(audience: Audience) -> tuple[MemberRef, ...]:
    return audience.members if isinstance(audience, MembersAudience) else ()


def _audience(spec: CadenceSpec, actor: MemberRef) -> Audience | None:
    if spec.channel is not None:
        return ChannelAudience(spec.channel)
    if spec.members or spec.include_me:
        refs = [m.member for m in spec.members]
        if spec.include_me:
            refs.insert(0, actor)
        return MembersAudience(tuple(dict.fromkeys(refs)))
    if spec.whole_team:
        return TeamAudience()
    return None


def _schedule(spec: CadenceSpec, current: Schedule | None) -> Schedule | None:
    if spec.cron is not None:
        return CronSchedule(spec.cron)
    if spec.times is None and spec.days is None:
        return current
    if spec.times is None:
        if not isinstance(current, WeeklySchedule):
            raise ParseError(
                "Add a time to go with the days.",
                "/nudge edit c3 weekdays at 07:30",
                "edit",
                "times",
            )
        return WeeklySchedule(spec.days or current.days, current.times)
    days = spec.days
    if days is None:
        days = current.days if isinstance(current, WeeklySchedule) else frozenset(range(7))
    return WeeklySchedule(days, spec.times)


def _theme(spec: CadenceSpec, current: Theme) -> Theme:
    if spec.theme is None:
        return current
    return None if spec.theme == "mixed" else spec.theme
