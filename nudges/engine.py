"""The engine: ``handle`` what people do, ``fire`` what the scheduler says is due, and
``reconcile`` the queue with the cadences. I/O only through ports and the store.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from nudges import help, members, reach, wording
from nudges.budget import Budgets
from nudges.cadences import Cadences
from nudges.cards import Action, Card, ContextLine, Heading, Mention, Reply, Text
from nudges.commands import (
    AddPrompt,
    Appoint,
    CadenceVerb,
    CallPause,
    CreateCadence,
    DeleteShoutout,
    EditCadence,
    ForgetMe,
    GiveShoutout,
    Help,
    ListCadences,
    ListPrompts,
    ListTeams,
    ListUnseen,
    Membership,
    MyData,
    PreviewCadence,
    PromptVerb,
    SetBudget,
    SetEvaluation,
    SetQuietHours,
    SetShift,
    SetTimezone,
    SetWorkingDays,
    ShowBudget,
    ShowSettings,
    ShowTeam,
    Snooze,
    StopOrStart,
)
from nudges.delivery import Deliveries
from nudges.deps import Deps
from nudges.digest import Digests
from nudges.errors import (
    CannotReach,
    DeliveryError,
    Identifying,
    InvalidSchedule,
    NotFound,
    ParseError,
    Refused,
)
from nudges.evaluation import Evaluations
from nudges.events import ActionInvoked, CommandInvoked, Event
from nudges.failures import failed, undelivered
from nudges.firing import Firing
from nudges.home import home_card
from nudges.language import parse, tokenize
from nudges.model import Fire, MemberRef, Role, Workspace
from nudges.pause import Pauses
from nudges.planning import Planner
from nudges.ports import Hold
from nudges.problems import given_back, problem_card
from nudges.prompts import Prompts
from nudges.reach import Reach
from nudges.rights import Rights
from nudges.rosters import Rosters
from nudges.shoutouts import Shoutouts
from nudges.teamprompts import TeamPrompts

log = logging.getLogger(__name__)


class Engine:
    """The nudge engine. Adapters call ``handle``; the scheduler's runner calls ``fire``."""

    def __init__(self, deps: Deps) -> None:
        self.stores = deps.stores
        self.clock = deps.clock
        self.settings = deps.settings
        self.rosters = Rosters(deps)
        self.planner = Planner(deps)
        self.deliveries = Deliveries(deps)
        self.cadences = Cadences(deps, self.rosters, self.planner)
        self.budgets = Budgets(deps, self.rosters)
        self.evaluations = Evaluations(deps, self.rosters)
        self.prompts = Prompts(deps, self.deliveries, self.budgets, self.evaluations)
        self.team_prompts = TeamPrompts(deps, self.rosters)
        self.digests = Digests(deps, self.rosters, self.planner, self.budgets)
        self.shoutouts = Shoutouts(deps, self.rosters, self.digests)
        self.pauses = Pauses(deps, self.deliveries, self.prompts)
        self.reach = Reach(deps, self.rosters, self.deliveries)
        self.rights = Rights(deps, self.planner)
        # What runs when a fire is due: each feature registers its own kinds.
        self.firing = Firing(deps, self.planner, self.deliveries)
        for feature in (self.prompts, self.pauses, self.digests, self.reach):
            feature.register(self.firing)

    # --- what people do -------------------------------------------------------------------

    async def handle(self, event: Event) -> Reply | None:
        """Answer one event. Never raises: every failure becomes a kind, clear reply."""
        try:
            return await self._kindly(event, self._handle(event))
        except Exception as exc:
            return failed(exc, f"handling {type(event).__name__}")

    async def check(self, event: CommandInvoked) -> Reply | None:
        """What ``handle`` would answer, as far as it can tell from the words and what is
        kept, without sending anything or asking the platform: a problem with the words
        (with the field it is about), a refusal, a question back (a shout-out held for a
        tip), or a cadence's preview (its channel not asked about). None: nothing stands in
        the way, and ``handle`` does it. For answering a form within the platform's deadline
        whatever its API is doing; the sending follows. Never raises."""
        try:
            return await self._kindly(event, self._check(event))
        except Exception as exc:
            return failed(exc, f"checking {type(event).__name__}")

    async def _handle(self, event: Event) -> Reply | None:
        await self.stores.people.remember_name(event.actor, event.actor_name)
        match event:
            case CommandInvoked():
                answer = await self._command(event)
                return answer if isinstance(answer, Reply) else Reply(answer)
            case ActionInvoked():
                return await self._action(event)

    async def _check(self, event: CommandInvoked) -> Reply | None:
        cmd = parse(event.name, event.args)
        actor, where, where_name = event.actor, event.conversation, event.conversation_name
        match cmd:
            case GiveShoutout():
                screened = await self.shoutouts.screen(actor, where, where_name, cmd)
                return screened if isinstance(screened, Reply) else None
            case PreviewCadence(cadence_id=None):
                preview = self.cadences.preview(
                    actor, where, where_name, cmd, self.prompts.sample, reach=False
                )
                return Reply(await preview)
            case CreateCadence(spec=spec):
                await self.cadences.vet(actor, where, where_name, spec)
        return None

    async def _kindly(self, event: Event, answering: Awaitable[Reply | None]) -> Reply | None:
        """The answer to ``event``, or the engine's own refusals and problems as kind
        replies."""
        try:
            return await answering
        except ParseError as exc:
            return Reply(problem_card(exc), status="invalid", field=exc.field)
        except Refused as exc:
            # Naming who can help reads Redis too: its failure is handled by the caller.
            return Reply(await self._refusal(exc), status="refused")
        except CannotReach as exc:
            log.info("cannot post in a channel while handling %s: %s", _kind(event), exc.detail)
            return Reply(reach.cannot_reach_card(exc), status="invalid", field="audience")
        except InvalidSchedule as exc:
            return Reply(wording.message("Not quite", str(exc)), status="invalid", field=exc.field)
        except NotFound as exc:
            return Reply(wording.message("Not quite", str(exc)), status="invalid")
        except Identifying as exc:
            card = wording.message("Could you say it another way?", exc.explanation, exc.advice)
            card = Card((*card.blocks, *given_back(exc.yours)), card.fallback_text)
            return Reply(card, status="invalid", field=exc.field)
        except DeliveryError as exc:
            # A message it needed, in the conversation it came from (a pause's, a button's).
            where = event.conversation_name if isinstance(event, CommandInvoked) else ""
            return undelivered(exc, where, f"handling {_kind(event)}")

    async def _command(self, event: CommandInvoked) -> Card | Reply:
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
                member = await self.stores.people.member(actor)
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
            case ShowBudget():
                return await self.budgets.show(actor, cmd)
            case SetBudget():
                return await self.budgets.set(actor, cmd)
            case MyData():
                return await self.rights.my_data(actor)
            case ForgetMe():
                return self.rights.forget_card(actor)
            case SetEvaluation():
                return await self.evaluations.command(actor, cmd)
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
            case GiveShoutout():
                return await self.shoutouts.give(actor, where, where_name, cmd)
            case DeleteShoutout(shoutout_id=sid):
                return await self.shoutouts.delete(actor, sid)
            case ListUnseen(team=team, page=page):
                return await self.digests.unseen(actor, team, page)
            case CallPause():
                team = await self.rosters.team_for_channel(where, where_name, actor)
                return await self.pauses.call(actor, where, team, cmd)

    async def _settings(self, actor: MemberRef, cmd: members.SettingsCommand) -> Card:
        member = await self.stores.people.member(actor)
        updated = members.apply(member, cmd, self.clock.now(), self.settings.default_tz)
        await self.stores.people.save_member(updated)
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
            case Action.SHOUTOUT_POST:
                return await self.shoutouts.post_held(event.actor, event.value)
            case Action.SHOUTOUT_TAG:
                return await self.shoutouts.retag(event.actor, event.value)
            case Action.PAUSE_JOIN:
                return await self.pauses.join(event.actor, event.value, event.message)
            case Action.PAUSE_POST:
                return await self.pauses.post_held(event.actor, event.value)
            case Action.FORGET_ME:
                return await self.rights.forget_pressed(event.actor, event.value)
            case Action.RUN_COMMAND:
                # "list page 2" is a /nudge command; "/shoutout unseen page 2" names its own.
                name, words = "nudge", tokenize(event.value)
                if words and words[0].startswith("/"):
                    name, words = words[0][1:], words[1:]
                command = CommandInvoked(
                    name,
                    tuple(words),
                    event.actor,
                    event.actor_name,
                    event.conversation,
                )
                answer = await self._command(command)
                return answer if isinstance(answer, Reply) else Reply(answer)
            case Action.PROMPT_RESTORE:
                team, _, prompt_id = event.value.partition("|")
                return Reply(
                    await self.team_prompts.verb(
                        event.actor, PromptVerb("restore", prompt_id, team)
                    )
                )

    async def _refusal(self, exc: Refused) -> Card:
        helpers = await self.stores.people.members(exc.helpers[:5])
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

    async def home(self, member: MemberRef, note: str = "") -> Card:
        """The member's home: settings with one-press changes; cadences for managers."""
        return await home_card(
            self.stores, self.settings, await self.stores.people.member(member), note
        )

    async def drafting(self, member: MemberRef) -> tuple[str, list[str]]:
        """What a form for a new cadence starts from: the member's time zone, and the teams
        they manage."""
        known = await self.stores.people.member(member)
        tz = members.zone_of(known.settings, self.settings.default_tz)
        return tz, await self.stores.people.member_teams(member, Role.MANAGER)

    async def knows_time_zone(self, member: MemberRef) -> bool:
        return (await self.stores.people.member(member)).settings.tz is not None

    async def learn_time_zone(self, member: MemberRef, tz: str) -> None:
        """Take the platform's time zone for a member who has not chosen one."""
        try:
            ZoneInfo(tz)
        except (ValueError, KeyError):
            return
        known = await self.stores.people.member(member)
        if known.settings.tz is None:
            await self.stores.people.save_member(
                replace(known, settings=replace(known.settings, tz=tz))
            )
            await self.planner.replan_member(member)

    async def installed_again(self, workspace: Workspace) -> None:
        await self.reach.installed_again(workspace)

    # --- what the scheduler says is due ---------------------------------------------------

    async def fire(self, fire: Fire, hold: Hold | None = None) -> datetime | None:
        """Deliver one fire under the scheduler's ``hold``; returns when its fire id is next
        due (None: not again). See ``Firing.fire``."""
        return await self.firing.fire(fire, hold)

    async def reconcile(self) -> int:
        """Schedule any cadence group or job missing from the queue; returns how many."""
        return await self.planner.reconcile()


def _kind(event: Event) -> str:
    return type(event).__name__
