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

SHOWN_CADENCES = 15


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
    for team in await stores.people.member_teams(member.ref, Role.MANAGER):
        cadences = await stores.cadences.of_team(member.ref.workspace, team)
        blocks.extend((Divider(), Heading(f"Cadences for {team}")))
        if not cadences:
            blocks.append(Text(("None yet. /nudge create weekdays at 07:30 to #your-channel",)))
        for cadence in cadences[:SHOWN_CADENCES]:
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
        if len(cadences) > SHOWN_CADENCES:
            blocks.append(ContextLine((f"And {len(cadences) - SHOWN_CADENCES} more: /nudge list",)))
    return Card(tuple(blocks), "Your CareNudge")
