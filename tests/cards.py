"""A catalogue of cards using every block type, shared by the renderer tests."""

from __future__ import annotations

from nudges.cards import (
    Action,
    Actions,
    Bold,
    Button,
    Card,
    ContextLine,
    Divider,
    Fields,
    Heading,
    Link,
    Mention,
    Text,
)
from nudges.model import MemberRef

SAM = Mention(MemberRef("slack", "T1", "U0SAM"), "sam")

EVERY_BLOCK = Card(
    (
        Heading("Cadence c1 is set"),
        Text(
            (
                "Thanks to ",
                SAM,
                " for ",
                Bold("staying late"),
                ". See ",
                Link("https://x.org/a", "the guide"),
                ".",
            )
        ),
        Fields((("When", "Weekdays at 07:30"), ("To", "#ward-7"))),
        ContextLine(("Attending · a nudge for ward-7",)),
        Actions(
            (
                Button("Done", Action.PROMPT_DONE, "c1|ward-7|attending-01|k", primary=True),
                Button("Snooze", Action.PROMPT_SNOOZE, "c1|ward-7|attending-01|k"),
            )
        ),
        Divider(),
    ),
    "Cadence c1 is set",
)

HOSTILE = Card(
    (
        Text(("<!channel> <!here> <!everyone> @here <@U999> & *bold* `code` <http://evil|x>",)),
        ContextLine(("<!subteam^S1> & >",)),
    ),
    "<!channel> ping",
)
