"""The Pause: after a death, anyone can ask the team for a short moment of silence. The bot
opens it, counts presence without naming anyone, and closes it after the silence through a
scheduled one-off fire (so a restart mid-silence still closes it, once). A follow-up check-in
can reach the team's managers, or the caller, hours later. No patient details, ever.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nudges import privacy, wording
from nudges.cards import Action, Actions, Button, Card, ContextLine, Heading, Reply, Text
from nudges.commands import CallPause
from nudges.errors import DeliveryError
from nudges.model import Conversation, MemberRef, MessageRef, Pause
from nudges.ports import Clock, FireQueue, Messenger
from nudges.rosters import MANAGERS
from nudges.settings import EngineSettings
from nudges.store import RedisStore

log = logging.getLogger(__name__)

JOB_CLOSE = "pause-close"
JOB_FOLLOW_UP = "pause-follow-up"
OPENING = (
    "Let's pause together, to honour the person we cared for and the care this team gave. "
    "Stop where you are if you can, and breathe."
)
CLOSING = (
    "Thank you for pausing together, and for the care you gave. When you're ready, carry on gently."
)


def month_of(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).strftime("%Y-%m")


def scope_of(team: str | None, conversation: Conversation) -> str:
    """What a Pause is counted under: its team, or its channel when it has no team."""
    return team if team is not None else f"channel:{conversation.key}"


class Pauses:
    def __init__(
        self,
        store: RedisStore,
        messenger: Messenger,
        queue: FireQueue,
        clock: Clock,
        settings: EngineSettings,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.queue = queue
        self.clock = clock
        self.settings = settings

    async def call(
        self, actor: MemberRef, where: Conversation, team: str | None, cmd: CallPause
    ) -> Reply:
        if cmd.dedication:
            issue = privacy.check(cmd.dedication)
            if issue is not None:
                return Reply(
                    wording.message(
                        "Could you say it another way?", issue.explanation, privacy.advice(issue)
                    ),
                    status="invalid",
                )
        now = self.clock.now()
        pause = Pause(
            id=await self.store.next_id("p"),
            conversation=where,
            team=team,
            dedication=cmd.dedication,
            silence_s=cmd.silence_s,
            started_at=now,
            caller=actor,
        )
        ref = await self.messenger.send(where, opening_card(pause, 0))
        pause = replace(pause, message=ref)
        await self.store.save_pause(pause)
        await self._later(JOB_CLOSE, pause, now + timedelta(seconds=cmd.silence_s), {})
        note = ""
        if cmd.follow_up_hours is not None:
            managers = await self.store.roster(actor.workspace, team, MANAGERS) if team else []
            to = "you" if cmd.follow_up_to_me or not managers else "the team's managers"
            await self._later(
                JOB_FOLLOW_UP,
                pause,
                now + timedelta(hours=cmd.follow_up_hours),
                {"to_me": cmd.follow_up_to_me},
            )
            note = f" In {cmd.follow_up_hours:g} hours, {to} will get a gentle check-in nudge."
        await self.store.count_pause(
            actor.workspace, scope_of(team, where), month_of(now, self.settings.default_tz)
        )
        return Reply(
            wording.message(
                "Your pause has begun",
                f"It will close in {cmd.silence_s} seconds.{note}",
            )
        )

    async def _later(self, kind: str, pause: Pause, at: datetime, extra: dict[str, object]) -> None:
        job_id = f"o:{uuid.uuid4().hex}"
        await self.store.save_job(job_id, {"kind": kind, "pause": pause.id, **extra})
        await self.queue.put([(job_id, at)])

    async def join(
        self, actor: MemberRef, pause_id: str, message: MessageRef | None
    ) -> Reply | None:
        pause = await self.store.pause(pause_id)
        if pause is None or pause.closed:
            return Reply(wording.message("This pause has ended", "Thank you for being there."))
        count = await self.store.join_pause(pause.id, actor)
        if pause.message is not None:
            await self.messenger.update(pause.message, opening_card(pause, count))
        return None

    async def closing(self, pause_id: str) -> tuple[Pause, int] | None:
        """The open pause to close, and how many paused; None if it has closed already."""
        pause = await self.store.pause(pause_id)
        if pause is None or pause.closed:
            return None
        return pause, await self.store.pausing(pause.id)

    async def finish(self, pause: Pause, pausing: int) -> None:
        """Mark the pause closed and take the button off its opening message (if the platform
        refuses, the pause still closes: a button left behind only answers that it is over)."""
        if pause.message is not None:
            try:
                await self.messenger.update(pause.message, opening_card(pause, pausing, ended=True))
            except DeliveryError as exc:
                log.warning(
                    "could not take the button off pause %s (%s)", pause.id, type(exc).__name__
                )
        await self.store.save_pause(replace(pause, closed=True))
        log.info("pause %s closed after %ds", pause.id, pause.silence_s)

    async def follow_up_recipients(self, pause_id: str, to_me: bool) -> list[MemberRef]:
        pause = await self.store.pause(pause_id)
        if pause is None:
            return []
        if not to_me and pause.team is not None:
            managers = await self.store.roster(pause.caller.workspace, pause.team, MANAGERS)
            if managers:
                return managers
        return [pause.caller]

    async def held_this_month(self, caller_ws: MemberRef, team: str) -> int:
        return await self.store.pauses_held(
            caller_ws.workspace, team, month_of(self.clock.now(), self.settings.default_tz)
        )


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
