"""Slash command text as Slack sends it, read back as the person typed it, and shown once.

The fixtures are in the shapes Slack documents for text it sends with ``should_escape`` on:
"Formatting text for app surfaces" (https://api.slack.com/reference/surfaces/formatting) for
the escapes and the ``<…>`` sequences, with and without labels; "Enabling interactivity with
Slash commands" (https://api.slack.com/interactivity/slash-commands), "Escape channels, users,
and links sent to your app", for which of them a command's text carries; and the legacy
"Message Formatting" page (https://api.slack.com/docs/formatting) for a typed www.foo.com
arriving as ``<http://www.foo.com|www.foo.com>``.
"""

from __future__ import annotations

import json

import pytest

from adapters.console.render import to_lines
from adapters.slack.render import inline, to_block_kit
from adapters.slack.translate import UNNAMED_GROUP, args_of
from adapters.teams.render import to_adaptive_card
from nudges.cards import Card, Link, Mention, Text
from nudges.commands import GiveShoutout
from nudges.events import Arg
from nudges.language import parse
from nudges.model import ChannelRef, Conversation, MemberRef

TEAM = "T1"


def person(user_id: str, name: str) -> Mention:
    return Mention(MemberRef("slack", TEAM, user_id), name)


def channel(channel_id: str, name: str) -> ChannelRef:
    return ChannelRef(Conversation("slack", TEAM, channel_id), name)


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        # People, with the label Slack adds and without it.
        ("<@U024BE7LH|bob>", [person("U024BE7LH", "bob")]),
        ("<@U024BE7LH>", [person("U024BE7LH", "U024BE7LH")]),
        ("<@W0123ABCD|sam>", [person("W0123ABCD", "sam")]),  # an Enterprise Grid user
        # Channels, likewise.
        ("<#C024BE7LR|general>", [channel("C024BE7LR", "general")]),
        ("<#C024BE7LR>", [channel("C024BE7LR", "C024BE7LR")]),
        # Links: typed as a whole address, typed without its scheme, given words, mail.
        (
            "<https://example.org/rota>",
            [Link("https://example.org/rota", "https://example.org/rota")],
        ),
        ("<http://www.foo.com|www.foo.com>", [Link("http://www.foo.com", "www.foo.com")]),
        ("<https://example.org|example>", [Link("https://example.org", "example")]),
        (
            "<mailto:bob@example.com|bob@example.com>",
            [Link("mailto:bob@example.com", "bob@example.com")],
        ),
        ("<mailto:bob@example.com>", [Link("mailto:bob@example.com", "bob@example.com")]),
        (
            "<https://x.org/?a=1&amp;b=2>",
            [Link("https://x.org/?a=1&b=2", "https://x.org/?a=1&b=2")],
        ),
        # Broadcasts and user groups: the words Slack shows for them, as plain text.
        ("<!here>", ["@here"]),
        ("<!here|@here>", ["@here"]),
        ("<!channel>", ["@channel"]),
        ("<!everyone>", ["@everyone"]),
        ("<!subteam^SAZ94GDB8|@nurses>", ["@nurses"]),
        ("<!subteam^SAZ94GDB8>", [UNNAMED_GROUP]),
        ("<!date^1392734382^{date_num}|2014-02-18>", ["2014-02-18"]),
        # Slack's three escapes, undone once; emoji stay as typed, for Slack to draw.
        ("A&amp;E", ["A&E"]),
        ("&lt;3 &gt;", ["<3", ">"]),
        ("&amp;lt;", ["&lt;"]),  # someone typed "&lt;": it stays what they typed
        ("&lt;!here&gt;", ["<!here>"]),  # someone typed "<!here>": text, never markup
        (":heart: :raised_hands::skin-tone-3:", [":heart:", ":raised_hands::skin-tone-3:"]),
        # Markup inside words, and words after it.
        ("<!subteam^S1|@nurses>'s", ["@nurses's"]),
        ("see <https://x.org|the guide>.", ["see", Link("https://x.org", "the guide"), "."]),
        # A kind of link we keep no address for: its words.
        ("<slack://channel?id=C1&amp;team=T1|the huddle>", ["the", "huddle"]),
    ],
)
def test_command_text_is_read_as_it_was_typed(sent: str, read: list[Arg]) -> None:
    assert args_of(sent, TEAM) == read


SENT = (
    "<@USAM|sam> &amp; <@UJO> for holding A&amp;E together &lt;3, with "
    "<!subteam^S123|@nurses> :heart: see <https://example.org/rota?w=49&amp;d=7|the rota>. "
    "<!here> <!channel> <!everyone> <!subteam^S9> &lt;!channel&gt; <mailto:a@b.org>"
)


def shoutout_of(sent: str) -> GiveShoutout:
    command = parse("shoutout", args_of(sent, TEAM))
    assert isinstance(command, GiveShoutout)
    return command


def test_a_shoutout_reads_as_typed_and_is_shown_once_escaped_pinging_only_its_people() -> None:
    command = shoutout_of(SENT)
    assert command.recipients == (person("USAM", "sam"), person("UJO", "UJO"))
    shown = inline(command.words)
    assert shown == (
        "for holding A&amp;E together &lt;3, with @nurses :heart: see "
        "<https://example.org/rota?w=49&amp;d=7|the rota>. @here @channel @everyone "
        f"{UNNAMED_GROUP} &lt;!channel&gt; <mailto:a@b.org|a@b.org>"
    )
    rendered = json.dumps(to_block_kit(Card((Text(command.words),), "x")))
    for ping in ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "&amp;amp;", "@@"):
        assert ping not in rendered


def test_punctuation_typed_against_a_person_or_a_link_stays_against_it() -> None:
    words = shoutout_of(
        "<@USAM|sam> for showing <@UJO|jo>, step by step (see <https://x.org|the guide>)!"
    ).words
    assert inline(words) == "for showing <@UJO>, step by step (see <https://x.org|the guide>)!"


def test_a_link_typed_in_slack_reads_sensibly_in_teams_and_the_console() -> None:
    words = shoutout_of("<@USAM|sam> for the new <https://example.org/rota|rota>, A&amp;E").words
    card = Card((Text(words),), "x")
    [block] = to_adaptive_card(card)["body"]
    assert block["text"] == "for the new [rota](https://example.org/rota), A&E"
    assert to_lines(card, lambda i: i) == ["for the new rota <https://example.org/rota>, A&E"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "@U999", "!here", "https://x.org/a b"])
def test_only_a_web_or_mail_address_is_ever_made_a_link(url: str) -> None:
    parts = ("see ", Link(url, "the <!here> guide"))
    assert inline(parts) == "see the &lt;!here&gt; guide"
    [block] = to_adaptive_card(Card((Text(parts),), "x"))["body"]
    assert "](" not in block["text"]
