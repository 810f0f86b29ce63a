"""An evaluation a trust can switch on for a team, off by default: a stated share of the team's
prompts is withheld at random and counted, so that the trust can compare the team's own
aggregate measures with and without nudges. Who was held back is never shown to anyone; it is
drawn from a secret kept with the team's evaluation, the same on every replica and every retry,
so that a delivery is withheld once and for all. Admins switch it on, once it is agreed with the
team; managers see the counts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from nudges import wording
from nudges.cards import Card, ContextLine, Fields, Heading, Text
from nudges.commands import SetEvaluation
from nudges.delivery import Check, Target
from nudges.deps import Deps
from nudges.errors import NotFound, ParseError, Refused
from nudges.model import MemberRef, Role, Workspace, iso_week
from nudges.rosters import Rosters
from nudges.store.evaluations import Evaluation

WITHHELD = "evaluation"
"""The skip reason a withheld delivery is recorded with."""


def drawn(secret: str, fire_key: str, target: str) -> float:
    """Where a delivery falls in [0, 1): the same for the same delivery, unguessable without
    the secret."""
    digest = hashlib.sha256(f"{secret}|{fire_key}|{target}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


class Evaluations:
    def __init__(self, deps: Deps, rosters: Rosters) -> None:
        self.stores = deps.stores
        self.clock = deps.clock
        self.settings = deps.settings
        self.rosters = rosters

    def withholding(
        self,
        check: Check,
        found: Evaluation | None,
        ws: Workspace,
        team: str,
        fire_key: str,
        at: datetime,
    ) -> Check:
        """``check``, then, while the team has an evaluation on (``found``), the draw: a
        delivery that falls inside the share is withheld (and counted); the others go on (and
        are counted)."""
        if found is None:
            return check
        week = self._week(at)
        share = found.share / 100

        async def checked(target: Target) -> str | None:
            reason = await check(target)
            if reason is not None:
                return reason
            held = drawn(found.secret, fire_key, target.key) < share
            await self.stores.evaluations.count(ws, team, week, int(held), int(not held))
            return WITHHELD if held else None

        return checked

    def _week(self, at: datetime) -> str:
        return iso_week(at.astimezone(ZoneInfo(self.settings.default_tz)).date())

    async def counts(self, ws: Workspace, team: str, at: datetime) -> tuple[int, int]:
        return await self.stores.evaluations.counts(ws, team, self._week(at))

    # --- what admins ask -------------------------------------------------------------------

    async def command(self, actor: MemberRef, cmd: SetEvaluation) -> Card:
        ws = actor.workspace
        team = cmd.team
        if team is None:
            raise ParseError("Which team?", "/nudge evaluation team ward-7 20%", "evaluation")
        if not await self.stores.people.team_exists(ws, team):
            raise NotFound(f"a team called {team}", "/nudge teams lists them.")
        now = self.clock.now()
        if cmd.share is None and not cmd.off:
            managers = await self.stores.people.roster(ws, team, Role.MANAGER)
            if actor not in managers and not await self.rosters.is_admin(actor):
                raise Refused(
                    f"Only managers of {team} and admins can see its evaluation.",
                    tuple(managers),
                )
            return await self.card(ws, team, now)
        await self.rosters.require_admin(actor, "switch an evaluation on or off")
        if cmd.off:
            await self.stores.evaluations.set_evaluation(ws, team, None)
            return wording.message(
                f"Evaluation off for {team}",
                "Every nudge goes out as usual again.",
                hint=f"The counts so far stay in /nudge team {team}.",
            )
        assert cmd.share is not None
        found = Evaluation(cmd.share, now, secrets.token_hex(16))
        await self.stores.evaluations.set_evaluation(ws, team, found)
        return Card(
            (
                Heading(f"Evaluation on for {team}"),
                Text(
                    (
                        f"From now on, {cmd.share}% of {team}'s nudges are held back at random, "
                        "so that you can compare the team's own measures with and without them. "
                        "Nobody is ever shown who was held back.",
                    )
                ),
                ContextLine(
                    (
                        "Please make sure the team has agreed to this. "
                        f"Switch it off with /nudge evaluation team {team} off",
                    )
                ),
            ),
            f"Evaluation on for {team}: {cmd.share}% held back at random.",
        )

    async def card(self, ws: Workspace, team: str, now: datetime) -> Card:
        found = await self.stores.evaluations.evaluation(ws, team)
        if found is None:
            return wording.message(
                f"No evaluation for {team}",
                "Every nudge goes out as usual.",
                hint="An admin can switch one on, once the team has agreed: "
                f"/nudge evaluation team {team} 20%",
            )
        withheld, through = await self.counts(ws, team, now)
        return Card(
            (
                Heading(f"Evaluation for {team}"),
                Fields(
                    (
                        ("Held back at random", f"{found.share}% of nudges"),
                        ("Since", wording.day(found.since.date())),
                        ("Held back this week", str(withheld)),
                        ("Went out this week", str(through)),
                    )
                ),
                ContextLine(("Counted for the team only: nobody is shown who was held back.",)),
            ),
            f"Evaluation for {team}: {found.share}% held back at random.",
        )
