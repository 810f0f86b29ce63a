"""Timed prompts: choose the next one for an audience, build its card, send a cadence's
prompts when it fires, answer the buttons (Done, Snooze, Not for me), and bring a snoozed
prompt back when its job comes round.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from nudges import jobs, library, members, wording
from nudges.budget import Budgets
from nudges.cards import Action, Actions, Bold, Button, Card, ContextLine, Reply, Text
from nudges.delivery import Deliveries, Outgoing, Target, available_at
from nudges.deps import Deps
from nudges.evaluation import Evaluations
from nudges.events import ActionInvoked
from nudges.firing import Content, FireTime, Firing
from nudges.library import ANY_TIME
from nudges.model import (
    Cadence,
    CadenceKind,
    ChannelAudience,
    Context,
    ConversationKind,
    Fire,
    MemberRef,
    MembersAudience,
    MessageRef,
    Prompt,
    Role,
    ShiftMoment,
    TeamAudience,
    Theme,
    WeeklySchedule,
    Workspace,
    iso_week,
)
from nudges.store import Chosen, Selection
from nudges.store.evaluations import Evaluation, EvaluationStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sent:
    """What a prompt's buttons carry, so a press can be understood without other state."""

    cadence_id: str
    team: str
    prompt_id: str
    delivery: str
    to: str = ""
    """Whom it was sent to (``m:<member>`` or ``ch:<channel>``): only they can press it.
    Buttons from before it was carried have none, and are checked by the delivery alone."""

    def encode(self) -> str:
        parts = (self.cadence_id, self.team, self.prompt_id, self.delivery)
        return "|".join((*parts, self.to) if self.to else parts)

    @classmethod
    def decode(cls, value: str) -> Sent | None:
        parts = value.split("|")
        if len(parts) not in (4, 5) or not parts[1] or not parts[2]:
            return None
        return cls(*parts)


@dataclass(frozen=True, slots=True)
class SnoozedPrompt:
    """A prompt someone snoozed, due back to them (a one-off job)."""

    KIND: ClassVar[str] = "prompt"
    member: MemberRef
    team: str
    prompt_id: str
    cadence_id: str = ""
    id: str = field(default_factory=jobs.new_job_id)

    def payload(self) -> dict[str, Any]:
        return {
            "member": self.member.key,
            "team": self.team,
            "prompt": self.prompt_id,
            "cadence": self.cadence_id,
        }

    @classmethod
    def from_payload(cls, job_id: str, data: dict[str, Any]) -> SnoozedPrompt:
        return cls(
            MemberRef.from_key(data["member"]),
            str(data["team"]),
            str(data["prompt"]),
            str(data.get("cadence", "")),
            job_id,
        )


