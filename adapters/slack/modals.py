"""Slack's modals: ``/nudge`` with no words opens "New cadence" (pickers, then a preview before
saving); ``/shoutout`` with no words opens "Recognise a colleague". Pure builders (``answers``
reads what people answered in them; ``forms`` is how they are used).
"""

from __future__ import annotations

import json
from typing import Any

from adapters.slack.answers import encode
from adapters.slack.render import MAX_FIELD, clip, to_block_kit
from nudges.edge import (
    SHOUTOUT_BEHAVIOURS,
    WEEKDAYS,
    Actions,
    Arg,
    Behaviour,
    Card,
    Context,
    ContextLine,
    Heading,
    Text,
)

PLATFORM = "slack"
CADENCE = "carenudge.cadence"
CADENCE_PREVIEW = "carenudge.cadence.preview"
SHOUTOUT = "carenudge.shoutout"
MAX_TITLE = 24  # https://api.slack.com/reference/surfaces/views
MAX_METADATA = 3000
"""private_metadata's limit, in characters (https://api.slack.com/reference/surfaces/views).
What travels in it is kept whole by design: the form's channel and its name (at most
``MAX_CHANNEL_NAME``), and, for a preview, the words to save, every one of them bounded by its
input (``MAX_PEOPLE`` ids of about 20 characters, 12 times, a time zone, a team name). A
preview whose words would still not fit is refused under the people picker, never cut."""
MAX_CHANNEL_NAME = 80  # Slack's own limit for a channel name
MAX_PEOPLE = 100
"""People chosen in the cadence form: their ids fit private_metadata (about 20 characters each)."""
MAX_RECIPIENTS = 20
"""People one shout-out may recognise (as ``/shoutout`` allows)."""
MAX_TIMES = 120  # 12 times a day, "07:30, " each, with room to spare
MAX_TZ = 64  # the longest IANA name is 32 characters; "UTC+05:30" is 9
MAX_TEAM = 64  # a team name is at most 40 characters, typed with a "#" or spaces about it
TOO_MANY = (
    "That's more than this form can carry. Please choose fewer people, or send it to the "
    "whole team."
)
MAX_OPTIONS = 100  # a static_select's options (slack_sdk StaticSelectElement.options_max_length)
_DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _plain(label), "value": value}


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label, 2000),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint, 2000)
    return block


def _modal(
    callback: str, title: str, submit: str, blocks: list[dict[str, Any]], metadata: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": _plain(title, MAX_TITLE),
        "submit": _plain(submit, MAX_TITLE),
        "close": _plain("Cancel", MAX_TITLE),
        "private_metadata": _metadata(metadata),
        "blocks": blocks,
    }


class TooLong(ValueError):
    """What a form must carry does not fit in private_metadata."""

    def __init__(self, size: int) -> None:
        self.size = size
        super().__init__(f"private_metadata would be {size} characters (at most {MAX_METADATA})")


def _metadata(metadata: dict[str, Any]) -> str:
    """Metadata as JSON, whole: never cut, since a cut one would not read back."""
    text = json.dumps(metadata, separators=(",", ":"))
    if len(text) > MAX_METADATA:
        raise TooLong(len(text))
    return text


def _origin(channel_id: str, channel_name: str) -> dict[str, Any]:
    """The channel a form came from, as its metadata."""
    return {"channel": channel_id, "name": channel_name[:MAX_CHANNEL_NAME]}


def cadence_modal(channel_id: str, channel_name: str, tz: str, teams: list[str]) -> dict[str, Any]:
    themes = [_option("A mix of all six", "mixed")]
    themes += [_option(b.label, b.value) for b in Behaviour]
    themes += [_option(c.label.capitalize(), c.value) for c in Context]
    blocks = [
        _input(
            "channel",
            "Post in a channel",
            {
                "type": "conversations_select",
                "filter": {"include": ["public", "private"], "exclude_bot_users": True},
                **(
                    {"initial_conversation": channel_id}
                    if channel_id.startswith(("C", "G"))
                    else {}
                ),
            },
            optional=True,
            hint="Or choose people below, or the whole team.",
        ),
        _input(
            "people",
            "Or send to these people",
            # At most this many, so that the words to save stay inside private_metadata's
            # 3,000 characters; more people than that are a team ("everyone" below).
            {"type": "multi_users_select", "max_selected_items": MAX_PEOPLE},
            optional=True,
        ),
        _input(
            "everyone",
            "Or to everyone who joined the team",
            {
                "type": "checkboxes",
                "options": [_option("Everyone in the team, by direct message", "team")],
            },
            optional=True,
        ),
        _input(
            "days",
            "Days",
            {
                "type": "checkboxes",
                "options": [
                    _option(label, day) for label, day in zip(_DAY_LABELS, WEEKDAYS, strict=True)
                ],
                "initial_options": [
                    _option(label, day)
                    for label, day in zip(_DAY_LABELS[:5], WEEKDAYS[:5], strict=True)
                ],
            },
        ),
        _input(
            "times",
            "Time of day",
            {
                "type": "plain_text_input",
                "initial_value": "07:30",
                "placeholder": _plain("07:30"),
                "max_length": MAX_TIMES,
            },
            hint="24-hour, like 07:30. A cadence goes out at most once a day.",
        ),
        _time_zone(tz),
        _input(
            "theme",
            "Theme",
            {
                "type": "static_select",
                "options": themes,
                "initial_option": themes[0],
            },
        ),
    ]
    if len(teams) > MAX_OPTIONS:
        blocks.append(
            _input(
                "team",
                "Team",
                {
                    "type": "plain_text_input",
                    "initial_value": teams[0][:MAX_TEAM],
                    "max_length": MAX_TEAM,
                },
                hint=f"You manage {len(teams)} teams, too many to list here: type its name.",
            )
        )
    elif len(teams) > 1:
        options = [_option(t, t) for t in teams]
        blocks.append(
            _input(
                "team",
                "Team",
                {
                    "type": "static_select",
                    "options": options,
                    "initial_option": options[0],
                },
            )
        )
    return _modal(CADENCE, "New cadence", "Preview", blocks, _origin(channel_id, channel_name))


