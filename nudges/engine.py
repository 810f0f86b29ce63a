"""The engine: ``handle`` what people do, ``fire`` what the scheduler says is due, and
``reconcile`` the queue with the cadences. I/O only through ports and the store.
"""

from __future__ import annotations

import logging
from datetime import datetime

from redis.exceptions import RedisError

from nudges import help, members, wording
from nudges.cadences import Cadences
from nudges.cards import Action, Card, ContextLine, Heading, Mention, Reply, Text
from nudges.commands import (
    AddPrompt,
    Appoint,
    CadenceVerb,
    CreateCadence,
    EditCadence,
    Help,
    ListCadences,
    ListPrompts,
    ListTeams,
    Membership,
    PreviewCadence,
    PromptVerb,
    SetQuietHours,
    SetShift,
    SetTimezone,
    SetWorkingDays,
    ShowSettings,
    ShowTeam,
    Snooze,
    StopOrStart,
)
from nudges.delivery import Deliveries, Target
from nudges.errors import InvalidSchedule, NotFound, ParseError, Refused
from nudges.events import ActionInvoked, CommandInvoked, Event
from nudges.language import parse
from nudges.model import Cadence, ChannelAudience, Fire, MemberRef
from nudges.planning import CADENCE_PREFIX, Planner, parse_fire_id
from nudges.ports import Clock, FireQueue, Messenger, Timetable
from nudges.prompts import JOB_PREFIX, Prompts, Sent, prompt_card, snooze_target
from nudges.rosters import Rosters
from nudges.settings import EngineSettings
from nudges.store import RedisStore
from nudges.teamprompts import TeamPrompts

log = logging.getLogger(__name__)

TRY_AGAIN = wording.message(
    "I couldn't reach my memory just now",
    "Nothing was changed. Please try again in a moment.",
)
SOMETHING_WRONG = wording.message(
    "Something went wrong on my side",
    "Nothing was changed. Please try again; if it keeps happening, let your admin know.",
)