class Prompts:
    def __init__(
        self, deps: Deps, deliveries: Deliveries, budgets: Budgets, evaluations: Evaluations
    ) -> None:
        self.deps = deps
        self.budgets = budgets
        self.evaluations = evaluations
        self.stores = deps.stores
        self.messenger = deps.messenger
        self.clock = deps.clock
        self.settings = deps.settings
        self.salt = deps.salt
        self.deliveries = deliveries

    def register(self, firing: Firing) -> None:
        firing.on_cadence(CadenceKind.PROMPTS, self.content)
        firing.on_job(SnoozedPrompt, self.snoozed)

    async def chooser(
        self, ws: Workspace, team: str, theme: Theme, moments: frozenset[Context] = ANY_TIME
    ) -> Chooser:
        """A chooser for many audiences of one team: the team's prompts are read once."""
        chooser, _ = await self._for_fire(ws, team, theme, moments)
        return chooser

    async def _for_fire(
        self, ws: Workspace, team: str, theme: Theme, moments: frozenset[Context]
    ) -> tuple[Chooser, Evaluation | None]:
        """The chooser, and the team's evaluation if one is on: one read."""
        own, retired, evaluation = await self.stores.prompts.fire_settings(ws, team)
        return Chooser(self, theme, own, retired, moments), EvaluationStore.parse(evaluation)

    # --- fire time ------------------------------------------------------------------------

    async def content(self, cadence: Cadence, fire: Fire, fire_key: str) -> Content:
        """A cadence's prompts: each audience its own next prompt, chosen ahead of the instant,
        remembered once sent."""
        chooser, evaluation = await self._for_fire(
            cadence.workspace, cadence.team, cadence.theme, moments_of(cadence)
        )

        async def audiences(targets: Sequence[Target]) -> None:
            await chooser.load([(t.key, t.member.ref if t.member else None) for t in targets])

        async def a_prompt(target: Target, key: str) -> Outgoing:
            chosen = chooser.choose(target.key)
            sent = Sent(cadence.id, cadence.team, chosen.prompt.id, fire_key, target.key)
            return Outgoing(prompt_card(chosen.prompt, sent), chosen, about="a prompt")

        # An evaluation withholds its share first; then a person's prompts count against their
        # attention budget (a channel's do not).
        available = self.evaluations.withholding(
            available_at(fire.scheduled_at, self.settings.default_tz),
            evaluation,
            cadence.workspace,
            cadence.team,
            fire_key,
            fire.scheduled_at,
        )
        budgeted = self.budgets.budgeted(
            available, cadence.team, fire_key, fire.scheduled_at, audiences
        )
        return Content(budgeted.check, a_prompt, budgeted.prepare, budgeted.ended)

    async def snoozed(self, job: SnoozedPrompt, at: FireTime) -> None:
        """A snoozed prompt comes back, as it was, unless a later choice says otherwise: the
        person marked it Not for me, or its cadence was deleted or paused since, or the prompt
        is no longer in use."""
        if await at.too_late(f"job={job.KIND}"):
            return
        if job.prompt_id in await self.stores.people.not_for_me(job.member):
            log.info("a snoozed prompt was not brought back: marked not for me since")
            return
        if job.cadence_id:
            cadence = await self.stores.cadences.get(job.cadence_id)
            if cadence is None or cadence.paused:
                log.info(
                    "a snoozed prompt of %s was not brought back: it is gone or paused",
                    job.cadence_id,
                )
                return
        prompt = await self.find(job.member.workspace, job.team, job.prompt_id)
        if prompt is None:
            return

        async def compose(target: Target, key: str) -> Outgoing:
            sent = Sent(job.cadence_id, job.team, prompt.id, at.fire.id, target.key)
            return Outgoing(prompt_card(prompt, sent), about="a prompt you snoozed")

        await self.deliveries.to_members(at.fanout(), [job.member], compose)

    async def sample(self, cadence: Cadence, count: int) -> list[Prompt]:
        """The next ``count`` prompts ``cadence`` would send (to its first recipient, for
        direct messages), without remembering them."""
        member: MemberRef | None = None
        match cadence.audience:
            case ChannelAudience(channel=channel):
                audience = f"ch:{channel.conversation.key}"
            case MembersAudience(members=named):
                member = named[0] if named else None
            case TeamAudience():
                joined = await self.stores.people.roster(
                    cadence.workspace, cadence.team, Role.MEMBER
                )
                member = joined[0] if joined else None
        if member is not None or not isinstance(cadence.audience, ChannelAudience):
            audience = f"m:{member.key}" if member else "m:-"
        chooser = await self.chooser(
            cadence.workspace, cadence.team, cadence.theme, moments_of(cadence)
        )
        await chooser.load([(audience, member)])
        return chooser.upcoming(audience, count)

    def rng(self, audience: str, mix: dict[str, int]) -> random.Random:
        """Randomness that depends only on the audience and how much it has had, so that a
        preview shows exactly what will be chosen."""
        return random.Random(f"{self.salt}|{audience}|{sum(mix.values())}")

    async def find(self, ws: Workspace, team: str, prompt_id: str) -> Prompt | None:
        for prompt in (*library.library(), *await self.stores.prompts.team_prompts(ws, team)):
            if prompt.id == prompt_id:
                return prompt
        return None

    # --- buttons --------------------------------------------------------------------------

    async def on_action(self, event: ActionInvoked) -> Reply | None:
        sent = Sent.decode(event.value)
        if sent is None:
            return Reply(wording.message("That button has expired", "Nothing was changed."))
        ws = event.actor.workspace
        if not await self._reached(event, sent):
            return Reply(
                wording.message(
                    "That nudge wasn't sent to you",
                    "Its buttons are for the people it reached. Nothing was changed.",
                ),
                status="refused",
            )
        prompt = await self.find(ws, sent.team, sent.prompt_id)
        if prompt is None:
            return Reply(wording.message("That nudge is no longer in use", "Nothing was changed."))
        in_dm = event.conversation.kind is ConversationKind.DIRECT
        match event.action:
            case Action.PROMPT_DONE:
                return await self._done(event, sent, prompt, in_dm)
            case Action.PROMPT_SNOOZE:
                return await self._snooze(event, sent, prompt, in_dm)
            case Action.PROMPT_NOT_FOR_ME:
                return await self._not_for_me(event, sent, prompt, in_dm)
        return None  # pragma: no cover - other actions are routed elsewhere

    async def _reached(self, event: ActionInvoked, sent: Sent) -> bool:
        """Whether the prompt a button names reached the person pressing it: by direct
        message, or in the channel it was pressed in. (A press forged from elsewhere, naming a
        delivery to someone else, changes nothing; so does one older than the delivery
        records, which are kept for ``DELIVERY_TTL``.)"""
        states = await self.stores.deliveries.delivery_states(sent.delivery)
        pressing = (f"m:{event.actor.key}", f"ch:{event.conversation.key}")
        if sent.to:
            return sent.to in pressing and states.get(sent.to) == "sent"
        return "sent" in (states.get(pressing[0]), states.get(pressing[1]))

    async def _done(
        self, event: ActionInvoked, sent: Sent, prompt: Prompt, in_dm: bool
    ) -> Reply | None:
        ws = event.actor.workspace
        first = await self.stores.prompts.press_once(
            f"done:{sent.delivery}:{sent.prompt_id}", event.actor
        )
        if first:
            today = self.clock.now().astimezone(ZoneInfo(self.settings.default_tz)).date()
            await self.stores.prompts.count_done(ws, sent.team, iso_week(today))
        note = f"Thank you. It counts for {sent.team} this week, never by name."
        if in_dm and event.message is not None:
            await self._update(event.message, _closed(prompt, "Done.", note))
            return None
        return Reply(
            wording.message("Thank you", note if first else "You'd already marked this one.")
        )

    async def _snooze(
        self, event: ActionInvoked, sent: Sent, prompt: Prompt, in_dm: bool
    ) -> Reply | None:
        if not await self.stores.prompts.press_once(
            f"snooze:{sent.delivery}:{prompt.id}", event.actor
        ):
            return Reply(wording.message("Already snoozed", "It will come back as planned."))
        member = await self.stores.people.member(event.actor)
        default_tz = self.settings.default_tz
        at = members.after_quiet_hours(
            member.settings, default_tz, self.clock.now() + self.settings.snooze_for
        )
        job = SnoozedPrompt(event.actor, sent.team, prompt.id, sent.cadence_id)
        await jobs.schedule(self.deps, job, at)
        tz = members.zone_of(member.settings, default_tz)
        note = f"I'll bring this back {wording.when(at, tz)}."
        hint = "To pause every nudge for a while: /nudge snooze 3 days"
        if in_dm and event.message is not None:
            await self._update(event.message, _closed(prompt, "Snoozed.", f"{note} {hint}"))
            return None
        return Reply(wording.message("Snoozed", note, hint=hint))

    async def _not_for_me(
        self, event: ActionInvoked, sent: Sent, prompt: Prompt, in_dm: bool
    ) -> Reply | None:
        await self.stores.people.add_not_for_me(
            event.actor, event.actor.workspace, sent.team, prompt.id
        )
        note = "Got it: you won't get this one again. Thanks for saying."
        if in_dm and event.message is not None:
            await self._update(event.message, _closed(prompt, "Not for you.", note))
            return None
        return Reply(wording.message("Thanks for saying", note))

    async def _update(self, ref: MessageRef, card: Card) -> None:
        await self.messenger.update(ref, card)


