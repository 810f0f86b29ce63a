"""What happens when the scheduler says something is due: a cadence's fire (prompts, a weekly
digest, or a private list of the unseen), or a one-off job (a snoozed prompt, the close of a
Pause, the follow-up after one). And the reconciler that keeps the queue true.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from nudges import members
from nudges.delivery import Check, Compose, Deliveries, Outgoing, Prepare, Target
from nudges.model import (
    Cadence,
    CadenceKind,
    ChannelAudience,
    Context,
    Fire,
    MemberRef,
)
from nudges.pause import JOB_CLOSE, JOB_FOLLOW_UP, Pauses, closing_card
from nudges.planning import CADENCE_PREFIX, Planner, fire_id, parse_fire_id
from nudges.ports import Clock, FireQueue, Timetable, WaitUntil
from nudges.prompts import JOB_PREFIX, Prompts, Sent, prompt_card, snooze_target
from nudges.rosters import MANAGERS
from nudges.settings import EngineSettings
from nudges.shoutouts import Shoutouts
from nudges.store import RedisStore

log = logging.getLogger(__name__)
RECONCILE_BATCH = 1000
JOB_PROMPT = "prompt"


class Firing:
    def __init__(
        self,
        store: RedisStore,
        planner: Planner,
        prompts: Prompts,
        shoutouts: Shoutouts,
        pauses: Pauses,
        deliveries: Deliveries,
        timetable: Timetable,
        queue: FireQueue,
        clock: Clock,
        settings: EngineSettings,
    ) -> None:
        self.store = store
        self.planner = planner
        self.prompts = prompts
        self.shoutouts = shoutouts
        self.pauses = pauses
        self.deliveries = deliveries
        self.timetable = timetable
        self.queue = queue
        self.clock = clock
        self.settings = settings

    async def fire(
        self, fire: Fire, claimed_at: datetime, wait_until: WaitUntil | None = None
    ) -> datetime | None:
        """Deliver one fire and return when this fire id is next due (None: not again).

        A cadence's fire is prepared before its instant (its prompts chosen and composed) and
        sent on it; a one-off job (a Pause's close counts who paused) waits first.

        Raises:
            redis.RedisError: Redis failed; the runner leaves the fire to be taken again.
        """
        wait = wait_until or self._sleep_until

        async def on_time() -> None:
            await wait(fire.scheduled_at)

        if fire.id.startswith(JOB_PREFIX):
            await on_time()
            await self._job(fire, claimed_at)
            return None
        if not fire.id.startswith(CADENCE_PREFIX):
            log.warning("unknown fire id dropped: %s", fire.id[:40])
            return None
        cadence_id, group_key = parse_fire_id(fire.id)
        cadence = await self.store.cadence(cadence_id)
        if cadence is None or cadence.paused:
            return None
        now = self.clock.now()
        if self._too_late(fire, f"cadence={cadence.id}"):
            return await self._next(cadence, fire.id, now)
        targets = await self._targets(cadence, fire.id)
        if targets is None:
            return None
        fire_key = f"{fire.id}@{int(fire.scheduled_at.timestamp())}"
        check, compose, prepare = await self._content(cadence, fire, fire_key)
        tally = await self.deliveries.run(
            fire_key, claimed_at, targets, check, compose, prepare, on_time
        )
        log.info(
            "fired cadence=%s kind=%s group=%s outcomes=%s",
            cadence.id,
            cadence.kind.value,
            group_key or "-",
            ",".join(f"{k}={v}" for k, v in sorted(tally.items())),
        )
        return await self._next(cadence, fire.id, fire.scheduled_at)

    async def _sleep_until(self, at: datetime) -> None:
        delay = (at - self.clock.now()).total_seconds()
        if delay > 0:
            await self.clock.sleep(delay)

    def _too_late(self, fire: Fire, what: str) -> bool:
        late = self.clock.now() - fire.scheduled_at
        if late <= self.settings.grace:
            return False
        log.warning(
            "skipped a missed fire: %s scheduled_at=%s late_by_s=%d (grace %ds)",
            what,
            fire.scheduled_at.isoformat(),
            late.total_seconds(),
            self.settings.grace.total_seconds(),
        )
        return True

    async def _content(
        self, cadence: Cadence, fire: Fire, fire_key: str
    ) -> tuple[Check, Compose, Prepare | None]:
        """What each kind of cadence checks before delivering, what it sends, and what it
        reads first for each batch of recipients."""

        async def available(target: Target) -> str | None:
            if target.member is None:
                return None
            return members.skip_reason(
                target.member.settings, self.settings.default_tz, fire.scheduled_at
            )

        if cadence.kind is CadenceKind.DIGEST and isinstance(cadence.audience, ChannelAudience):
            channel = cadence.audience.channel
            digest = await self.shoutouts.digests.digest_card(channel.conversation, channel.name)

            async def any_shoutouts(target: Target) -> str | None:
                return None if digest is not None else "no-shoutouts"

            async def the_digest(target: Target, key: str) -> Outgoing:
                assert digest is not None
                return Outgoing(digest)

            return any_shoutouts, the_digest, None

        if cadence.kind is CadenceKind.UNSEEN:
            managers = set(await self.store.roster(cadence.workspace, cadence.team, MANAGERS))

            async def managers_only(target: Target) -> str | None:
                # The list is never published: only the team's managers may see it.
                if target.member is None or target.member.ref not in managers:
                    return "not-a-manager"
                return await available(target)

            async def unseen(target: Target, key: str) -> Outgoing:
                assert target.member is not None
                card = await self.shoutouts.digests.unseen_card(target.member.ref, cadence.team)
                return Outgoing(card)

            return managers_only, unseen, None

        chooser = await self.prompts.chooser(cadence.workspace, cadence.team, cadence.theme)

        async def audiences(targets: Sequence[Target]) -> None:
            await chooser.load([(t.key, t.member.ref if t.member else None) for t in targets])

        async def a_prompt(target: Target, key: str) -> Outgoing:
            chosen = chooser.choose(target.key)
            sent = Sent(cadence.id, cadence.team, chosen.prompt.id, fire_key)
            return Outgoing(prompt_card(chosen.prompt, sent), chosen)

        return available, a_prompt, audiences

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

    # --- one-off jobs ---------------------------------------------------------------------

    async def _job(self, fire: Fire, claimed_at: datetime) -> None:
        job = await self.store.job(fire.id)
        if job is None:
            return
        kind = str(job.get("kind"))
        if kind == JOB_CLOSE:
            await self._close(fire, claimed_at, str(job["pause"]))
        elif not self._too_late(fire, f"job={kind}"):
            if kind == JOB_PROMPT:
                await self._snoozed(fire, claimed_at, job)
            elif kind == JOB_FOLLOW_UP:
                await self._follow_up(fire, claimed_at, job)
            else:
                log.warning("unknown job kind dropped: %s", kind[:20])
        await self.store.delete_job(fire.id)

    async def _close(self, fire: Fire, claimed_at: datetime, pause_id: str) -> None:
        """Close a Pause once, even across a restart; long after its time (the bot was down
        for longer than the grace window), only take its button away, without a message."""
        found = await self.pauses.closing(pause_id)
        if found is None:
            return
        pause, pausing = found
        if not self._too_late(fire, f"job={JOB_CLOSE}"):

            async def open_still(target: Target) -> str | None:
                return None

            async def thanks(target: Target, key: str) -> Outgoing:
                return Outgoing(closing_card(pausing))

            target = Target.to_channel(pause.conversation)
            await self.deliveries.run(fire.id, claimed_at, [target], open_still, thanks)
        await self.pauses.finish(pause, pausing)

    async def _snoozed(self, fire: Fire, claimed_at: datetime, job: dict[str, Any]) -> None:
        ref, team, prompt_id, cadence_id = snooze_target(job)
        prompt = await self.prompts.find(ref.workspace, team, prompt_id)
        if prompt is None:
            return

        async def compose(target: Target, key: str) -> Outgoing:
            return Outgoing(prompt_card(prompt, Sent(cadence_id, team, prompt.id, fire.id)))

        await self._to_members(fire, claimed_at, [ref], compose)

    async def _follow_up(self, fire: Fire, claimed_at: datetime, job: dict[str, Any]) -> None:
        """A gentle "after a hard case" check-in, hours after a Pause: it names no one and
        quotes nothing from the dedication."""
        pause = await self.store.pause(str(job["pause"]))
        if pause is None:
            return
        team = pause.team or "-"
        if "to" in job:
            recipients = [MemberRef.from_key(k) for k in job["to"]]
        else:
            recipients = await self.pauses.follow_up_recipients(pause.id, bool(job.get("to_me")))
        recipients = await self._after_quiet_hours(recipients, job)

        chooser = await self.prompts.chooser(pause.caller.workspace, team, Context.AFTER_HARD_CASE)

        async def audiences(targets: Sequence[Target]) -> None:
            await chooser.load([(t.key, t.member.ref if t.member else None) for t in targets])

        async def compose(target: Target, key: str) -> Outgoing:
            chosen = chooser.choose(target.key)
            return Outgoing(
                prompt_card(chosen.prompt, Sent("", team, chosen.prompt.id, fire.id)), chosen
            )

        await self._to_members(fire, claimed_at, recipients, compose, audiences)

    async def _after_quiet_hours(
        self, refs: Sequence[MemberRef], job: dict[str, Any]
    ) -> list[MemberRef]:
        """Those who can have it now; the others get their own job for when quiet hours end
        (a follow-up the caller was promised is moved, never dropped)."""
        now = self.clock.now()
        ready: list[MemberRef] = []
        for member in await self.store.members(refs):
            tz = self.settings.default_tz
            if members.skip_reason(member.settings, tz, now) != "quiet-hours":
                ready.append(member.ref)
                continue
            later = members.after_quiet_hours(member.settings, tz, now)
            job_id = f"{JOB_PREFIX}{uuid.uuid4().hex}"
            await self.store.save_job(job_id, {**job, "to": [member.ref.key]})
            await self.queue.put([(job_id, later)])
        return ready

    async def _to_members(
        self,
        fire: Fire,
        claimed_at: datetime,
        refs: Sequence[MemberRef],
        compose: Compose,
        prepare: Prepare | None = None,
    ) -> None:
        people = await self.store.members(refs)
        now = self.clock.now()

        async def available(target: Target) -> str | None:
            assert target.member is not None
            return members.skip_reason(target.member.settings, self.settings.default_tz, now)

        targets = [Target.to_member(m) for m in people]
        await self.deliveries.run(fire.id, claimed_at, targets, available, compose, prepare)

    # --- keeping the queue true to the cadences -------------------------------------------

    async def reconcile(self) -> int:
        """Schedule any cadence group or job missing from the queue; returns how many."""
        added = 0
        now = self.clock.now()
        batch: list[str] = []
        async for cid in self.store.all_cadence_ids():
            batch.append(cid)
            if len(batch) >= RECONCILE_BATCH:
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
        # Most cadences fire as one group, under their plain fire id: if that is queued,
        # there is nothing to read. The rest (paused, per recipient, or lost) are read.
        queued = await self.queue.scheduled([fire_id(cid) for cid in ids])
        unsure = [cid for cid, when in zip(ids, queued, strict=True) if when is None]
        groups = [
            group
            for cadence in await self.store.cadences(unsure)
            if not cadence.paused
            for group in (await self.planner.groups(cadence)).values()
        ]
        scheduled = await self.queue.scheduled([g.fire_id for g in groups])
        missing = []
        for group, when in zip(groups, scheduled, strict=True):
            if when is None:
                at = self.timetable.next_fire(group.schedule, group.tz, now)
                if at is not None:
                    missing.append((group.fire_id, at))
        await self.queue.put(missing)
        return len(missing)
