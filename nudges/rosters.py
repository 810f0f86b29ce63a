"""Teams and roles: who joined which team, who manages it, who is an admin, and the polite
refusal that says who can help.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nudges import wording
from nudges.cards import Block, Card, ContextLine, Fields, Heading, Inline, Mention, Text
from nudges.commands import Appoint, ListTeams, Membership, ShowTeam
from nudges.deps import Deps
from nudges.errors import NotFound, Refused
from nudges.model import DEFAULT_BUDGET, Conversation, MemberRef, Role, Workspace, iso_week
from nudges.settings import AdminId

TEAMS_PAGE = 20
"""Teams on one page of /nudge teams."""
SHOWN_MANAGERS = 10
"""Managers named on /nudge team; the rest are counted."""


class Rosters:
    def __init__(self, deps: Deps) -> None:
        self.stores = deps.stores
        self.settings = deps.settings
        self.configured = tuple(AdminId.parse(entry) for entry in deps.settings.admins)

    # --- checks ---------------------------------------------------------------------------

    async def is_admin(self, ref: MemberRef) -> bool:
        if any(admin.names(ref) for admin in self.configured):
            return True
        return ref.key in await self.stores.people.admins(ref.workspace)

    async def admin_refs(self, ws: Workspace) -> list[MemberRef]:
        refs = {MemberRef.from_key(k) for k in await self.stores.people.admins(ws)}
        refs |= {
            MemberRef(ws.platform, ws.tenant_id, admin.user_id)
            for admin in self.configured
            if admin.within(ws)
        }
        return sorted(refs)

    async def require_admin(self, ref: MemberRef, doing: str) -> None:
        if not await self.is_admin(ref):
            raise Refused(
                f"Only an admin can {doing}.", tuple(await self.admin_refs(ref.workspace))
            )

    async def require_manager(self, ref: MemberRef, team: str) -> None:
        """Managers of ``team`` may change its cadences and prompts; nobody else may."""
        ws = ref.workspace
        managers = await self.stores.people.roster(ws, team, Role.MANAGER)
        if ref in managers:
            return
        if await self.is_admin(ref):
            raise Refused(
                f"Only managers of {team} can change its nudges.",
                next_step="As an admin, you can make yourself one: "
                f"/nudge manager add @you to {team}",
            )
        helpers = managers or await self.admin_refs(ws)
        raise Refused(f"Only managers of {team} can change its nudges.", tuple(helpers))

    async def team_for(self, ref: MemberRef, named: str | None) -> str:
        """The team a manager means: the one named, or the only one they manage.

        For someone who manages none, the only team they joined, so that the caller's
        ``require_manager`` can name the people who do manage it.
        """
        ws = ref.workspace
        if named is not None:
            if not await self.stores.people.team_exists(ws, named):
                raise NotFound(f"a team called {named}", await self._teams_hint(ws))
            return named
        managed = await self.stores.people.member_teams(ref, Role.MANAGER)
        if len(managed) == 1:
            return managed[0]
        if not managed:
            joined = await self.stores.people.member_teams(ref, Role.MEMBER)
            if len(joined) == 1:
                return joined[0]
            if await self.is_admin(ref):
                raise Refused(
                    "Only a team's managers can do that, and you don't manage a team yet.",
                    next_step="As an admin, you can make yourself one: "
                    "/nudge manager add @you to <team>",
                )
            raise Refused(
                "Only a team's managers can do that, and you don't manage a team yet.",
                tuple(await self.admin_refs(ws)),
            )
        raise NotFound(
            "which team you mean",
            f"You manage {', '.join(managed)}: add 'team {managed[0]}' to the command.",
        )

    async def _teams_hint(self, ws: Workspace) -> str:
        teams = await self.stores.people.teams(ws)
        if teams:
            return f"Teams here: {', '.join(teams)}."
        return (
            "There are no teams yet: an admin starts one with "
            "/nudge manager add @someone to ward-7."
        )

    async def team_for_channel(
        self, channel: Conversation, name: str, someone: MemberRef
    ) -> str | None:
        """The team a channel belongs to: linked before, named like it, or someone's only team."""
        linked = await self.stores.people.channel_team(channel)
        if linked is not None:
            return linked
        ws = channel.workspace
        candidates = (
            [name.lower()]
            if name and await self.stores.people.team_exists(ws, name.lower())
            else []
        )
        if not candidates:
            mine = set(await self.stores.people.member_teams(someone, Role.MEMBER)) | set(
                await self.stores.people.member_teams(someone, Role.MANAGER)
            )
            candidates = sorted(mine) if len(mine) == 1 else []
        if not candidates:
            return None
        await self.stores.people.link_channel(channel, candidates[0])
        return candidates[0]

    # --- commands -------------------------------------------------------------------------

    async def membership(self, ref: MemberRef, cmd: Membership) -> Card:
        ws = ref.workspace
        if not await self.stores.people.team_exists(ws, cmd.team):
            raise NotFound(f"a team called {cmd.team}", await self._teams_hint(ws))
        changed = await self.stores.people.set_role(ws, cmd.team, Role.MEMBER, ref, cmd.join)
        if cmd.join:
            title = f"You've joined {cmd.team}" if changed else f"You're already in {cmd.team}"
            return wording.message(
                title,
                "You'll get the team's nudges by direct message, at times that suit your settings.",
                hint=f"Leave any time with /nudge leave {cmd.team}. Your settings: /nudge settings",
            )
        title = f"You've left {cmd.team}" if changed else f"You weren't in {cmd.team}"
        return wording.message(
            title,
            "You won't get its direct-message nudges any more." if changed else "",
            hint=f"Join again with /nudge join {cmd.team}.",
        )

    async def list_teams(self, ref: MemberRef, cmd: ListTeams) -> Card:
        ws = ref.workspace
        teams = await self.stores.people.teams(ws)
        if not teams:
            return wording.message(
                "No teams yet",
                "An admin starts a team by naming its first manager.",
                hint="/nudge manager add @someone to ward-7",
            )
        mine = set(await self.stores.people.member_teams(ref, Role.MEMBER))
        page, pages, on_page = wording.page_of(len(teams), cmd.page, TEAMS_PAGE)
        lines = [f"{t}{'  (you joined)' if t in mine else ''}" for t in teams[on_page]]
        card = wording.message("Teams", *lines)
        more = wording.more(page, pages, f"teams page {page + 1}", f" · {len(teams)} teams")
        hint = ContextLine(("Join one with /nudge join <team>.",))
        return Card((*card.blocks, *more, hint), card.fallback_text)

    async def show_team(self, ref: MemberRef, cmd: ShowTeam, now: datetime) -> Card:
        ws = ref.workspace
        team = cmd.team
        if team is None:
            joined = await self.stores.people.member_teams(ref, Role.MEMBER)
            managed = await self.stores.people.member_teams(ref, Role.MANAGER)
            candidates = sorted(set(joined) | set(managed))
            if len(candidates) != 1:
                return await self.list_teams(ref, ListTeams())
            team = candidates[0]
        if not await self.stores.people.team_exists(ws, team):
            raise NotFound(f"a team called {team}", await self._teams_hint(ws))
        managers = await self.stores.people.roster(ws, team, Role.MANAGER)
        members = await self.stores.people.roster(ws, team, Role.MEMBER)
        cadences = await self.stores.cadences.of_team(ws, team)
        today = now.astimezone(ZoneInfo(self.settings.default_tz)).date()
        weeks = [iso_week(today), iso_week(today - timedelta(days=7))]
        this_week, last_week = await self.stores.prompts.done_counts(ws, team, weeks)
        shoutouts, _ = await self.stores.shoutouts.counts(ws, team, weeks)
        pauses = await self.stores.pauses.pauses_held(ws, team, today.strftime("%Y-%m"))
        budget = await self.stores.budgets.team_budget(ws, team) or DEFAULT_BUDGET
        held_back = await self.stores.budgets.held_back(ws, team, weeks[0])
        evaluation = await self.stores.evaluations.evaluation(ws, team)
        evaluating: tuple[tuple[str, str], ...] = ()
        if evaluation is not None:
            withheld, _ = await self.stores.evaluations.counts(ws, team, weeks[0])
            evaluating = (
                (
                    "Evaluation",
                    f"{evaluation.share}% held back at random since "
                    f"{wording.day(evaluation.since.date())}",
                ),
                ("Held back for the evaluation this week", str(withheld)),
            )
        named = managers[:SHOWN_MANAGERS]
        names = {m.ref: m.name for m in await self.stores.people.members(named)}
        people = [Mention(m, names[m]) for m in named]
        who: tuple[Inline, ...] = wording.mentions(people, "and") if managers else ("none yet",)
        if len(managers) > len(named):
            listed: list[Inline] = []
            for person in people:
                listed.extend((person, ", "))
            who = (*listed[:-1], f" and {len(managers) - len(named)} more")
        blocks: tuple[Block, ...] = (
            Heading(f"Team {team}"),
            Text(("Managers: ", *who)),
            Fields(
                (
                    ("Members who joined", str(len(members))),
                    (
                        "Cadences",
                        f"{sum(not c.paused for c in cadences)} on, "
                        f"{sum(c.paused for c in cadences)} paused",
                    ),
                    ("Marked done this week", str(this_week)),
                    ("Marked done last week", str(last_week)),
                    ("Shout-outs this week", str(shoutouts)),
                    ("Pauses held this month", str(pauses)),
                    ("Nudge budget", f"{wording.budget(budget)} per person"),
                    ("Held back by the budget this week", str(held_back)),
                    *evaluating,
                )
            ),
            ContextLine(
                (
                    "Done, shout-outs, pauses and what the budget held back are counted for "
                    "the team only, never by name.",
                )
            ),
        )
        return Card(blocks, f"Team {team}: {len(members)} members")

    async def appoint(self, ref: MemberRef, cmd: Appoint, now: datetime) -> Card:
        ws = ref.workspace
        who = cmd.member
        if cmd.team is None:
            await self.require_admin(ref, "appoint admins")
            if not cmd.add and who.member == ref:
                raise Refused("You can't remove yourself as an admin; ask another admin.")
            changed = await self.stores.people.set_admin(who.member, cmd.add)
            if cmd.add:
                said = " is now an admin." if changed else " is already an admin."
            else:
                said = " is no longer an admin." if changed else " wasn't an admin."
            return _about(who, said, changed, "Admins appoint managers and other admins.")
        await self.require_admin(ref, "appoint managers")
        created = False
        if cmd.add:
            created = await self.stores.people.create_team(ws, cmd.team, now)
        elif not await self.stores.people.team_exists(ws, cmd.team):
            raise NotFound(f"a team called {cmd.team}", await self._teams_hint(ws))
        changed = await self.stores.people.set_role(ws, cmd.team, Role.MANAGER, who.member, cmd.add)
        if cmd.add:
            said = f" now manages {cmd.team}." if changed else f" already manages {cmd.team}."
        else:
            said = f" no longer manages {cmd.team}." if changed else f" wasn't managing {cmd.team}."
        hint = (
            f"Team {cmd.team} is new. Members join with /nudge join {cmd.team}."
            if created
            else f"See the team with /nudge team {cmd.team}."
        )
        return _about(who, said, changed, hint)


def _about(who: Mention, said: str, changed: bool, hint: str) -> Card:
    return Card(
        (
            Heading("Done" if changed else "Nothing to change"),
            Text((who, said)),
            ContextLine((hint,)),
        ),
        f"@{who.name}{said}",
    )
