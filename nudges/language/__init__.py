"""The one command language: the words people type after /nudge in Slack, in a Teams chat, or
in the sandbox, parsed into ``nudges.commands``.

``parse`` raises only ``ParseError``, whose message says what was wrong and shows a correct
example. Adapters split raw text with ``tokenize`` after turning platform mentions into
``Mention`` and ``ChannelRef`` values.
"""

from __future__ import annotations

from collections.abc import Sequence

from nudges.commands import Command, Help
from nudges.errors import ParseError
from nudges.events import Arg
from nudges.language.recognition import parse_pause, parse_shoutout
from nudges.language.verbs import VERBS
from nudges.language.words import Words, clean, short, tokenize

__all__ = ["VERBS", "clean", "parse", "tokenize"]

MAX_ARGS = 200


def parse(name: str, args: Sequence[Arg]) -> Command:
    """Parse one command.

    Args:
        name: The command word without its slash: "nudge", "shoutout" or "pause".
        args: The words after it, with mentions and channels already resolved.

    Raises:
        ParseError: The words don't make a command; the message shows a correct one.
    """
    name = name.strip().lstrip("/").lower()
    if len(args) > MAX_ARGS:
        raise ParseError("That command is too long for me to read.", f"/{short(name)} help")
    words = Words(args)
    if name in ("shoutout", "shout-out", "kudos"):
        return parse_shoutout(words)
    if name == "pause":
        return parse_pause(words)
    if name != "nudge":
        raise ParseError(f"I don't know the command '{short(name)}'.", "/nudge help")
    if words.done():
        return Help()
    verb = words.take_word().lower()
    handler = VERBS.get(verb)
    if handler is None:
        raise ParseError(
            f"I don't know '/nudge {short(verb)}'.",
            "/nudge help",
        )
    return handler(words)