class Engine:
    """The nudge engine. Adapters call ``handle``; the scheduler's runner calls ``fire``."""

    def __init__(
        self,
        store: RedisStore,
        messenger: Messenger,
        clock: Clock,
        timetable: Timetable,
        queue: FireQueue,
        settings: EngineSettings,
        salt: str = "",
    ) -> None:
        self.store = store
        self.clock = clock
        self.queue = queue
        self.settings = settings
        self.rosters = Rosters(store, settings)
        self.planner = Planner(store, timetable, queue, clock, settings)
        self.cadences = Cadences(store, self.rosters, self.planner, clock, settings)
        self.prompts = Prompts(store, messenger, queue, clock, settings, salt)
        self.team_prompts = TeamPrompts(store, self.rosters)
        self.deliveries = Deliveries(
            store, messenger, clock, settings.fanout_concurrency, settings.send_attempts
        )
        self.timetable = timetable

    # --- what people do -------------------------------------------------------------------

    async def handle(self, event: Event) -> Reply | None:
        """Answer one event. Never raises: every failure becomes a kind, clear reply."""
        try:
            await self.store.remember_name(event.actor, event.actor_name)
            match event:
                case CommandInvoked():
                    return Reply(await self._command(event))
                case ActionInvoked():
                    return await self._action(event)
        except ParseError as exc:
            return Reply(_problem(exc), status="invalid")
        except Refused as exc:
            return Reply(await self._refusal(exc), status="refused")
        except (NotFound, InvalidSchedule) as exc:
            return Reply(wording.message("Not quite", str(exc)), status="invalid")
        except RedisError:
            log.warning("redis unavailable while handling %s", type(event).__name__)
            return Reply(TRY_AGAIN, status="unavailable")
        except Exception:
            log.exception("unexpected error while handling %s", type(event).__name__)
            return Reply(SOMETHING_WRONG, status="error")

    async def _command(self, event: CommandInvoked) -> Card:
        cmd = parse(event.name, event.args)
        actor = event.actor
        where, where_name = event.conversation, event.conversation_name
        match cmd:
            case Help(topic=topic):
                return help.help_card(topic)
            case CreateCadence(spec=spec):
                return await self.cadences.create(actor, where, where_name, spec)
            case EditCadence(cadence_id=cid, spec=spec):
                return await self.cadences.edit(actor, cid, spec)
            case PreviewCadence():
                return await self.cadences.preview(
                    actor, where, where_name, cmd, self.prompts.sample
                )
            case ListCadences():
                return await self.cadences.list(actor, cmd)
            case CadenceVerb():
                return await self.cadences.verb(actor, cmd)
            case ListPrompts():
                return await self.team_prompts.list(actor, cmd)
            case AddPrompt():
                return await self.team_prompts.add(actor, cmd)
            case PromptVerb():
                return await self.team_prompts.verb(actor, cmd)
            case ShowSettings():
                member = await self.store.member(actor)
                return members.settings_card(member, self.settings.default_tz)
            case (
                SetTimezone()
                | SetQuietHours()
                | SetWorkingDays()
                | SetShift()
                | Snooze()
                | (StopOrStart())
            ):
                return await self._settings(actor, cmd)
            case Membership():
                card = await self.rosters.membership(actor, cmd)
                await self.planner.replan_member(actor)
                return card
            case ListTeams():
                return await self.rosters.list_teams(actor, cmd)
            case ShowTeam():
                return await self.rosters.show_team(actor, cmd, self.clock.now())
            case Appoint():
                return await self.rosters.appoint(actor, cmd, self.clock.now())

    async def _settings(self, actor: MemberRef, cmd: members.SettingsCommand) -> Card:
        member = await self.store.member(actor)
        updated = members.apply(member, cmd, self.clock.now(), self.settings.default_tz)
        await self.store.save_member(updated)
        if isinstance(cmd, SetTimezone | SetShift):
            await self.planner.replan_member(actor)
        return members.confirmation(updated, cmd, self.settings.default_tz)

    async def _action(self, event: ActionInvoked) -> Reply | None:
        match event.action:
            case Action.PROMPT_DONE | Action.PROMPT_SNOOZE | Action.PROMPT_NOT_FOR_ME:
                return await self.prompts.on_action(event)
            case Action.CADENCE_RESTORE:
                return Reply(await self.cadences.restore(event.actor, event.value))
            case Action.CADENCE_RESUME:
                return Reply(await self.cadences.resume(event.actor, event.value))
            case Action.PROMPT_RESTORE:
                team, _, prompt_id = event.value.partition("|")
                return Reply(
                    await self.team_prompts.verb(
                        event.actor, PromptVerb("restore", prompt_id, team)
                    )
                )

    async def _refusal(self, exc: Refused) -> Card:
        helpers = await self.store.members(exc.helpers[:5])
        blocks: list[Heading | Text | ContextLine] = [
            Heading("Sorry, I can't do that for you"),
            Text((exc.reason,)),
        ]
        if exc.next_step:
            blocks.append(Text((exc.next_step,)))
        elif helpers:
            people = wording.mentions([Mention(m.ref, m.name) for m in helpers])
            blocks.append(Text(("You could ask ", *people, ": they can help.")))
        else:
            blocks.append(ContextLine(("Your CareNudge admin can help.",)))
        return Card(tuple(blocks), exc.reason)

    # --- what the scheduler says is due ---------------------------------------------------

    async def fire(self, fire: Fire, claimed_at: datetime) -> datetime | None:
        """Deliver one due fire and return when this fire id is next due (None: not again).

        Raises:
            redis.RedisError: Redis failed; the runner leaves the fire to be taken again.
        """
        if fire.id.startswith(JOB_PREFIX):
            await self._fire_job(fire, claimed_at)
            return None
        if not fire.id.startswith(CADENCE_PREFIX):
            log.warning("unknown fire id dropped: %s", fire.id[:40])
            return None
        cadence_id, group_key = parse_fire_id(fire.id)
        cadence = await self.store.cadence(cadence_id)
        if cadence is None or cadence.paused:
            return None
        now = self.clock.now()
        late = now - fire.scheduled_at
        if late > self.settings.grace:
            log.warning(
                "skipped a missed fire: cadence=%s scheduled_at=%s late_by_s=%d (grace %ds)",
                cadence.id,
                fire.scheduled_at.isoformat(),
                late.total_seconds(),
                self.settings.grace.total_seconds(),
            )
            return await self._next(cadence, fire.id, now)
        targets = await self._targets(cadence, fire.id)
        if targets is None:
            return None
        fire_key = f"{fire.id}@{int(fire.scheduled_at.timestamp())}"

        async def check(target: Target) -> str | None:
            if target.member is None:
                return None
            return members.skip_reason(
                target.member.settings, self.settings.default_tz, fire.scheduled_at
            )

        async def compose(target: Target, key: str) -> Card:
            audience = target.key
            member = target.member.ref if target.member else None
            prompt = await self.prompts.choose(
                audience, cadence.workspace, cadence.team, cadence.theme, member
            )
            return prompt_card(prompt, Sent(cadence.id, cadence.team, prompt.id, fire_key))

        tally = await self.deliveries.run(fire_key, claimed_at, targets, check, compose)
        log.info(
            "fired cadence=%s group=%s outcomes=%s",
            cadence.id,
            group_key or "-",
            ",".join(f"{k}={v}" for k, v in sorted(tally.items())),
        )
        return await self._next(cadence, fire.id, fire.scheduled_at)

    async def _targets(self, cadence: Cadence, fid: str) -> list[Target] | None:
        if isinstance(cadence.audience, ChannelAudience):
            return [Target.to_channel(cadence.audience.channel.conversation)]
        recipients = [
            m
            for m in await self.planner.recipients(cadence)
            if self.planner.group_of(cadence, m).fire_id == fid
        ]
        if not recipients:
            return None  # everyone in this group moved to another time zone or left
        return [Target.to_member(m) for m in recipients]

    async def _next(self, cadence: Cadence, fid: str, after: datetime) -> datetime | None:
        group = (await self.planner.groups(cadence)).get(fid)
        if group is None:
            return None
        return self.timetable.next_fire(group.schedule, group.tz, after)

    async def _fire_job(self, fire: Fire, claimed_at: datetime) -> None:
        job = await self.store.job(fire.id)
        if job is None:
            return
        late = self.clock.now() - fire.scheduled_at
        if job.get("kind") == "prompt" and late > self.settings.grace:
            log.warning("skipped a missed snoozed prompt: late_by_s=%d", late.total_seconds())
        elif job.get("kind") == "prompt":
            ref, team, prompt_id, cadence_id = snooze_target(job)
            prompt = await self.prompts.find(ref.workspace, team, prompt_id)
            if prompt is not None:
                member = await self.store.member(ref)

                async def check(target: Target) -> str | None:
                    return members.skip_reason(
                        member.settings, self.settings.default_tz, self.clock.now()
                    )

                async def compose(target: Target, key: str) -> Card:
                    assert prompt is not None
                    return prompt_card(prompt, Sent(cadence_id, team, prompt.id, fire.id))

                await self.deliveries.run(
                    fire.id, claimed_at, [Target.to_member(member)], check, compose
                )
        else:
            log.warning("unknown job kind dropped: %s", str(job.get("kind"))[:20])
        await self.store.delete_job(fire.id)

    # --- keeping the queue true to the cadences -------------------------------------------

    async def reconcile(self) -> int:
        """Schedule any cadence group or job missing from the queue; returns how many."""
        added = 0
        now = self.clock.now()
        batch: list[str] = []
        async for cid in self.store.all_cadence_ids():
            batch.append(cid)
            if len(batch) >= 200:
                added += await self._reconcile_cadences(batch, now)
                batch = []
        added += await self._reconcile_cadences(batch, now)
        async for job_id in self.store.job_ids():
            (when,) = await self.queue.scheduled([job_id])
            if when is None:
                await self.queue.put([(job_id, now)])
                added += 1
        if added:
            log.info("reconciled the queue: %d fires were missing and are scheduled again", added)
        return added

    async def _reconcile_cadences(self, ids: list[str], now: datetime) -> int:
        added = 0
        for cadence in await self.store.cadences(ids):
            if cadence.paused:
                continue
            groups = list((await self.planner.groups(cadence)).values())
            scheduled = await self.queue.scheduled([g.fire_id for g in groups])
            missing = []
            for group, when in zip(groups, scheduled, strict=True):
                if when is None:
                    at = self.timetable.next_fire(group.schedule, group.tz, now)
                    if at is not None:
                        missing.append((group.fire_id, at))
            await self.queue.put(missing)
            added += len(missing)
        return added


def _problem(exc: ParseError) -> Card:
    hint = f"More: /nudge help {exc.topic}" if exc.topic else "More: /nudge help"
    return Card(
        (
            Heading("I didn't quite get that"),
            Text((exc.problem,)),
            Text(("Try: ", exc.example)),
            ContextLine((hint,)),
        ),
        f"{exc.problem} Try: {exc.example}",
    )
