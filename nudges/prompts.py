"""Timed prompts: choose the next one for an audience, build its card, and answer its buttons
(Done, Snooze, Not for me).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from nudges import library, members, wording
from nudges.cards import Action, Actions, Bold, Button, Card, ContextLine, Reply, Text
from nudges.events import ActionInvoked
from nudges.model import (
    Cadence,
    ChannelAudience,
    ConversationKind,
    MemberRef,
    MembersAudience,
    MessageRef,
    Prompt,
    TeamAudience,
    Theme,
    Workspace,
    iso_week,
)
from nudges.ports import Clock, FireQueue, Messenger
from nudges.settings import EngineSettings
from nudges.store import Chosen, RedisStore, Selection

JOB_PREFIX = "o:"


@dataclass(frozen=True, slots=True)
class Sent:
    """What a prompt's buttons carry, so a press can be understood without other state."""

    cadence_id: str
    team: str
    prompt_id: str
    delivery: str

    def encode(self) -> str:
        return "|".join((self.cadence_id, self.team, self.prompt_id, self.delivery))

    @classmethod
    def decode(cls, value: str) -> Sent | None:
        parts = value.split("|")
        if len(parts) != 4 or not parts[1] or not parts[2]:
            return None
        return cls(*parts)


class Prompts:
    def __init__(
        self,
        store: RedisStore,
        messenger: Messenger,
        queue: FireQueue,
        clock: Clock,
        settings: EngineSettings,
        salt: str = "",
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.queue = queue
        self.clock = clock
        self.settings = settings
        self.salt = salt

    async def chooser(self, ws: Workspace, team: str, theme: Theme) -> Chooser:
        """A chooser for many audiences of one team: the team's prompts are read once."""
        own, retired = await self.store.prompt_settings(ws, team)
        return Chooser(self, theme, own, retired)

    async def choose(
        self, audience: str, ws: Workspace, team: str, theme: Theme, member: MemberRef | None
    ) -> Prompt:
        """Choose the next prompt for ``audience`` and remember the choice."""
        chooser = await self.chooser(ws, team, theme)
        await chooser.load([(audience, member)])
        chosen = chooser.choose(audience)
        await self.store.record_choice(chosen)
        return chosen.prompt

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
                joined = await self.store.roster(cadence.workspace, cadence.team, "members")
                member = joined[0] if joined else None
        if member is not None or not isinstance(cadence.audience, ChannelAudience):
            audience = f"m:{member.key}" if member else "m:-"
        chooser = await self.chooser(cadence.workspace, cadence.team, cadence.theme)
        await chooser.load([(audience, member)])
        return chooser.upcoming(audience, count)

    def rng(self, audience: str, mix: dict[str, int]) -> random.Random:
        """Randomness that depends only on the audience and how much it has had, so that a
        preview shows exactly what will be chosen."""
        return random.Random(f"{self.salt}|{audience}|{sum(mix.values())}")

    async def find(self, ws: Workspace, team: str, prompt_id: str) -> Prompt | None:
        for prompt in (*library.library(), *await self.store.team_prompts(ws, team)):
            if prompt.id == prompt_id:
                return prompt
        return None

    # --- buttons --------------------------------------------------------------------------

    async def on_action(self, event: ActionInvoked) -> Reply | None:
        sent = Sent.decode(event.value)
        if sent is None:
            return Reply(wording.message("That button has expired", "Nothing was changed."))
        ws = event.actor.workspace
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

    async def _done(
        self, event: ActionInvoked, sent: Sent, prompt: Prompt, in_dm: bool
    ) -> Reply | None:
        ws = event.actor.workspace
        first = await self.store.press_once(f"done:{sent.delivery}:{sent.prompt_id}", event.actor)
        if first:
            today = self.clock.now().astimezone(ZoneInfo(self.settings.default_tz)).date()
            await self.store.count_done(ws, sent.team, iso_week(today))
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
        if not await self.store.press_once(f"snooze:{sent.delivery}:{prompt.id}", event.actor):
            return Reply(wording.message("Already snoozed", "It will come back as planned."))
        member = await self.store.member(event.actor)
        default_tz = self.settings.default_tz
        at = members.after_quiet_hours(
            member.settings, default_tz, self.clock.now() + self.settings.snooze_for
        )
        job_id = f"{JOB_PREFIX}{uuid.uuid4().hex}"
        await self.store.save_job(
            job_id,
            {
                "kind": "prompt",
                "member": event.actor.key,
                "team": sent.team,
                "prompt": prompt.id,
                "cadence": sent.cadence_id,
            },
        )
        await self.queue.put([(job_id, at)])
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
        await self.store.add_not_for_me(event.actor, event.actor.workspace, sent.team, prompt.id)
        note = "Got it: you won't get this one again. Thanks for saying."
        if in_dm and event.message is not None:
            await self._update(event.message, _closed(prompt, "Not for you.", note))
            return None
        return Reply(wording.message("Thanks for saying", note))

    async def _update(self, ref: MessageRef, card: Card) -> None:
        await self.messenger.update(ref, card)


class Chooser:
    """Chooses prompts for the audiences of one fire: ``load`` reads their memories in one
    round trip, then each ``choose`` is pure. The caller records a choice once it is sent."""

    def __init__(
        self, prompts: Prompts, theme: Theme, own: list[Prompt], retired: set[str]
    ) -> None:
        self._rng = prompts.rng
        self._store = prompts.store
        self._theme = theme
        self._own = own
        self._retired = retired
        self._states: dict[str, Selection] = {}

    async def load(self, audiences: Sequence[tuple[str, MemberRef | None]]) -> None:
        states = await self._store.selection_states(audiences)
        self._states.update(zip((a for a, _ in audiences), states, strict=True))

    def choose(self, audience: str) -> Chosen:
        """The next prompt for ``audience`` (loaded first), never one its member declined."""
        state = self._states[audience]
        candidates = library.pool(self._theme, self._own, self._retired, state.excluded)
        rng = self._rng(audience, state.mix)
        choice = library.choose(candidates, state.seen, state.mix, rng, state.last)
        if choice is None:  # only if someone retired every prompt of a theme
            choice = library.choose(library.pool(None), state.seen, state.mix, rng, state.last)
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


def prompt_card(prompt: Prompt, sent: Sent) -> Card:
    tags = [prompt.behaviour.label]
    contexts = sorted(c.label for c in prompt.contexts if c.value != "any-time")
    tags.extend(contexts[:1])
    value = sent.encode()
    return Card(
        (
            Text((prompt.text,)),
            ContextLine((" · ".join((*tags, f"a nudge for {sent.team}")),)),
            Actions(
                (
                    Button("Done", Action.PROMPT_DONE, value, primary=True),
                    Button("Snooze", Action.PROMPT_SNOOZE, value),
                    Button("Not for me", Action.PROMPT_NOT_FOR_ME, value),
                )
            ),
        ),
        prompt.text,
    )


def _closed(prompt: Prompt, label: str, note: str) -> Card:
    return Card(
        (Text((Bold(label), " ", prompt.text)), ContextLine((note,))),
        f"{label} {prompt.text}",
    )


def snooze_target(job: dict[str, str]) -> tuple[MemberRef, str, str, str]:
    """Read a snoozed prompt's job: (member, team, prompt id, cadence id)."""
    return MemberRef.from_key(job["member"]), job["team"], job["prompt"], job.get("cadence", "")
