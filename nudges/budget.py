"""The attention budget: how many nudges reach one person on CareNudge's own initiative. The
research behind CareNudge warns that asking depleted staff to do more backfires, and studies of
clinical reminders find acceptance falls with every extra one.

Each team has a budget (at most 1 a day and 3 a week until its managers choose, within an
admin's limit), and each person may lower theirs. It is checked at delivery, after quiet
hours, shifts and snooze: what does not fit is held back for that person, not queued, and the
team's managers see how many were held back, never for whom. Two nudges to one person are at
least an hour apart. Replies to what a person did themselves (a button, a command, a snooze)
never count.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from nudges import members, wording
from nudges.cards import Card
from nudges.commands import SetBudget, ShowBudget
from nudges.delivery import Check, Ended, Prepare, Target
from nudges.deps import Deps
from nudges.errors import ParseError
from nudges.model import DEFAULT_BUDGET, Budget, MemberRef, Role, Workspace, iso_week
from nudges.rosters import Rosters
from nudges.store.budgets import Ask

HELD_BACK = {"day": "budget", "week": "budget", "hour": "same-hour"}
"""The skip reason a delivery is recorded with when the budget holds it back."""
NEVER_ARRIVED = {"gone", "rejected", "failed"}
"""Final states of a delivery that did not reach its person: what it took is given back."""


@dataclass(frozen=True, slots=True)
class Budgeted:
    """A fire's deliveries under the budget: the check, the batch read, and the end."""

    check: Check
    prepare: Prepare
    ended: Ended


log = logging.getLogger(__name__)
SHOWN_TEAMS = 10
"""Teams whose budgets /nudge budget lists; the rest are counted."""


class Budgets:
    def __init__(self, deps: Deps, rosters: Rosters) -> None:
        self.deps = deps
        self.stores = deps.stores
        self.settings = deps.settings
        self.rosters = rosters

    async def of_team(self, ws: Workspace, team: str) -> Budget:
        return await self.stores.budgets.team_budget(ws, team) or DEFAULT_BUDGET

    def budgeted(
        self, check: Check, team: str, fire_key: str, at: datetime, prepare: Prepare | None = None
    ) -> Budgeted:
        """``check``, then each person's budget: a delivery that passes counts against it
        (once, however often it is tried) and one that does not fit is held back.

        Returns the check, a ``prepare`` for each batch of recipients (which also runs
        ``prepare``, if given), so that a batch's budgets take one round trip, and an
        ``ended`` that gives back what a delivery took if it never reached its person.
        """
        decided: dict[str, str | None] = {}
        taken: dict[str, Ask] = {}
        budgets: dict[Workspace, Budget] = {}

        async def take(targets: Sequence[Target]) -> None:
            asks: list[tuple[Target, Ask]] = []
            for target in targets:
                reason = await check(target)
                if reason is not None or target.member is None:
                    decided[target.key] = reason
                    continue
                member = target.member
                ws = member.ref.workspace
                if ws not in budgets:  # read once a fire
                    budgets[ws] = await self.of_team(ws, team)
                budget = budgets[ws]
                if member.settings.budget is not None:
                    budget = member.settings.budget.within(budget)
                zone = ZoneInfo(members.zone_of(member.settings, self.settings.default_tz))
                local = at.astimezone(zone).date()
                delivery = f"{fire_key}/{target.key}"
                asks.append(
                    (target, Ask(member.ref, delivery, local.isoformat(), iso_week(local), budget))
                )
            found = await self.stores.budgets.take(
                [a for _, a in asks], at, self.settings.budget_apart
            )
            held: Counter[Workspace] = Counter()
            for (target, ask), answer in zip(asks, found, strict=True):
                decided[target.key] = None if answer == "ok" else HELD_BACK[answer]
                held[ask.ref.workspace] += answer != "ok"
                if answer == "ok":
                    taken[target.key] = ask
            for ws, count in held.items():
                if count:
                    await self.stores.budgets.hold_back(ws, team, self._week(at), count)

        async def prepared(targets: Sequence[Target]) -> None:
            await take(targets)
            if prepare is not None:
                await prepare(targets)

        async def checked(target: Target) -> str | None:
            if target.key not in decided:  # a target no batch prepared
                await take([target])
            return decided.pop(target.key)

        async def ended(target: Target, state: str) -> None:
            ask = taken.pop(target.key, None)
            if ask is not None and state.partition(":")[0] in NEVER_ARRIVED:
                await self.stores.budgets.give_back(ask)

        return Budgeted(checked, prepared, ended)

    async def held_back(self, ws: Workspace, team: str, at: datetime) -> int:
        return await self.stores.budgets.held_back(ws, team, self._week(at))

    def _week(self, at: datetime) -> str:
        return iso_week(at.astimezone(ZoneInfo(self.settings.default_tz)).date())

    # --- what people ask -------------------------------------------------------------------

    async def show(self, actor: MemberRef, cmd: ShowBudget) -> Card:
        member = await self.stores.people.member(actor)
        teams = await self.stores.people.member_teams(actor, Role.MEMBER)
        lines = []
        own = member.settings.budget
        lines.append(
            f"Yours: {wording.budget(own)}, or your team's if that is lower."
            if own
            else "Yours: your team's."
        )
        for team in teams[:SHOWN_TEAMS]:
            lines.append(f"{team}: {wording.budget(await self.of_team(actor.workspace, team))}.")
        if len(teams) > SHOWN_TEAMS:
            lines.append(
                f"And {wording.plural(len(teams) - SHOWN_TEAMS, 'more team')}: each one's budget "
                "is on /nudge team <name>."
            )
        return wording.message(
            "Your nudge budget",
            *lines,
            "Only nudges CareNudge sends on its own count; what you ask for never does.",
            hint="Lower yours with /nudge budget 1 a week; back to your team's with "
            "/nudge budget default.",
        )

    async def set(self, actor: MemberRef, cmd: SetBudget) -> Card:
        if cmd.team is not None:
            return await self._set_team(actor, cmd.team, cmd.budget)
        member = await self.stores.people.member(actor)
        updated = members.with_budget(member, cmd.budget)
        await self.stores.people.save_member(updated)
        if cmd.budget is None:
            return wording.message("Budget back to your team's", "You'll get your team's nudges.")
        return wording.message(
            "Budget saved",
            f"At most {wording.budget(cmd.budget)} for you, or fewer if your team's is lower.",
            hint="Back to your team's with /nudge budget default.",
        )

    async def _set_team(self, actor: MemberRef, team: str, budget: Budget | None) -> Card:
        team = await self.rosters.team_for(actor, team)
        await self.rosters.require_manager(actor, team)
        limit = self.settings.budget_limit
        if budget is not None and (
            budget.per_day > limit.per_day or budget.per_week > limit.per_week
        ):
            raise ParseError(
                f"A team's budget can be at most {wording.budget(limit)} here (your admin's "
                "limit), so no one is nudged more than they can take in.",
                f"/nudge budget team {team} {limit.per_week} a week {limit.per_day} a day",
                "settings",
            )
        await self.stores.budgets.set_team_budget(actor.workspace, team, budget)
        now = budget or DEFAULT_BUDGET
        log.info("team %s budget set", team)
        return wording.message(
            f"{team}'s budget saved",
            f"Each person in {team} gets at most {wording.budget(now)} from CareNudge, fewer if "
            "they choose.",
            hint="What doesn't fit is held back, not saved up: /nudge team shows how many.",
        )