def _time_zone(tz: str) -> dict[str, Any]:
    if tz:
        element = {"type": "plain_text_input", "initial_value": tz[:MAX_TZ], "max_length": MAX_TZ}
        return _input("tz", "Time zone", element)
    # Not known yet: Slack is asked once the form is open (a trigger lasts 3 s, too short to
    # wait for users.info first), and the preview shows the one it will use.
    return _input(
        "tz",
        "Time zone",
        {
            "type": "plain_text_input",
            "placeholder": _plain("Europe/London"),
            "max_length": MAX_TZ,
        },
        optional=True,
        hint="Leave it empty for your own, as Slack has it. The preview shows which.",
    )


def preview_modal(card: Card, words: list[Arg], metadata: dict[str, Any]) -> dict[str, Any]:
    """The preview, with Save; the words to save travel in private_metadata.

    Raises:
        TooLong: The words would not fit there.
    """
    saved = {**metadata, "words": [encode(w) for w in words]}
    return _modal(CADENCE_PREVIEW, "Preview", "Save", to_block_kit(card)["blocks"][:90], saved)


def previewed(card: Card, words: list[Arg], metadata: dict[str, Any]) -> dict[str, Any]:
    """The answer to a cadence form that reads well: its preview, or, when the words to save
    would not fit in the preview, the form again saying so under the people picker."""
    try:
        return {"response_action": "update", "view": preview_modal(card, words, metadata)}
    except TooLong:
        return problem("people", TOO_MANY)


def shoutout_modal(channel_id: str, channel_name: str) -> dict[str, Any]:
    behaviours = [_option("Let CareNudge suggest one", "suggest")]
    behaviours += [_option(b.label, b.value) for b in SHOUTOUT_BEHAVIOURS]
    blocks = [
        _input(
            "people",
            "Who would you like to recognise?",
            {"type": "multi_users_select", "max_selected_items": MAX_RECIPIENTS},
        ),
        _input(
            "message",
            "What did they do, and what difference did it make?",
            {
                "type": "plain_text_input",
                "multiline": True,
                "max_length": 500,
                "placeholder": _plain(
                    "for staying with the family after handover: they felt looked after"
                ),
            },
        ),
        _input(
            "behaviour",
            "Behaviour",
            {
                "type": "static_select",
                "options": behaviours,
                "initial_option": behaviours[0],
            },
        ),
        _input(
            "private",
            "Who sees it",
            {
                "type": "checkboxes",
                "options": [_option("Send it only to them, not the channel", "private")],
            },
            optional=True,
        ),
    ]
    return _modal(
        SHOUTOUT, "Recognise a colleague", "Send", blocks, _origin(channel_id, channel_name)
    )


def notice(title: str, card: Card | None) -> dict[str, Any]:
    """A modal that only tells (no submit): for a refusal after a preview, or how a form's
    work went. Its buttons stay in the private note sent with it: pressed in a modal, they
    would have no reply to go to."""
    if card is not None and any(isinstance(b, Actions) for b in card.blocks):
        kept = tuple(b for b in card.blocks if not isinstance(b, Actions))
        aside = ContextLine(("Its buttons are in the note I've sent you privately.",))
        card = Card((*kept, aside), card.fallback_text)
    blocks = to_block_kit(card)["blocks"][:90] if card else []
    return {
        "type": "modal",
        "title": _plain(title, MAX_TITLE),
        "close": _plain("Close"),
        "blocks": blocks,
    }


def sending() -> dict[str, Any]:
    """The shout-out form once sent, while its posts go out."""
    said = "Sending it now. You can close this: I'll let you know privately once it has gone out."
    return notice("Recognise a colleague", Card((Text((said,)),), said))


def not_opened(command: str) -> Card:
    """What someone is told when their form could not be opened."""
    again = {
        "nudge": "/nudge create weekdays at 07:30 to #ward-7",
        "shoutout": "/shoutout @name for what they did and the difference it made",
    }.get(command, f"/{command} help")
    said = f"Slack didn't open the form just now. Please try /{command} again in a moment."
    return Card(
        (
            Heading("The form didn't open"),
            Text((said,)),
            Text(("Or type it all in one go, like: ", again)),
        ),
        said,
    )


def problem(block_id: str, text: str) -> dict[str, Any]:
    """A ``response_action: errors`` answer: the problem shown under one input."""
    return {"response_action": "errors", "errors": {block_id: clip(text, MAX_FIELD)}}
