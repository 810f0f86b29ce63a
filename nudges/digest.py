"""What recognition adds up to: each channel's weekly digest (a cadence like any other, set
up the first time a channel has a shout-out), and, for managers only, who on their team has not
been recognised lately; and what those two kinds of cadence send when they fire. Counts by
behaviour only: never per person, never a ranking.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from nudges import wording
from nudges.budget import Budgets
from nudges.cards import Card, ContextLine, Heading, Inline, Text
from nudges.delivery import Outgoing, Target, available_at
from nudges.deps import Deps
from nudges.firing import Content, Firing
from nudges.model import (
    SHOUTOUT_BEHAVIOURS,
    Cadence,
    CadenceKind,
    ChannelAudience,
    ChannelRef,
    Conversation,
    Fire,
    MemberRef,
    Mention,
    Role,
    Shoutout,
    TypedText,
    WeeklySchedule,
    iso_week,
)
from nudges.planning import Planner
from nudges.rosters import Rosters

log = logging.getLogger(__name__)

UNSEEN_AFTER = timedelta(days=30)
DIGEST_DAY, DIGEST_AT = 4, time(16, 0)  # Fridays, 16:00
UNSEEN_PAGE = 15
"""People named on one page of the unseen list."""
DIGEST_WEIGHT, DIGEST_MOST = 6000, 30
"""How much of a busy week's shout-outs one digest shows (``wording.weight``), and at most how
many: the rest are counted, with where to read them, so the digest fits every platform."""


class Digests:
    def __init__(self, deps: Deps, rosters: Rosters, planner: Planner, budgets: Budgets) -> None:
        self.budgets = budgets
        self.stores = deps.stores
        self.rosters = rosters
        self.planner = planner
        self.clock = deps.clock
        self.settings = deps.settings

    def register(self, firing: Firing) -> None:
        firing.on_cadence(CadenceKind.DIGEST, self.digest_content)
        firing.on_cadence(CadenceKind.UNSEEN, self.unseen_content)

    # --- fire time ------------------------------------------------------------------------

    async def digest_content(self, cadence: Cadence, fire: Fire, fire_key: str) -> Content:
        """The week's shout-outs in the cadence's channel; nothing in a week without any."""
        digest = None
        if isinstance(cadence.audience, ChannelAudience):
            channel = cadence.audience.channel
            digest = await self.digest_card(channel.conversation, channel.name)

        async def any_shoutouts(target: Target) -> str | None:
            return None if digest is not None else "no-shoutouts"

        async def the_digest(target: Target, key: str) -> Outgoing:
            assert digest is not None
            return Outgoing(digest, about="the weekly shout-outs")

        return Content(any_shoutouts, the_digest)

    async def unseen_content(self, cadence: Cadence, fire: Fire, fire_key: str) -> Content:
        """Each of the team's managers, privately: who has not been recognised lately."""
        ws, team = cadence.workspace, cadence.team
        managers = set(await self.stores.people.roster(ws, team, Role.MANAGER))
        available = available_at(fire.scheduled_at, self.settings.default_tz)

        async def managers_only(target: Target) -> str | None:
            # The list is never published: only the team's managers may see it.
            if target.member is None or target.member.ref not in managers:
                return "not-a-manager"
            return await available(target)

        async def unseen(target: Target, key: str) -> Outgoing:
            assert target.member is not None
            return Outgoing(
                await self.unseen_card(target.member.ref, team, 1),
                about="who has not been recognised lately",
            )

        # Sent on CareNudge's own initiative, so it counts against each manager's budget.
        budgeted = self.budgets.budgeted(managers_only, team, fire_key, fire.scheduled_at)
        return Content(budgeted.check, unseen, budgeted.prepare, budgeted.ended)

    async def ensure(self, shoutout: Shoutout, where_name: str) -> None:
        """Channels with shout-outs get a weekly digest, once; managers can move or stop it."""
        team = await self.rosters.team_for_channel(shoutout.channel, where_name, shoutout.giver)
        if team is None or not await self.stores.shoutouts.claim_digest(shoutout.channel):
            return
        cadence = Cadence(
            id=await self.stores.cadences.next_id(),
            workspace=shoutout.workspace,
            team=team,
            schedule=WeeklySchedule(frozenset({DIGEST_DAY}), (DIGEST_AT,)),
            tz=self.settings.default_tz,
            theme=None,
            audience=ChannelAudience(ChannelRef(shoutout.channel, where_name)),
            created_by=shoutout.giver,
            created_at=self.clock.now(),
            kind=CadenceKind.DIGEST,
        )
        await self.stores.cadences.save(cadence)
        await self.planner.plan(cadence)
        log.info("weekly digest %s set up for a channel of team %s", cadence.id, team)

    async def unseen(self, actor: MemberRef, named: str | None, page: int = 1) -> Card:
        team = await self.rosters.team_for(actor, named)
        await self.rosters.require_manager(actor, team)
        return await self.unseen_card(actor, team, page)

    async def unseen_card(self, viewer: MemberRef, team: str, asked: int) -> Card:
        ws = viewer.workspace
        joined = await self.stores.people.roster(ws, team, Role.MEMBER)
        last = await self.stores.shoutouts.last_recognised(ws, joined)
        cutoff = self.clock.now() - UNSEEN_AFTER
        unseen = [ref for ref, at in zip(joined, last, strict=True) if at is None or at < cutoff]
        page, pages, on_page = wording.page_of(len(unseen), asked, UNSEEN_PAGE)
        people = [Mention(m.ref, m.name) for m in await self.stores.people.members(unseen[on_page])]
        if not joined:
            body: tuple[Inline, ...] = (
                f"No one has joined {team} yet, so there's no one to look for. Members join "
                f"with /nudge join {team}.",
            )
        elif not people:
            body = (f"Everyone in {team} has been recognised in the last 30 days.",)
        else:
            body = ("Not recognised in the last 30 days: ", *wording.mentions(people, "and"), ".")
        counted = f" · {wording.plural(len(unseen), 'person', 'people')} not recognised lately"
        return Card(
            (
                Heading(f"Noticing the unseen in {team}"),
                Text(body),
                *wording.more(
                    page, pages, f"/shoutout unseen team {team} page {page + 1}", counted
                ),
                ContextLine(
                    (
                        "Only you can see this. Is there one thing one of them did this "
                        "week that you could thank them for?",
                    )
                ),
            ),
            f"Noticing the unseen in {team}",
        )

    async def digest_card(self, channel: Conversation, channel_name: str) -> Card | None:
        now = self.clock.now()
        since = now - timedelta(days=7)
        local = now.astimezone(ZoneInfo(self.settings.default_tz)).date()
        weeks = [iso_week(local - timedelta(days=7)), iso_week(local)]
        week = [
            s
            for s in await self.stores.shoutouts.channel_shoutouts(channel, weeks)
            if since <= s.given_at <= now
        ]
        if not week:
            return None
        spread = {b: sum(s.behaviour is b for s in week) for b in SHOUTOUT_BEHAVIOURS}
        public = [s for s in week if not s.private]
        names = {
            m.ref: m.name
            for m in await self.stores.people.members(
                sorted({r for s in public for r in (s.giver, *s.recipients)})
            )
        }
        blocks: list[Heading | Text | ContextLine] = [
            Heading(f"This week's shout-outs in {wording.channel(channel_name)}"),
            Text(
                (
                    f"{wording.plural(len(week), 'shout-out')} this week: "
                    + ", ".join(f"{b.label} {n}" for b, n in spread.items())
                    + ".",
                )
            ),
        ]
        entries = [
            Text(
                (
                    Mention(s.giver, names.get(s.giver, wording.UNNAMED_PERSON)),
                    " recognised ",
                    *wording.mentions(
                        [Mention(r, names.get(r, wording.UNNAMED_PERSON)) for r in s.recipients],
                        "and",
                    ),
                    *joiner(s.words),
                    *s.words,
                )
            )
            for s in public
        ]
        weights = [wording.weight(entry.parts) for entry in entries]
        shown = wording.fitting(weights, DIGEST_WEIGHT, DIGEST_MOST)
        blocks.extend(entries[:shown])
        if len(entries) > shown:
            more = wording.plural(len(entries) - shown, "more shout-out")
            blocks.append(Text((f"And {more}, each one posted here this week.",)))
        if len(week) > len(public):
            blocks.append(Text((f"And {len(week) - len(public)} given privately.",)))
        blocks.append(ContextLine(("Recognise someone: /shoutout @name for what they did.",)))
        return Card(tuple(blocks), f"{wording.plural(len(week), 'shout-out')} this week")


def joiner(words: TypedText) -> tuple[str, ...]:
    first = words[0] if words else ""
    return (" ",) if isinstance(first, str) and first.lower().startswith("for ") else (": ",)
