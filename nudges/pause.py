"""The Pause: after a death, anyone can ask the team for a short moment of silence. The bot
opens it, counts presence without naming anyone, and closes it after the silence through a
scheduled one-off job (so a restart mid-silence still closes it, once). A follow-up check-in
can reach the team's managers, or the caller, hours later. No patient details, ever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from nudges import jobs, members, privacy, wording
from nudges.cards import Action, Actions, Button, Card, ContextLine, Heading, Reply, Text
from nudges.commands import CallPause
from nudges.delivery import Check, Deliveries, Ended, Outgoing, Prepare, Target, available_at
from nudges.deps import Deps
from nudges.errors import DeliveryError
from nudges.firing import FireTime, Firing
from nudges.language.recognition import EXAMPLE_PAUSE
from nudges.model import (
    Context,
    Conversation,
    ConversationKind,
    MemberRef,
    MessageRef,
    Pause,
    Role,
)
from nudges.prompts import Prompts, Sent, prompt_card

log = logging.getLogger(__name__)
OPENING = (
    "Let's pause together, to honour the person we cared for and the care this team gave. "
    "Stop where you are if you can, and breathe."
)
FOLLOW_UP_LEAD = "Following the Pause your team held earlier, after a death on the ward."
CLOSING = (
    "Thank you for pausing together, and for the care you gave. When you're ready, carry on gently."
)


def month_of(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def scope_of(team: str | None, conversation: Conversation) -> str:
    """What a Pause is counted under: its team, or its channel when it has no team."""
    return team if team is not None else f"channel:{conversation.key}"


@dataclass(frozen=True, slots=True)
class PauseClose:
    """The end of a Pause's silence (a one-off job)."""

    KIND: ClassVar[str] = "pause-close"
    pause_id: str
    id: str = field(default_factory=jobs.new_job_id)

    def payload(self) -> dict[str, Any]:
        return {"pause": self.pause_id}

    @classmethod
    def from_payload(cls, job_id: str, data: dict[str, Any]) -> PauseClose:
        return cls(str(data["pause"]), job_id)


@dataclass(frozen=True, slots=True)
class PauseFollowUp:
    """A gentle check-in hours after a Pause (a one-off job): to the team's managers, to the
    caller (``to_me``), or, once moved past someone's quiet hours, to them (``to``)."""

    KIND: ClassVar[str] = "pause-follow-up"
    pause_id: str
    to_me: bool = False
    to: tuple[MemberRef, ...] = ()
    id: str = field(default_factory=jobs.new_job_id)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pause": self.pause_id, "to_me": self.to_me}
        if self.to:
            data["to"] = [m.key for m in self.to]
        return data

    @classmethod
    def from_payload(cls, job_id: str, data: dict[str, Any]) -> PauseFollowUp:
        to = tuple(MemberRef.from_key(k) for k in data.get("to", ()))
        return cls(str(data["pause"]), bool(data.get("to_me")), to, job_id)


