"""Adaptive Cards from the neutral cards: valid by the published 1.5 schema, mentions as
entities, typed text kept from forming links or mention tags."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import jsonschema

from adapters.teams.render import to_adaptive_card
from nudges.cards import Card, Mention, Text
from nudges.model import MemberRef
from tests.cards import EVERY_BLOCK, HOSTILE

SCHEMA = json.loads(
    resources.files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text()
)


def valid(card: dict[str, Any]) -> None:
    """Valid by the published schema. ``msteams`` is Teams' own extension of the card (its
    mention entities and width), documented by Teams rather than in the schema."""
    jsonschema.validate({k: v for k, v in card.items() if k != "msteams"}, SCHEMA)
    assert card["version"] == "1.5"


def test_every_block_type_renders_to_a_valid_adaptive_card_15() -> None:
    card = to_adaptive_card(EVERY_BLOCK)
    valid(card)
    kinds = [e["type"] for e in card["body"]]
    assert kinds == ["TextBlock", "TextBlock", "FactSet", "TextBlock", "ActionSet"]
    submit = card["body"][4]["actions"][0]
    assert submit["type"] == "Action.Submit"
    assert submit["data"] == {"carenudge": "prompt.done", "value": "c1|ward-7|attending-01|k"}


def test_teams_mentions_become_at_tags_with_entities() -> None:
    jo = Mention(MemberRef("teams", "tenant", "29:1abc"), "Jo Smith")
    card = to_adaptive_card(Card((Text(("Thanks ", jo, "!")),), "Thanks Jo"))
    valid(card)
    assert card["body"][0]["text"] == "Thanks <at>Jo Smith</at>!"
    assert card["msteams"]["entities"] == [
        {
            "type": "mention",
            "text": "<at>Jo Smith</at>",
            "mentioned": {"id": "29:1abc", "name": "Jo Smith"},
        }
    ]


def test_typed_text_cannot_make_links_or_mention_tags() -> None:
    card = to_adaptive_card(HOSTILE)
    valid(card)
    hostile = to_adaptive_card(
        Card((Text(("[click](http://evil) <at>Everyone</at> **loud**",)),), "x")
    )
    text = hostile["body"][0]["text"]
    assert "<at>" not in text
    assert "\\[click\\]" in text
    assert "\\*\\*loud\\*\\*" in text
    assert "entities" not in hostile["msteams"]


def test_a_mention_from_another_platform_is_plain_text() -> None:
    card = to_adaptive_card(EVERY_BLOCK)
    assert "@sam" in card["body"][1]["text"]
    assert "entities" not in card["msteams"]


def test_a_placeholder_in_angle_brackets_still_shows() -> None:
    """Teams drops whatever reads as an HTML tag: "join <team>" would show as "join ."."""
    card = to_adaptive_card(Card((Text(("Join one with /nudge join <team>.",)),), "x"))
    text = card["body"][0]["text"]
    assert text == "Join one with nudge join \u2039team\u203a."
    hearts = to_adaptive_card(Card((Text(("Thank you <3 and 2 > 1",)),), "x"))
    assert hearts["body"][0]["text"] == "Thank you <3 and 2 > 1"  # nothing here reads as a tag


def test_commands_are_named_as_teams_users_type_them() -> None:
    """Teams has no slash commands: people type "nudge help" in the chat."""
    said = "Type /nudge help, or /shoutout and /pause. See https://example.org/nudge/x."
    card = to_adaptive_card(Card((Text((said,)),), "Try /nudge help"))
    assert card["body"][0]["text"] == (
        "Type nudge help, or shoutout and pause. See https://example.org/nudge/x."
    )
    assert card["fallbackText"] == "Try nudge help"


def test_someone_known_by_id_alone_is_not_shown_their_id() -> None:
    nameless = Mention(MemberRef("teams", "tenant", "29:1abc"), "29:1abc")
    card = to_adaptive_card(Card((Text(("Thanks ", nameless)),), "x"))
    assert card["body"][0]["text"] == "Thanks <at>a colleague</at>"
    assert card["msteams"]["entities"][0]["mentioned"] == {"id": "29:1abc", "name": "a colleague"}
