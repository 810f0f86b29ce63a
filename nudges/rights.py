"""A person's data is theirs: ``/nudge my data`` sends them everything CareNudge holds about
them (a readable summary, and the same as JSON), and ``/nudge forget me`` erases it after they
confirm. ``carenudge export`` and ``carenudge forget`` do the same for an admin handling a
subject access or erasure request. What is found and erased is ``store.rights``'s to know."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nudges import codec, library, members, wording
from nudges.cards import (
    MAX_CODE,
    Action,
    Actions,
    Button,
    Card,
    Code,
    ContextLine,
    Fields,
    Heading,
    Reply,
    Text,
)
from nudges.deps import Deps
from nudges.errors import DeliveryError
from nudges.model import Member, MemberRef, MembersAudience, Role, Shoutout
from nudges.planning import Planner
from nudges.store.rights import Erased

log = logging.getLogger(__name__)

CODE_BLOCKS_A_MESSAGE = 4
"""About 8,000 characters of JSON a message: inside Teams' 28 KB (as UTF-16) once escaped."""
LISTED = 10
"""How many shout-outs and deliveries the summary lists; the JSON has them all."""


@dataclass(frozen=True, slots=True)
class Export:
    """Everything held about one person: ``data`` (for JSON) and the summary cards."""

    data: dict[str, Any]
    summary: Card

    def json(self) -> str:
        return json.dumps(self.data, indent=1, ensure_ascii=False)

    def json_cards(self) -> list[Card]:
        """The JSON in messages of at most ``CODE_BLOCKS_A_MESSAGE`` blocks, cut at lines."""
        chunks: list[str] = []
        current = ""
        for line in self.json().splitlines(keepends=True):
            while len(line) > MAX_CODE:  # one very long value
                chunks.append(current + line[: MAX_CODE - len(current)])
                line, current = line[MAX_CODE - len(current) :], ""
            if len(current) + len(line) > MAX_CODE:
                chunks.append(current)
                current = ""
            current += line
        if current:
            chunks.append(current)
        groups = [
            chunks[i : i + CODE_BLOCKS_A_MESSAGE]
            for i in range(0, len(chunks), CODE_BLOCKS_A_MESSAGE)
        ]
        cards = []
        for n, group in enumerate(groups, 1):
            title = "Your data as JSON" + (
                f" (part {n} of {len(groups)})" if len(groups) > 1 else ""
            )
            cards.append(
                Card(
                    (Heading(title), *(Code(chunk.rstrip("\n")) for chunk in group)),
                    title,
                )
            )
        return cards