NO_REPEAT_WITHIN = timedelta(days=14)
"""The same prompt never reaches a person twice within this."""


class Chooser:
    """Chooses prompts for the audiences of one fire: ``load`` reads their memories in one
    round trip, then each ``choose`` is pure. The caller records a choice once it is sent."""

    def __init__(
        self,
        prompts: Prompts,
        theme: Theme,
        own: list[Prompt],
        retired: set[str],
        moments: frozenset[Context] = ANY_TIME,
    ) -> None:
        self._rng = prompts.rng
        self._clock = prompts.clock
        self._store = prompts.stores.deliveries
        self._theme = theme
        self._moments = moments
        self._own = own
        self._retired = retired
        self._states: dict[str, Selection] = {}

    async def load(self, audiences: Sequence[tuple[str, MemberRef | None]]) -> None:
        states = await self._store.selection_states(audiences)
        self._states.update(zip((a for a, _ in audiences), states, strict=True))

    def choose(self, audience: str) -> Chosen:
        """The next prompt for ``audience`` (loaded first): never one its member declined, nor
        one they were sent in the last fortnight (``library.pool`` widens the theme if that
        leaves nothing)."""
        state = self._states[audience]
        since = self._clock.now() - NO_REPEAT_WITHIN
        recent = frozenset(p for p, at in state.sent.items() if at > since)
        candidates = library.pool(
            self._theme, self._own, self._retired, state.excluded | recent, self._moments
        )
        rng = self._rng(audience, state.mix)
        choice = library.choose(candidates, state.seen, state.mix, rng, state.last)
        if choice is None:  # only if someone retired every prompt of a theme
            wider = library.pool(None, not_for_me=state.excluded | recent)
            choice = library.choose(wider, state.seen, state.mix, rng, state.last)
            assert choice is not None
        return Chosen(audience, choice.prompt, choice.new_cycle)

    def upcoming(self, audience: str, count: int) -> list[Prompt]:
        """The next ``count`` choices for ``audience``, as if each had been sent."""
        state = self._states[audience]
        chosen: list[Prompt] = []
        for _ in range(count):
            pick = self.choose(audience)
            prompt = pick.prompt
            chosen.append(prompt)
            seen = {prompt.id} if pick.new_cycle else state.seen | {prompt.id}
            mix = {
                **state.mix,
                prompt.behaviour.value: state.mix.get(prompt.behaviour.value, 0) + 1,
            }
            state = replace(state, seen=seen, mix=mix, last=prompt.id)
            self._states[audience] = state
        return chosen


