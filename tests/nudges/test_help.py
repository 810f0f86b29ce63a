"""/nudge help: every topic, every example in it, and every verb people can type."""

from __future__ import annotations

import re

import pytest

from nudges import help
from nudges.cards import Heading, plain
from nudges.commands import Help
from nudges.errors import ParseError
from nudges.language import VERBS, parse
from tests.nudges.test_language import args_of

TOPICS = sorted(help.topics())
ALIASES = sorted(help._ALIASES.items())
BANNED = re.compile(r"compliance|\bscor(e|es|ed|ing)\b|\brank|performance|\bkpis?\b|you failed to")
NO_HELP = "I have no help on"


def every_example() -> list[tuple[str, str]]:
    return [(t.name, example) for t in help.topics().values() for example in t.examples]


def words_of(topic: help.Topic) -> list[str]:
    return [topic.title, *topic.text, *topic.examples, topic.more]


def heading(topic: str) -> str:
    card = help.help_card(topic)
    first = card.blocks[0]
    assert isinstance(first, Heading)
    return first.text


@pytest.mark.parametrize(("topic", "example"), every_example())
def test_every_example_in_help_is_a_command_that_works(topic: str, example: str) -> None:
    try:
        name, _, rest = example.removeprefix("/").partition(" ")
        parse(name, args_of(rest))
    except ParseError as error:
        pytest.fail(f"help {topic}: {example!r} does not parse: {error}")


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_examples(topic: str) -> None:
    assert help.topics()[topic].examples


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_verb_is_mentioned_in_some_help(verb: str) -> None:
    said = re.compile(rf"/nudge {re.escape(verb)}(?![\w-])")
    assert any(
        said.search(line) for t in help.topics().values() for line in (*t.text, *t.examples)
    ), f"no help topic shows /nudge {verb}"


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_help_on_any_verb_finds_a_topic(verb: str) -> None:
    assert NO_HELP not in plain(help.help_card(verb))


@pytest.mark.parametrize("topic", TOPICS)
def test_help_on_a_topic_shows_that_topic(topic: str) -> None:
    card = help.help_card(topic)
    text = plain(card)
    assert heading(topic) == help.topics()[topic].title
    assert card.fallback_text == help.topics()[topic].title
    assert NO_HELP not in text
    for example in help.topics()[topic].examples:
        assert example in text


@pytest.mark.parametrize(("alias", "topic"), ALIASES)
def test_help_on_an_alias_shows_its_topic(alias: str, topic: str) -> None:
    assert topic in help.topics(), f"alias {alias!r} points to a missing topic"
    assert heading(alias) == help.topics()[topic].title
    assert NO_HELP not in plain(help.help_card(alias))


def test_help_with_no_topic_is_the_overview() -> None:
    assert heading("") == help.topics()["overview"].title
    assert NO_HELP not in plain(help.help_card(""))


def test_help_on_a_topic_with_more_words_uses_the_first() -> None:
    """Typing /nudge help create weekdays reaches help as the topic "create weekdays"."""
    assert heading("create weekdays") == help.topics()["create"].title


def test_help_on_an_unknown_topic_says_so_and_shows_the_overview() -> None:
    text = plain(help.help_card("juggling"))
    assert heading("juggling") == help.topics()["overview"].title
    assert "I have no help on 'juggling'." in text
    for example in help.topics()["overview"].examples:
        assert example in text


def test_help_typed_as_a_command_reaches_the_topic() -> None:
    cmd = parse("nudge", args_of("help Snooze"))
    assert isinstance(cmd, Help)
    assert heading(cmd.topic) == help.topics()["settings"].title


def test_the_overview_lists_every_topic() -> None:
    overview = help.topics()["overview"]
    for topic in TOPICS:
        if topic != "overview":
            names = [topic, *(a for a, t in help._ALIASES.items() if t == topic)]
            assert any(name in overview.more for name in names), topic
            assert any(heading(name) == help.topics()[topic].title for name in names)


@pytest.mark.parametrize("topic", TOPICS)
def test_help_uses_none_of_the_words_we_avoid(topic: str) -> None:
    for line in words_of(help.topics()[topic]):
        assert not BANNED.search(line.lower()), line


def test_the_words_we_avoid_would_be_caught() -> None:
    for line in ["Your score", "KPI", "Team ranking", "Compliance", "you failed to check in"]:
        assert BANNED.search(line.lower()), line


def test_the_welcome_ends_with_how_information_is_handled() -> None:
    last = plain(help.welcome_card()).splitlines()[-1]
    assert last == "nudge my data shows what CareNudge holds about you."
    linked = plain(help.welcome_card("https://nudge.trust.nhs.uk/privacy")).splitlines()[-1]
    assert linked == (
        "How your information is handled: https://nudge.trust.nhs.uk/privacy. "
        "nudge my data shows what CareNudge holds about you."
    )
