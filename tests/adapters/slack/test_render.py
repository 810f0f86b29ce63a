"""Block Kit from the neutral cards: valid by slack_sdk's own models, safe, within limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from adapters.slack.render import MAX_BLOCKS, to_block_kit, verb_of
from nudges.cards import Action, Actions, Button, Card, Fields, Heading, Mention, Text
from nudges.model import MemberRef
from tests.cards import EVERY_BLOCK, HOSTILE


def valid(rendered: dict[str, Any]) -> list[Block]:
    blocks = Block.parse_all(rendered["blocks"])
    for block in blocks:
        block.validate_json()
    assert json.dumps(rendered)
    return blocks


def test_every_block_type_renders_to_valid_block_kit() -> None:
    rendered = to_block_kit(EVERY_BLOCK)
    assert [b.type for b in valid(rendered)] == [
        "header",
        "section",
        "section",
        "context",
        "actions",
        "divider",
    ]
    assert rendered["text"] == "Cadence c1 is set"


def test_mentions_become_slack_mentions_and_bold_and_links_are_mrkdwn() -> None:
    section = to_block_kit(EVERY_BLOCK)["blocks"][1]["text"]["text"]
    assert section == "Thanks to <@U0SAM> for *staying late*. See <https://x.org/a|the guide>."


def test_text_typed_by_people_can_never_ping_anyone() -> None:
    rendered = to_block_kit(HOSTILE)
    valid(rendered)
    body = json.dumps(rendered)
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<@U999>", "<!subteam", "<http"):
        assert ping not in body
    assert "&lt;!channel&gt;" in rendered["blocks"][0]["text"]["text"]
    assert rendered["blocks"][0]["text"]["verbatim"] is True


def test_a_mention_from_another_platform_degrades_to_text() -> None:
    card = Card((Text((Mention(MemberRef("teams", "t", "29:abc"), "Jo"),)),), "Jo")
    assert to_block_kit(card)["blocks"][0]["text"]["text"] == "@Jo"


def test_buttons_carry_the_engine_verb_and_value_unchanged() -> None:
    actions = to_block_kit(EVERY_BLOCK)["blocks"][4]["elements"]
    assert [verb_of(a["action_id"]) for a in actions] == ["prompt.done", "prompt.snooze"]
    assert len({a["action_id"] for a in actions}) == 2
    assert actions[0]["value"] == "c1|ward-7|attending-01|k"
    assert actions[0]["style"] == "primary"


@pytest.mark.parametrize("size", [3001, 10_000])
def test_long_text_is_cut_visibly_and_stays_valid(size: int) -> None:
    card = Card((Text(("<" * size,)),), "x" * 5000)
    rendered = to_block_kit(card)
    valid(rendered)
    text = rendered["blocks"][0]["text"]["text"]
    assert len(text) <= 3000
    assert text.endswith("…")
    assert not text.endswith("&…")
    assert len(rendered["text"]) <= 3000


def test_too_many_blocks_fields_or_buttons_are_cut_to_what_slack_allows() -> None:
    buttons = tuple(Button(f"b{i}", Action.SHOUTOUT_TAG, str(i)) for i in range(30))
    card = Card(
        (
            Heading("h" * 400),
            Fields(tuple((f"l{i}", "v") for i in range(15))),
            Actions(buttons),
            *(Text((f"t{i}",)) for i in range(80)),
        ),
        "big",
    )
    rendered = to_block_kit(card)
    valid(rendered)
    assert len(rendered["blocks"]) == MAX_BLOCKS
    assert len(rendered["blocks"][0]["text"]["text"]) == 150
    assert len(rendered["blocks"][1]["fields"]) == 10
    assert len(rendered["blocks"][2]["elements"]) == 25
    assert "more than Slack can show" in rendered["blocks"][-1]["elements"][0]["text"]