class Rights:
    def __init__(self, deps: Deps, planner: Planner) -> None:
        self.stores = deps.stores
        self.messenger = deps.messenger
        self.records = deps.records
        self.queue = deps.queue
        self.clock = deps.clock
        self.settings = deps.settings
        self.planner = planner

    # --- see ------------------------------------------------------------------------------

    async def my_data(self, actor: MemberRef) -> Reply:
        """Send ``actor`` their data by direct message; if that cannot be done, give them
        the summary here instead (and say how to try again)."""
        export = await self.export(actor)
        try:
            dm = await self.messenger.open_dm(actor)
            for card in (export.summary, *export.json_cards()):
                await self.messenger.send(dm, card)
        except DeliveryError as exc:
            log.warning("could not send a person their data (%s)", type(exc).__name__)
            note = ContextLine(
                (
                    "I couldn't send the JSON copy by direct message just now. "
                    "Please try /nudge my data again in a minute.",
                )
            )
            card = export.summary
            return Reply(Card((*card.blocks, note), card.fallback_text))
        return Reply(
            wording.message(
                "Sent to you privately",
                "Everything CareNudge holds about you is in our direct messages: "
                "a summary, and the same as JSON.",
                hint="To erase it all: /nudge forget me",
            )
        )

    async def export(self, ref: MemberRef) -> Export:
        """Everything held about ``ref``: settings, memberships, shout-outs given and
        received, what was sent to them and when, and the platform's own records."""
        stores = self.stores
        profile = await stores.rights.profile(ref)
        found = await stores.rights.records_naming(ref)
        sent = await stores.deliveries.sent_to(ref)
        member = await stores.people.member(ref)
        platform = self.records.get(ref.platform)
        kept_by_platform = await platform.of(ref) if platform is not None else {}
        everyone = {r for s in (*found.given, *found.received) for r in (s.giver, *s.recipients)}
        names = {m.ref: m.name for m in await stores.people.members(sorted(everyone))}
        prompts = {p.id: p.text for p in library.library()}

        def shoutout(s: Shoutout) -> dict[str, Any]:
            return {
                "id": s.id,
                "given_at": s.given_at.isoformat(),
                "from": names.get(s.giver, s.giver.user_id),
                "to": [names.get(r, r.user_id) for r in s.recipients],
                "words": s.text,
                "behaviour": s.behaviour.value,
                "private": s.private,
                "where": s.channel.channel_id,
            }

        delivered = [
            {
                "at": at.isoformat(),
                "what": entry.get("about", ""),
                "prompt": entry.get("prompt"),
                "prompt_text": prompts.get(str(entry.get("prompt"))),
            }
            for at, entry in sent
        ]
        cadences = [
            {
                "id": c.id,
                "team": c.team,
                "you": "created it" if c.created_by == ref else "are among its recipients",
            }
            for c in found.cadences
            if c.created_by == ref
            or (isinstance(c.audience, MembersAudience) and ref in c.audience.members)
        ]
        record = profile["record"] or {}
        data: dict[str, Any] = {
            "about": "Everything CareNudge holds about you, as of "
            f"{self.clock.now().isoformat(timespec='seconds')}.",
            "you": {
                "platform": ref.platform,
                "workspace": ref.tenant_id,
                "user_id": ref.user_id,
                "name": record.get("name"),
            },
            "settings": codec.settings_to_dict(member.settings),
            "teams": {
                "joined": profile["joined"],
                "manages": profile["manages"],
                "admin": profile["admin"],
            },
            "prompts_not_for_you": profile["not_for_me"],
            "last_recognised": _iso(profile["last_recognised"]),
            "shoutouts_you_gave": [shoutout(s) for s in found.given],
            "shoutouts_you_received": [shoutout(s) for s in found.received],
            "sent_to_you": delivered,
            "cadences_naming_you": cadences,
            "pauses_you_called": [
                {"id": p.id, "started_at": p.started_at.isoformat()}
                for p in found.pauses
                if p.caller == ref
            ],
            "kept_by_the_platform_adapter": kept_by_platform,
            "how_long_things_are_kept": {
                "shoutouts_days": self.settings.keep_shoutouts.days,
                "sent_to_you_days": self.settings.keep_sent.days,
                "settings_and_teams": "until you erase them with /nudge forget me",
            },
        }
        return Export(data, self._summary(member, data, found.given, found.received))

    def _summary(
        self,
        member: Member,
        data: dict[str, Any],
        given: list[Shoutout],
        received: list[Shoutout],
    ) -> Card:
        teams = data["teams"]
        settings = members.settings_card(member, self.settings.default_tz)
        pairs = next(b.pairs for b in settings.blocks if isinstance(b, Fields))
        joined = ", ".join(teams["joined"]) or "none"
        managed = ", ".join(teams["manages"]) or "none"
        recognised = data["last_recognised"]
        facts = (
            ("Name", str(data["you"]["name"] or "not known")),
            *pairs,
            ("Teams you joined", joined),
            ("Teams you manage", managed + (" (and you are an admin)" if teams["admin"] else "")),
            ("Prompts you said were not for you", str(len(data["prompts_not_for_you"]))),
            ("Shout-outs you gave", str(len(given))),
            ("Shout-outs you received", str(len(received))),
            (
                "Last recognised",
                wording.day(datetime.fromisoformat(recognised).date())
                if recognised
                else "not in the time kept",
            ),
            (
                "Sent to you",
                f"{len(data['sent_to_you'])} in the last {self.settings.keep_sent.days} days",
            ),
        )
        blocks: list[Any] = [Heading("What CareNudge holds about you"), Fields(facts)]
        latest = data["sent_to_you"][-LISTED:]
        if latest:
            blocks.append(Text(("Latest sent to you:",)))
            blocks.extend(
                Text((f"{_when(item['at'])} · {item['what']}",)) for item in reversed(latest)
            )
        for title, items in (("Shout-outs you gave", given), ("Shout-outs you received", received)):
            if items:
                blocks.append(Text((f"{title} (latest first):",)))
                blocks.extend(
                    Text((f"{_when(s.given_at.isoformat())} · {s.text}",))
                    for s in sorted(items, key=lambda s: s.given_at, reverse=True)[:LISTED]
                )
        kept = data["kept_by_the_platform_adapter"]
        if kept:  # named, not shown: the values are ids, in the JSON for whoever needs them
            blocks.append(
                ContextLine(
                    (
                        f"Also kept for {member.ref.platform.title()}: "
                        + ", ".join(label[0].lower() + label[1:] for label in kept)
                        + " (in the JSON below).",
                    )
                )
            )
        blocks.append(
            ContextLine(
                (
                    f"Shout-outs are kept {self.settings.keep_shoutouts.days} days, what was "
                    f"sent to you {self.settings.keep_sent.days} days. The JSON below has "
                    "everything. To erase it all: /nudge forget me",
                )
            )
        )
        return Card(tuple(blocks), "What CareNudge holds about you")

    # --- erase ----------------------------------------------------------------------------

    def forget_card(self, actor: MemberRef) -> Card:
        return Card(
            (
                Heading("Erase everything CareNudge holds about you?"),
                Text(
                    (
                        "This removes your settings, your teams and roles, what was sent to "
                        "you, and your name and words from the shout-outs you gave. Team "
                        "counts stay, with no names. It can't be undone.",
                    )
                ),
                Actions((Button("Erase everything", Action.FORGET_ME, actor.key, primary=True),)),
                ContextLine(
                    ("Nothing is erased unless you press it. Want a copy first? /nudge my data",)
                ),
            ),
            "Erase everything CareNudge holds about you?",
        )

    async def forget_pressed(self, actor: MemberRef, value: str) -> Reply:
        if value != actor.key:
            return Reply(
                wording.message(
                    "That's theirs to choose",
                    "Only the person it's about can erase their data. Nothing was changed.",
                ),
                status="refused",
            )
        await self.forget(actor)
        return Reply(
            wording.message(
                "All erased",
                "CareNudge no longer holds anything about you. Thank you for the care you give.",
                hint="If you use CareNudge again, it starts afresh.",
            )
        )

    async def forget(self, ref: MemberRef) -> Erased:
        """Erase ``ref``: the engine's records, the platform's own, their one-off jobs from
        the queue; cadences left with no one to reach are deleted."""
        teams = {
            team
            for role in (Role.MEMBER, Role.MANAGER)
            for team in await self.stores.people.member_teams(ref, role)
        }
        erased = await self.stores.rights.erase(ref)
        platform = self.records.get(ref.platform)
        if platform is not None:
            erased.keys_deleted += await platform.erase(ref)
        if erased.jobs:
            await self.queue.discard(erased.jobs)
        for cadence_id in erased.cadences_emptied:
            cadence = await self.stores.cadences.get(cadence_id)
            if cadence is not None:
                await self.planner.unplan(cadence)
                await self.stores.cadences.trash(cadence, self.settings.keep_deleted)
        await self.planner.replan_member(ref)
        log.info(
            "erased a person at their request: %d keys, %d entries, %d teams",
            erased.keys_deleted,
            erased.entries_removed,
            len(teams),
        )
        return erased


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _when(iso: str) -> str:
    at = datetime.fromisoformat(iso)
    return f"{wording.day(at.date())} {at.strftime('%H:%M')}"
