"""What a shout-out looks like: its post, and the giver's confirmation. Pure."""

from __future__ import annotations

from nudges import wording
from nudges.cards import Action, Actions, Button, Card, ContextLine, Heading, Text
from nudges.digest import joiner
from nudges.model import SHOUTOUT_BEHAVIOURS, Mention, Shoutout


def public_card(
    shoutout: Shoutout, giver: Mention, recipients: list[Mention] | tuple[Mention, ...]
) -> Card:
    people = wording.mentions(list(recipients), "and")
    return Card(
        (
            Text((giver, " recognised ", *people, *joiner(shoutout.words), *shoutout.words)),
            ContextLine((f"{shoutout.behaviour.label} · recognise someone with /shoutout",)),
        ),
        f"@{giver.name} recognised "
        + ", ".join(f"@{m.name}" for m in recipients)
        + f": {shoutout.text}",
    )


def confirmation(shoutout: Shoutout, where_name: str, untold: int = 0) -> Card:
    """``untold``: how many of the people recognised could not be told by direct message."""
    where = "privately" if shoutout.private else f"in {wording.channel(where_name)}"
    return Card(
        (
            Heading(f"Shout-out {shoutout.id} sent {where}"),
            *_untold(len(shoutout.recipients), untold),
            Text((f"Tagged {shoutout.behaviour.label}. Change the tag:",)),
            Actions(
                tuple(
                    Button(
                        b.label,
                        Action.SHOUTOUT_TAG,
                        f"{shoutout.id}|{b.value}",
                        primary=b is shoutout.behaviour,
                    )
                    for b in SHOUTOUT_BEHAVIOURS
                )
            ),
            ContextLine((f"Changed your mind? /shoutout delete {shoutout.id}",)),
        ),
        f"Shout-out {shoutout.id} sent {where}.",
    )


def _untold(recipients: int, untold: int) -> tuple[Text, ...]:
    """A word to the giver about the people a direct message could not reach: counted, never
    named, and never a fault of theirs."""
    if not untold:
        return ()
    who = "them" if untold == recipients else f"{untold} of them"
    return (
        Text(
            (
                f"I couldn't tell {who} by direct message: their account may be closed, or "
                "they may not take messages from CareNudge.",
            )
        ),
    )
