"""A team's own prompts: managers add them, list the team's pool, and retire or restore any
prompt (ours or theirs) for their team.
"""

from __future__ import annotations

from collections import Counter

from nudges import library, privacy, wording
from nudges.cards import Action, Actions, Button, Card, ContextLine, Heading, Text
from nudges.commands import AddPrompt, ListPrompts, PromptVerb
from nudges.deps import Deps
from nudges.errors import NotFound, ParseError
from nudges.model import MemberRef, Prompt, Role
from nudges.rosters import Rosters

SHOWN = 15
"""A team's own prompts on one page of /nudge prompts."""
MAX_OWN = 60
"""A team's own prompts at most, retired ones included."""


class TeamPrompts:
    def __init__(self, deps: Deps, rosters: Rosters) -> None:
        self.stores = deps.stores
        self.clock = deps.clock
        self.rosters = rosters

    async def _team(self, actor: MemberRef, named: str | None, *, manage: bool) -> str:
        if manage or named is not None:
            team = await self.rosters.team_for(actor, named)
        else:
            joined = await self.stores.people.member_teams(actor, Role.MEMBER)
            team = joined[0] if len(joined) == 1 else await self.rosters.team_for(actor, None)
        if manage:
            await self.rosters.require_manager(actor, team)
        return team

    async def list(self, actor: MemberRef, cmd: ListPrompts) -> Card:
        team = await self._team(actor, cmd.team, manage=False)
        ws = actor.workspace
        own = await self.stores.prompts.team_prompts(ws, team)
        retired = await self.stores.prompts.retired(ws, team)
        feedback = await self.stores.prompts.not_for_me_counts(ws, team)
        by_behaviour = Counter(p.behaviour.label for p in library.library() if p.id not in retired)
        blocks: list[Heading | Text | ContextLine | Actions] = [
            Heading(f"Prompts for {team}"),
            Text(
                (
                    f"Our library: {sum(by_behaviour.values())} prompts ("
                    + ", ".join(f"{n} {b}" for b, n in sorted(by_behaviour.items()))
                    + ").",
                )
            ),
        ]
        page, pages, on_page = wording.page_of(len(own), cmd.page, SHOWN)
        if own:
            blocks.append(Text((f"{team}'s own ({len(own)}):",)))
            blocks.extend(
                Text(
                    (
                        f"{p.id} · {p.behaviour.label}{' · retired' if p.id in retired else ''}: "
                        f"{p.text}",
                    )
                )
                for p in own[on_page]
            )
            next_page = f"prompts team {team} page {page + 1}"
            blocks.extend(wording.more(page, pages, next_page, f" of {team}'s own"))
        else:
            blocks.append(Text((f"{team} has no prompts of its own yet.",)))
        if retired:
            blocks.append(Text(("Retired for the team: " + ", ".join(sorted(retired)),)))
        if feedback:
            top = sorted(feedback.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
            blocks.append(
                Text(
                    (
                        "Marked 'not for me' (by how many people): "
                        + ", ".join(f"{pid} ({n})" for pid, n in top),
                    )
                )
            )
        blocks.append(
            ContextLine(
                (
                    'Add one: /nudge prompt add "Your words." behaviour helping. '
                    "Retire one: /nudge prompt retire <id>.",
                )
            )
        )
        return Card(tuple(blocks), f"Prompts for {team}")

    async def add(self, actor: MemberRef, cmd: AddPrompt) -> Card:
        team = await self._team(actor, cmd.team, manage=True)
        own = await self.stores.prompts.team_prompts(actor.workspace, team)
        if len(own) >= MAX_OWN:
            raise ParseError(
                f"{team} has {len(own)} prompts of its own, the most a team can keep. Retire "
                "one you use least first; the library's stay available.",
                "/nudge prompts, then /nudge prompt retire ward-7-3",
                "prompts",
            )
        # A team's own prompt goes to everyone in it: the same care as a shout-out.
        typed = f'/nudge prompt add "{cmd.text}" behaviour {cmd.behaviour.value}'
        privacy.guard(cmd.text, self.clock.now().date(), typed=typed)
        saved = await self.stores.prompts.add_team_prompt(
            actor.workspace, team, Prompt("", cmd.text, cmd.behaviour, cmd.contexts, team)
        )
        moments = ", ".join(sorted(c.label for c in saved.contexts))
        return Card(
            (
                Heading(f"Added {saved.id} to {team}'s prompts"),
                Text((saved.text,)),
                ContextLine(
                    (
                        f"{saved.behaviour.label} · {moments}. "
                        f"Retire it with /nudge prompt retire {saved.id}.",
                    )
                ),
            ),
            f"Added {saved.id}: {saved.text}",
        )

    async def verb(self, actor: MemberRef, cmd: PromptVerb) -> Card:
        team = await self._team(actor, cmd.team, manage=True)
        ws = actor.workspace
        own = await self.stores.prompts.team_prompts(ws, team)
        known = {p.id for p in (*library.library(), *own)}
        if cmd.prompt_id not in known:
            raise NotFound(f"a prompt called {cmd.prompt_id}", "See them with /nudge prompts.")
        retire = cmd.verb == "retire"
        changed = await self.stores.prompts.set_retired(ws, team, cmd.prompt_id, retire)
        if retire:
            return Card(
                (
                    Heading(f"Retired {cmd.prompt_id}" if changed else "Already retired"),
                    Text((f"{team} won't get {cmd.prompt_id} any more.",)),
                    Actions((Button("Undo", Action.PROMPT_RESTORE, f"{team}|{cmd.prompt_id}"),)),
                ),
                f"Retired {cmd.prompt_id} for {team}.",
            )
        return wording.message(
            f"Restored {cmd.prompt_id}" if changed else "It wasn't retired",
            f"{cmd.prompt_id} is back in {team}'s pool.",
        )