def moments_of(cadence: Cadence) -> frozenset[Context]:
    """The moments a cadence's fires fall at: any time, and the start or end of a shift when
    every one of its times follows shifts that way."""
    schedule = cadence.schedule
    if isinstance(schedule, WeeklySchedule) and schedule.times:
        if all(t is ShiftMoment.START for t in schedule.times):
            return ANY_TIME | {Context.START_OF_SHIFT}
        if all(t is ShiftMoment.END for t in schedule.times):
            return ANY_TIME | {Context.END_OF_SHIFT}
    return ANY_TIME


def prompt_card(prompt: Prompt, sent: Sent, lead: str = "") -> Card:
    """A prompt with its three buttons; ``lead`` is a line before it, saying why it came."""
    tags = [prompt.behaviour.label]
    contexts = sorted(c.label for c in prompt.contexts if c.value != "any-time")
    tags.extend(contexts[:1])
    if sent.team != wording.NO_TEAM:
        tags.append(f"a nudge for {sent.team}")
    value = sent.encode()
    return Card(
        (
            *((ContextLine((lead,)),) if lead else ()),
            Text((prompt.text,)),
            ContextLine((" · ".join(tags),)),
            Actions(
                (
                    Button("Done", Action.PROMPT_DONE, value, primary=True),
                    Button("Snooze", Action.PROMPT_SNOOZE, value),
                    Button("Not for me", Action.PROMPT_NOT_FOR_ME, value),
                )
            ),
        ),
        f"{lead} {prompt.text}" if lead else prompt.text,
    )


def _closed(prompt: Prompt, label: str, note: str) -> Card:
    return Card(
        (Text((Bold(label), " ", prompt.text)), ContextLine((note,))),
        f"{label} {prompt.text}",
    )