class Pauses:
    def __init__(self, deps: Deps, deliveries: Deliveries, prompts: Prompts) -> None:
        self.deps = deps
        self.stores = deps.stores
        self.messenger = deps.messenger
        self.clock = deps.clock
        self.settings = deps.settings
        self.deliveries = deliveries
        self.prompts = prompts

    def register(self, firing: Firing) -> None:
        firing.on_job(PauseClose, self.close)
        firing.on_job(PauseFollowUp, self.follow_up)

    async def call(
        self, actor: MemberRef, where: Conversation, team: str | None, cmd: CallPause
    ) -> Reply:
        privacy.guard(cmd.dedication, self.clock.now().date(), typed=f"/pause {cmd.dedication}")
        if cmd.doubt:
            return await self._ask(actor, where, team, cmd)
        pause_id = await self.stores.pauses.next_id()
        under_way = await self.stores.pauses.claim_channel(where, pause_id, cmd.silence_s + 30)
        if under_way is not None:
            join = Button("Pausing with you", Action.PAUSE_JOIN, under_way, primary=True)
            return Reply(
                Card(
                    (
                        Heading("A pause is already under way here"),
                        Text(("Would you like to join it? It's one moment, together.",)),
                        Actions((join,)),
                    ),
                    "A pause is already under way here. You're welcome to join it.",
                ),
                status="refused",
            )
        now = self.clock.now()
        pause = Pause(
            id=pause_id,
            conversation=where,
            team=team,
            dedication=cmd.dedication,
            silence_s=cmd.silence_s,
            started_at=now,
            caller=actor,
        )
        try:
            ref = await self.messenger.send(where, opening_card(pause, 0))
        except BaseException:
            await self.stores.pauses.release_channel(where, pause_id)
            raise
        pause = replace(pause, message=ref)
        await self.stores.pauses.save_pause(pause)
        await jobs.schedule(self.deps, PauseClose(pause.id), now + timedelta(seconds=cmd.silence_s))
        note = ""
        if cmd.follow_up_hours is not None:
            people = self.stores.people
            managers = await people.roster(actor.workspace, team, Role.MANAGER) if team else []
            to = "you" if cmd.follow_up_to_me or not managers else "the team's managers"
            await jobs.schedule(
                self.deps,
                PauseFollowUp(pause.id, cmd.follow_up_to_me),
                now + timedelta(hours=cmd.follow_up_hours),
            )
            note = (
                f" In {wording.hours(cmd.follow_up_hours)}, {to} will get a gentle check-in nudge."
            )
        await self.stores.pauses.count_pause(
            actor.workspace, scope_of(team, where), month_of(now, self.settings.default_tz)
        )
        return Reply(
            wording.message(
                "Your pause has begun",
                f"It will close in {cmd.silence_s} seconds.{note}",
            )
        )

    async def _ask(
        self, actor: MemberRef, where: Conversation, team: str | None, cmd: CallPause
    ) -> Reply:
        """Words that may not be meant as a dedication are shown back privately, with a button
        to post them as they are: a typo never becomes the team's dedication."""
        held = await self.stores.pauses.next_held_id()
        await self.stores.pauses.hold(
            held,
            actor,
            {
                "where": [where.platform, where.tenant_id, where.channel_id, where.kind.value],
                "team": team,
                "dedication": cmd.dedication,
                "silence": cmd.silence_s,
                "follow_up": cmd.follow_up_hours,
                "to_me": cmd.follow_up_to_me,
            },
        )
        unsure = (
            "Some of it reads like options (a follow-up can be half an hour to 12 hours away)."
            if cmd.doubt == "options"
            else "A dedication usually starts with “for” or “in memory of”."
        )
        return Reply(
            Card(
                (
                    Heading("Did you mean…?"),
                    Text((f"A {cmd.silence_s}-second pause, with the words: “{cmd.dedication}”",)),
                    Text((unsure,)),
                    Actions((Button("Post the pause", Action.PAUSE_POST, held, primary=True),)),
                    ContextLine((f"Nothing has been posted. Or try again, like: {EXAMPLE_PAUSE}",)),
                ),
                "Did you mean…? Nothing has been posted yet.",
            ),
            status="invalid",
        )

    async def post_held(self, actor: MemberRef, held: str) -> Reply:
        data = await self.stores.pauses.take_held(held, actor)
        if data is None:
            return Reply(
                wording.message(
                    "That has expired", f"Nothing was posted. Please call it again: {EXAMPLE_PAUSE}"
                )
            )
        platform, tenant, channel_id, kind = data["where"]
        where = Conversation(platform, tenant, channel_id, ConversationKind(kind))
        cmd = CallPause(
            str(data["dedication"]),
            int(data["silence"]),
            None if data["follow_up"] is None else float(data["follow_up"]),
            bool(data["to_me"]),
        )
        try:
            return await self.call(actor, where, data["team"], cmd)
        except DeliveryError:
            # Nothing went out: the dedication is kept under the same button, to press again
            # once what stopped it is fixed.
            await self.stores.pauses.hold(held, actor, data)
            raise

    async def join(
        self, actor: MemberRef, pause_id: str, message: MessageRef | None
    ) -> Reply | None:
        pause = await self.stores.pauses.pause(pause_id)
        if pause is None or pause.closed:
            return Reply(wording.message("This pause has ended", "Thank you for being there."))
        count = await self.stores.pauses.join_pause(pause.id, actor)
        if pause.message is not None:
            await self.messenger.update(pause.message, opening_card(pause, count))
        if message is not None and message == pause.message:
            return None  # the card itself shows the count
        # Joined from "a pause is already under way": say so, as the card is elsewhere.
        return Reply(
            wording.message(
                "You're pausing together", f"{wording.plural(count, 'person', 'people')} pausing."
            )
        )

    # --- fire time ------------------------------------------------------------------------

    async def close(self, job: PauseClose, at: FireTime) -> None:
        """Close a Pause once, even across a restart; long after its time (the bot was down
        for longer than the grace window), only take its button away, without a message."""
        pause = await self.stores.pauses.pause(job.pause_id)
        if pause is None or pause.closed:
            return
        pausing = await self.stores.pauses.pausing(pause.id)
        if not await at.too_late(f"job={job.KIND}"):

            async def open_still(target: Target) -> str | None:
                return None

            async def thanks(target: Target, key: str) -> Outgoing:
                return Outgoing(closing_card(pausing))

            target = Target.to_channel(pause.conversation)
            closing = at.fanout(within=self.settings.close_within)
            await self.deliveries.run(closing, [target], open_still, thanks)
        await self._finish(pause, pausing)

    async def follow_up(self, job: PauseFollowUp, at: FireTime) -> None:
        """A gentle check-in written for after a death, hours after a Pause, saying that it
        follows the Pause: it names no one and quotes nothing from the dedication."""
        if await at.too_late(f"job={job.KIND}"):
            return
        pause = await self.stores.pauses.pause(job.pause_id)
        if pause is None:
            return
        team = pause.team or wording.NO_TEAM
        recipients = list(job.to) or await self._follow_up_recipients(pause, job.to_me)
        recipients = await self._after_quiet_hours(recipients, job)
        chooser = await self.prompts.chooser(pause.caller.workspace, team, Context.AFTER_DEATH)

        async def audiences(targets: Sequence[Target]) -> None:
            await chooser.load([(t.key, t.member.ref if t.member else None) for t in targets])

        async def compose(target: Target, key: str) -> Outgoing:
            chosen = chooser.choose(target.key)
            sent = Sent("", team, chosen.prompt.id, at.fire.id, target.key)
            return Outgoing(
                prompt_card(chosen.prompt, sent, FOLLOW_UP_LEAD),
                chosen,
                about="a check-in after a Pause",
            )

        # Managers get it on CareNudge's initiative, so it counts against their budget; a
        # caller who asked for it ("to me") is answered whatever their budget.
        check: Check | None = None
        prepare: Prepare = audiences
        ended: Ended | None = None
        if not job.to_me:
            available = available_at(self.clock.now(), self.settings.default_tz)
            budgeted = self.prompts.budgets.budgeted(
                available, team, at.fire.id, self.clock.now(), audiences
            )
            check, prepare, ended = budgeted.check, budgeted.prepare, budgeted.ended
        await self.deliveries.to_members(at.fanout(), recipients, compose, prepare, check, ended)

    async def _after_quiet_hours(
        self, refs: Sequence[MemberRef], job: PauseFollowUp
    ) -> list[MemberRef]:
        """Those who can have it now; the others get their own job for when quiet hours end
        (a follow-up the caller was promised is moved, never dropped)."""
        now = self.clock.now()
        ready: list[MemberRef] = []
        for member in await self.stores.people.members(refs):
            tz = self.settings.default_tz
            if members.skip_reason(member.settings, tz, now) != "quiet-hours":
                ready.append(member.ref)
                continue
            later = members.after_quiet_hours(member.settings, tz, now)
            await jobs.schedule(
                self.deps, PauseFollowUp(job.pause_id, job.to_me, (member.ref,)), later
            )
        return ready

    async def _follow_up_recipients(self, pause: Pause, to_me: bool) -> list[MemberRef]:
        if not to_me and pause.team is not None:
            managers = await self.stores.people.roster(
                pause.caller.workspace, pause.team, Role.MANAGER
            )
            if managers:
                return managers
        return [pause.caller]

    async def _finish(self, pause: Pause, pausing: int) -> None:
        """Mark the pause closed and take the button off its opening message (if the platform
        refuses, the pause still closes: a button left behind only answers that it is over)."""
        if pause.message is not None:
            try:
                await self.messenger.update(pause.message, opening_card(pause, pausing, ended=True))
            except DeliveryError as exc:
                log.warning(
                    "could not take the button off pause %s (%s)", pause.id, type(exc).__name__
                )
        # A closed Pause keeps no words, and no record of who paused: only that it was held.
        await self.stores.pauses.save_pause(replace(pause, closed=True, dedication=""))
        await self.stores.pauses.forget_pausing(pause.id)
        await self.stores.pauses.release_channel(pause.conversation, pause.id)
        log.info("pause %s closed after %ds", pause.id, pause.silence_s)


def opening_card(pause: Pause, pausing: int, *, ended: bool = False) -> Card:
    blocks: list[Heading | Text | ContextLine | Actions] = [
        Heading("A moment to pause"),
        Text((OPENING,)),
    ]
    if pause.dedication:
        blocks.append(Text(("“", pause.dedication, "”")))
    together = f" {pausing} paused together." if pausing else ""
    if ended:
        blocks.append(ContextLine((f"This pause has ended.{together}",)))
    else:
        joined = f"{pausing} pausing together" if pausing else "Pausing is voluntary"
        blocks.append(ContextLine((f"{pause.silence_s} seconds of silence. {joined}.",)))
        blocks.append(
            Actions((Button("Pausing with you", Action.PAUSE_JOIN, pause.id, primary=True),))
        )
    return Card(tuple(blocks), "A moment to pause together")


def closing_card(pausing: int) -> Card:
    together = (
        f"{pausing} of you paused together."
        if pausing > 1
        else "Thank you to everyone who paused, seen or unseen."
    )
    return Card((Text((CLOSING,)), ContextLine((together,))), CLOSING)
