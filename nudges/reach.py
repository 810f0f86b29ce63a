"""Whether each cadence reaches its audience: how its last fire went, shown in ``/nudge list``
and ``/nudge show``; and, when a channel or people cannot be reached, its managers told once,
by direct message, in plain words with the fix. Nothing is lost in silence, and nobody is
named: people are only ever counted.

While CareNudge is removed from a workspace, its cadences there stop (nothing can be sent, so
nothing is tried), and nobody can be told. When it is installed again, ``welcome_back`` tells
the managers of each cadence its absence stopped, once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from nudges import jobs, wording
from nudges.cards import Card, ContextLine, Heading, Text
from nudges.delivery import Deliveries, Fanout, Outgoing, Tally, Target
from nudges.deps import Deps
from nudges.errors import CannotReach
from nudges.firing import FireTime, Firing
from nudges.model import Cadence, ChannelAudience, Fire, Role, Unreachable, Workspace
from nudges.rosters import Rosters

CHANNEL_PROBLEM = {
    Unreachable.NOT_IN_CHANNEL: "CareNudge isn't in {where}, so what it sends there isn't "
    "arriving.",
    Unreachable.CHANNEL_GONE: "{where} can't be found: it may be private without CareNudge in "
    "it, or it was deleted.",
    Unreachable.ARCHIVED: "{where} was archived, so nothing can be posted there.",
    Unreachable.NOT_INSTALLED: "CareNudge isn't installed where {where} is any more.",
    Unreachable.NOT_ALLOWED: "CareNudge isn't allowed to post in {where}.",
    Unreachable.PERSON_GONE: "{where} can't be reached.",
    Unreachable.APP_REMOVED: "{where} can't be reached.",
    Unreachable.UNKNOWN: "{where} can't be reached at the moment.",
}
CHANNEL_SHORT = {
    Unreachable.NOT_IN_CHANNEL: "{where} needs CareNudge added",
    Unreachable.CHANNEL_GONE: "{where} can't be found",
    Unreachable.ARCHIVED: "{where} is archived",
    Unreachable.NOT_INSTALLED: "CareNudge isn't installed there",
    Unreachable.NOT_ALLOWED: "CareNudge isn't allowed to post in {where}",
}
CHANNEL_FIX = {
    Unreachable.NOT_IN_CHANNEL: "Add CareNudge to the channel, and the next one will arrive.",
    Unreachable.CHANNEL_GONE: "Add CareNudge to the channel, or choose another one with "
    "/nudge edit {cadence} to #channel.",
    Unreachable.ARCHIVED: "Unarchive it, or choose another channel with "
    "/nudge edit {cadence} to #channel.",
    Unreachable.NOT_INSTALLED: "Your admin can add CareNudge again.",
    Unreachable.NOT_ALLOWED: "Your admin can check what CareNudge is allowed to do.",
}
FIRST_FIX = {
    Unreachable.NOT_IN_CHANNEL: "Add CareNudge to the channel first.",
    Unreachable.CHANNEL_GONE: "If it is private, add CareNudge to it first; otherwise choose "
    "another channel.",
    Unreachable.ARCHIVED: "Unarchive it first, or choose another channel.",
    Unreachable.NOT_INSTALLED: "Your admin can add CareNudge again.",
    Unreachable.NOT_ALLOWED: "Your admin can check what CareNudge is allowed to do.",
}
"""What to do before a cadence can be set for that channel."""
PEOPLE_REASON = {
    Unreachable.APP_REMOVED: "removed or blocked CareNudge, or never added it",
    Unreachable.NOT_IN_CHANNEL: "removed or blocked CareNudge, or never added it",
    Unreachable.CHANNEL_GONE: "removed or blocked CareNudge, or never added it",
    Unreachable.PERSON_GONE: "left, or their accounts were closed",
    Unreachable.NOT_INSTALLED: "are where CareNudge isn't installed any more",
    Unreachable.NOT_ALLOWED: "are where CareNudge isn't allowed to send direct messages",
}
PEOPLE_OTHER = "can't be reached at the moment"
PEOPLE = "people"
"""What managers are told of for a cadence to people: one notice, counts by reason."""


BACK = "installed-again"
"""The problem a welcome back is told under (one telling per cadence, per return)."""


@dataclass(frozen=True, slots=True)
class WelcomeBack:
    """A one-off job: CareNudge was installed again in ``workspace``; the managers of each
    cadence there that its absence stopped are told."""

    KIND: ClassVar[str] = "welcome-back"
    workspace: Workspace
    id: str = field(default_factory=jobs.new_job_id)

    def payload(self) -> dict[str, Any]:
        return {"platform": self.workspace.platform, "tenant": self.workspace.tenant_id}

    @classmethod
    def from_payload(cls, job_id: str, data: dict[str, Any]) -> WelcomeBack:
        return cls(Workspace(str(data["platform"]), str(data["tenant"])), job_id)


class Reach:
    def __init__(self, deps: Deps, rosters: Rosters, deliveries: Deliveries) -> None:
        self.deps = deps
        self.stores = deps.stores
        self.rosters = rosters
        self.deliveries = deliveries

    def register(self, firing: Firing) -> None:
        firing.after_cadence(self.record)
        firing.on_job(WelcomeBack, self.welcome_back)

    async def installed_again(self, workspace: Workspace) -> None:
        """CareNudge was installed (again) in ``workspace``: a welcome back, now, for the
        cadences that could not go out while it was away (none, for a first install)."""
        await jobs.schedule(self.deps, WelcomeBack(workspace), self.deps.clock.now())

    async def welcome_back(self, job: WelcomeBack, at: FireTime) -> None:
        """Each cadence of the workspace whose last fire found CareNudge not installed: its
        managers are told it is back, and when it goes out next."""
        if await at.too_late(f"job={job.KIND}"):
            return
        ids = [cid async for cid in self.stores.cadences.all_ids()]
        cadences = [
            c for c in await self.stores.cadences.get_many(ids) if c.workspace == job.workspace
        ]
        summaries = await self.summaries(cadences)
        for cadence in cadences:
            summary = summaries.get(cadence.id) or {}
            if Unreachable.NOT_INSTALLED.value not in (summary.get("unreachable") or {}):
                continue
            fanout = at.fanout(f"{at.fire.id}:{cadence.id}")
            if await self.stores.reach.reserve(cadence.id, BACK, fanout.key):
                await self._tell_managers(cadence, back_card(cadence, summary), fanout, BACK)

    async def record(self, cadence: Cadence, fire: Fire, fanout: Fanout, tally: Tally) -> None:
        """Keep how the fire went and, for each way it could not reach someone that the
        cadence's managers have not been told of, tell them: once, because one fire reserves
        the telling before it tells, and the telling is a delivery of that fire like any
        other (retried through an outage, sent once across replicas and takeovers)."""
        summary: dict[str, Any] = {
            "at": fire.scheduled_at.isoformat(),
            "meant": tally.meant,
            "reached": tally.reached,
            "unreachable": {r.value: n for r, n in tally.unreachable.items()},
            "fixes": {r.value: fix for r, fix in tally.fixes.items()},
            "given_up": tally.outcomes["failed"] + tally.outcomes["rejected"],
        }
        await self.stores.reach.record(cadence.id, summary, fine=not tally.unreachable)
        if not tally.unreachable:
            return
        if isinstance(cadence.audience, ChannelAudience):
            problems = [
                (reason.value, channel_card(cadence, reason, tally.fixes.get(reason, "")))
                for reason in tally.unreachable
            ]
        else:
            problems = [(PEOPLE, people_card(cadence, tally.unreachable))]
        for problem, card in problems:
            if not await self.stores.reach.reserve(cadence.id, problem, fanout.key):
                continue  # told already, or being told by another fire
            if not await self._tell_managers(cadence, card, fanout, problem):
                await self.stores.reach.release(cadence.id, problem, fanout.key)

    async def _tell_managers(
        self, cadence: Cadence, card: Card, fanout: Fanout, problem: str
    ) -> bool:
        """Tell the cadence's managers (its admins if it has none), as their own settings
        allow now; True if one of them heard (otherwise the next fire tries again)."""
        people = self.stores.people
        managers = await people.roster(cadence.workspace, cadence.team, Role.MANAGER)
        refs = managers or await self.rosters.admin_refs(cadence.workspace)

        async def notice(target: Target, key: str) -> Outgoing:
            return Outgoing(card, about="a problem reaching a channel")

        telling = Fanout(f"{fanout.key}:told:{problem}", fanout.hold, fanout.deadline)
        heard = await self.deliveries.to_members(telling, refs, notice)
        return heard.reached > 0

    async def summaries(self, cadences: list[Cadence]) -> dict[str, dict[str, Any]]:
        return await self.stores.reach.summaries([c.id for c in cadences])


def back_card(cadence: Cadence, summary: dict[str, Any]) -> Card:
    where = (
        wording.channel(cadence.audience.channel.name)
        if isinstance(cadence.audience, ChannelAudience)
        else "its people"
    )
    title = f"CareNudge is back, and so is {cadence.id}"
    said = f"CareNudge was added again. While it was away, {cadence.id} couldn't reach {where}"
    try:
        last = wording.when(datetime.fromisoformat(str(summary["at"])), cadence.tz)
    except (KeyError, ValueError):
        said += "."
    else:
        said += f" (it last tried {last})."
    blocks = (
        Heading(title),
        Text((said, " It goes out again from its next time, with nothing for you to do.")),
        ContextLine((f"How {cadence.id} is going: /nudge show {cadence.id}",)),
    )
    return Card(blocks, f"{title}. {said}")


def channel_card(cadence: Cadence, reason: Unreachable, fix: str) -> Card:
    assert isinstance(cadence.audience, ChannelAudience)
    where = wording.channel(cadence.audience.channel.name)
    title = f"{cadence.id} can't reach {where}"
    said = CHANNEL_PROBLEM[reason].format(where=where)
    fix = fix or CHANNEL_FIX.get(reason, "").format(cadence=cadence.id)
    return _notice(cadence, title, said, fix)


def people_card(cadence: Cadence, unreachable: Counter[Unreachable]) -> Card:
    """Counts only, never who: their choices (removing CareNudge, say) are theirs."""
    total = sum(unreachable.values())
    by_reason: Counter[str] = Counter()
    for reason, count in unreachable.items():
        by_reason[PEOPLE_REASON.get(reason, PEOPLE_OTHER)] += count
    parts = [f"{n} {why}" for why, n in by_reason.most_common()]
    title = f"{cadence.id} can't reach {total} {'person' if total == 1 else 'people'}"
    said = (
        f"Of the people it goes to, {wording.joined(parts)}. That's their choice: nothing is "
        "needed unless they want nudges again."
    )
    return _notice(cadence, title, said, "")


def _notice(cadence: Cadence, title: str, said: str, fix: str) -> Card:
    blocks: list[Heading | Text | ContextLine] = [Heading(title), Text((said,))]
    if fix:
        blocks.append(Text((fix,)))
    blocks.append(
        ContextLine((f"I'll say this once. How {cadence.id} is going: /nudge show {cadence.id}",))
    )
    return Card(tuple(blocks), f"{title}. {said}")


def last_fire(cadence: Cadence, summary: dict[str, Any] | None) -> str:
    """How the last fire went, in a few words ("Tue 1 Dec, 07:30: 41 of 42 reached; #ward-7
    needs CareNudge added"), or "" if it has not fired lately."""
    if not summary:
        return ""
    try:
        at = datetime.fromisoformat(str(summary["at"]))
        meant, reached = int(summary["meant"]), int(summary["reached"])
        unreachable = {Unreachable(k): int(v) for k, v in dict(summary["unreachable"]).items()}
        given_up = int(summary.get("given_up", 0))
    except (KeyError, TypeError, ValueError):
        return ""
    said = [f"{wording.when(at, cadence.tz)}: {reach_words(meant, reached)}"]
    if isinstance(cadence.audience, ChannelAudience):
        where = wording.channel(cadence.audience.channel.name)
        said += [
            CHANNEL_SHORT.get(r, "{where} can't be reached").format(where=where)
            for r in unreachable
        ]
    elif unreachable:
        n = sum(unreachable.values())
        said.append(f"{n} can't be reached")
    if given_up:
        said.append(f"{given_up} not delivered")
    return "; ".join(said)


def reach_words(meant: int, reached: int) -> str:
    if meant == 0:
        return "nobody to reach (quiet hours, days off or snoozed)"
    if reached == meant:
        return "reached everyone" if meant > 1 else "reached"
    return f"{reached} of {meant} reached"


def trouble(cadence: Cadence, summary: dict[str, Any] | None) -> str:
    """``last_fire``, only when the last fire did not reach everyone it was meant to."""
    if not summary or summary.get("reached") == summary.get("meant"):
        return ""
    return last_fire(cadence, summary)


def cannot_reach_card(exc: CannotReach) -> Card:
    """Before a cadence is saved for a channel the bot could not post in, or when what
    someone asked to post there could not be."""
    said = CHANNEL_PROBLEM.get(exc.reason, CHANNEL_PROBLEM[Unreachable.UNKNOWN]).format(
        where=exc.where
    )
    said = said[:1].upper() + said[1:]  # "The channel can't be found", when it has no name
    fix = exc.fix or FIRST_FIX.get(exc.reason, "")
    blocks: list[Heading | Text | ContextLine] = [
        Heading(f"CareNudge can't post in {exc.where} yet"),
        Text((said,)),
    ]
    if fix:
        blocks.append(Text((fix,)))
    done = "Nothing was posted" if exc.posting else "Nothing was saved"
    blocks.append(ContextLine((f"{done}. Then send the same command again.",)))
    return Card(tuple(blocks), f"CareNudge can't post in {exc.where} yet. {said}")
