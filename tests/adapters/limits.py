"""Each platform's size limits, in one place, and the checks that a rendered card keeps them
with nothing cut by the renderer (the engine pages or says "and N more" itself).

Slack (Block Kit):
- Blocks: "up to 50 blocks in each message, and 100 blocks in modals or Home tabs"
  (https://docs.slack.dev/reference/block-kit/blocks).
- Per element, the limits slack_sdk 3.48 checks in ``slack_sdk/models/blocks`` (section text
  3,000 and 10 fields of 2,000; header 150; button text 75 and value 2,000; action_id 255;
  actions 25 elements; context 10 elements) and ``slack_sdk/models/views`` (100 blocks, title
  24, private_metadata 3,000): ``validate_json()`` applies them, so the tests ask slack_sdk.
- A message's ``text`` is cut by Slack past 40,000 characters
  (https://api.slack.com/changelog/2018-04-truncating-really-long-messages), and
  chat.postMessage advises keeping it under 4,000
  (https://docs.slack.dev/reference/methods/chat.postMessage).

Teams (Adaptive Cards in a Bot Framework activity):
- "The bot message size limit includes the entire message payload encoded as UTF-16": 40 KB in
  https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
  (the current page says 100 KB, keep under 80 KB); Microsoft's Teams connector says "about
  28 KB" for a message with an Adaptive Card, mentions included
  (https://learn.microsoft.com/connectors/teams/). We keep every activity under the smallest of
  these, 28 KB, counted as UTF-16 as Teams counts it.
- The card itself is valid by the published Adaptive Card 1.5 schema.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.render import MORE, to_block_kit
from adapters.teams.messenger import activity
from nudges.cards import Card
from tests.adapters.teams.test_render import valid as valid_adaptive_card

SLACK_MESSAGE_BLOCKS = 50
SLACK_VIEW_BLOCKS = 100
SLACK_TEXT = 4000
TEAMS_ACTIVITY_BYTES = 28 * 1024
TEAMS_TEXT = 4000
"""The renderer's own cap on one TextBlock (``adapters/teams/render.MAX_TEXT``): reaching it
means the renderer, not the engine, cut something."""


def slack_blocks(blocks: list[dict[str, Any]]) -> list[Block]:
    """The blocks as slack_sdk's own models, each validated by them."""
    parsed = Block.parse_all(blocks)
    for block in parsed:
        block.validate_json()
    return parsed


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every piece of text a person would read in the Block Kit blocks."""
    found: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            found.append(block["text"]["text"])
        found.extend(f["text"] for f in block.get("fields", []))
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                found.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                found.append(element["text"])
    return found


def slack_message(card: Card) -> dict[str, Any]:
    """The card as a Slack message, checked: within the limits, and nothing cut to fit."""
    rendered = to_block_kit(card)
    assert len(card.blocks) <= SLACK_MESSAGE_BLOCKS, f"{len(card.blocks)} blocks"
    slack_blocks(rendered["blocks"])
    assert len(rendered["blocks"]) == len(card.blocks)
    cut = [t for t in texts(rendered["blocks"]) if t.endswith(MORE)]
    assert not cut, f"the renderer cut {len(cut)} text(s), like {cut[0][-80:]!r}"
    assert len(rendered["text"]) <= SLACK_TEXT
    return rendered


def slack_home(card: Card) -> dict[str, Any]:
    """The card as a Slack App Home view, checked by slack_sdk's View model."""
    rendered = to_block_kit(card)
    assert len(card.blocks) <= SLACK_VIEW_BLOCKS, f"{len(card.blocks)} blocks"
    view = {"type": "home", "blocks": rendered["blocks"]}
    View(**view).validate_json()
    slack_blocks(rendered["blocks"])
    cut = [t for t in texts(rendered["blocks"]) if t.endswith(MORE)]
    assert not cut, f"the renderer cut {len(cut)} text(s)"
    return view


def utf16_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False).encode("utf-16-le"))


def teams_activity(card: Card) -> dict[str, Any]:
    """The card as the Teams activity the messenger sends, checked: valid, small enough, and
    no text cut by the renderer."""
    sent = activity(card)
    content = sent["attachments"][0]["content"]
    valid_adaptive_card(content)
    assert utf16_size(sent) <= TEAMS_ACTIVITY_BYTES, f"{utf16_size(sent)} bytes as UTF-16"
    long = [e for e in content["body"] if len(e.get("text", "")) >= TEAMS_TEXT]
    assert not long, "the renderer cut a TextBlock"
    return sent
