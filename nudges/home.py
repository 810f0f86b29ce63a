"""A member's home: their own settings with one-press changes, and, for managers, their teams'
cadences with pause, resume and delete. Shown as Slack's App Home (and any platform's
equivalent); every button runs the same /nudge command a person could type."""

from __future__ import annotations

from nudges import members, wording
from nudges.cards import (
    Action,
    Actions,
    Block,
    Button,
    Card,
    ContextLine,
    Divider,
    Fields,
    Heading,
    Text,
)
from nudges.model import Member, Role
from nudges.settings import EngineSettings
from nudges.store import Stores

SHOWN_CADENCES = 10
"""A team's cadences on the home, as many as a page of /nudge list."""
SHOWN_TEAMS, SHOWN_IN_ALL = 5, 25
"""Teams, and cadences in all, on the home: with the settings above them, fewer than 80 blocks,
inside Slack's 100 for a Home tab. The rest are counted, with /nudge list to see them."""


def _run(label: str, command: str, primary: bool = False) -> Button:
    return Button(label, Action.RUN_COMMAND, command, primary=primary)


async def home_card(
    stores: Stores, settings: EngineSettings, member: Member, note: str = ""
) -> Card:
    blocks: list[Block] = [Heading("Your CareNudge")]
    if note:
        blocks.append(ContextLine((note,)))
    settings_card = members.settings_card(member, settings.default_tz)
    blocks.extend(b for b in settings_card.blocks if isinstance(b, Fields))
    s = member.settings
    blocks.append(
        Actions(
            (
                _run("Start again", "start", primary=True)
                if s.stopped
                else _run("Stop all nudges", "stop"),
                _run("Wake up", "snooze off")
                if s.snoozed_until
                else _run("Snooze a day", "snooze 1 day"),
                _run("Snooze a week", "snooze 1 week"),
            )
        )
    )
    blocks.append(
        Actions(
            (
                _run("Quiet hours: default", "quiet default"),
                _run("Quiet hours: off", "quiet off"),
                _run("Day shifts", "shift day"),
                _run("Night shifts", "shift night"),
            )
        )
    )
    blocks.append(
        ContextLine(
            ("Other settings, like quiet 21:00-07:00 or tz Europe/London: /nudge help settings",)
        )
    )
    managed = await stores.people.member_teams(member.ref, Role.MANAGER)
    room = SHOWN_IN_ALL
    for team in managed[:SHOWN_TEAMS]:
        cadences = await stores.cadences.of_team(member.ref.workspace, team)
        blocks.extend((Divider(), Heading(f"Cadences for {team}")))
        if not cadences:
            blocks.append(Text(("None yet. /nudge create weekdays at 07:30 to #your-channel",)))
        shown = cadences[: min(SHOWN_CADENCES, room)]
        room -= len(shown)
        for cadence in shown:
            state = " (paused)" if cadence.paused else ""
            blocks.append(
                Text(
                    (
                        f"{cadence.id} · {wording.schedule(cadence.schedule)} · "
                        f"{wording.audience(cadence, {})} · {wording.what(cadence)}"
                        f"{state}",
                    )
                )
            )
            toggle = (
                _run("Resume", f"resume {cadence.id}")
                if cadence.paused
                else _run("Pause", f"pause {cadence.id}")
            )
            blocks.append(Actions((toggle, _run("Delete", f"delete {cadence.id}"))))
        if len(cadences) > len(shown):
            more = len(cadences) - len(shown)
            blocks.append(ContextLine((f"And {more} more: /nudge list team {team}",)))
    if len(managed) > SHOWN_TEAMS:
        others = managed[SHOWN_TEAMS:]
        blocks.extend(
            (
                Divider(),
                ContextLine(
                    (
                        f"And {wording.plural(len(others), 'more team')} you manage: "
                        f"/nudge list shows all their cadences, or /nudge list team {others[0]}.",
                    )
                ),
            )
        )
    return Card(tuple(blocks), "Your CareNudge")
