"""``/nudge help``: topics and examples, kept as data in ``help.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nudges.cards import Block, Card, ContextLine, Heading, Inline, Link, Text

_ALIASES = {
    "": "overview",
    "help": "overview",
    "?": "overview",
    "new": "create",
    "add": "create",
    "change": "edit",
    "ls": "list",
    "show": "list",
    "pause": "thepause",  # the Pause; its page points to pausing a cadence
    "data": "privacy",
    "my": "privacy",
    "forget": "privacy",
    "erase": "privacy",
    "export": "privacy",
    "resume": "list",
    "delete": "list",
    "remove": "list",
    "restore": "list",
    "undo": "list",
    "theme": "themes",
    "behaviours": "themes",
    "prompt": "prompts",
    "me": "settings",
    "tz": "settings",
    "timezone": "settings",
    "quiet": "settings",
    "snooze": "settings",
    "stop": "settings",
    "start": "settings",
    "shift": "settings",
    "budget": "settings",
    "days": "settings",
    "team": "teams",
    "join": "teams",
    "leave": "teams",
    "manager": "managers",
    "admin": "managers",
    "admins": "managers",
    "shoutouts": "shoutout",
    "shout-out": "shoutout",
    "kudos": "shoutout",
    "recognition": "shoutout",
    "unseen": "shoutout",
    "the pause": "thepause",
    "a pause": "thepause",
    "silence": "thepause",
}


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    title: str
    text: tuple[str, ...]
    examples: tuple[str, ...]
    more: str


@cache
def topics() -> dict[str, Topic]:
    raw = resources.files("nudges").joinpath("help.toml").read_text(encoding="utf-8")
    return {
        name: Topic(name, t["title"], tuple(t["text"]), tuple(t["examples"]), t.get("more", ""))
        for name, t in tomllib.loads(raw)["topic"].items()
    }


def help_card(topic: str) -> Card:
    topic = " ".join(topic.split())
    name = _ALIASES.get(topic, topic.split(" ")[0] if topic else "overview")
    found = topics().get(_ALIASES.get(name, name))
    if found is None:
        found = topics()["overview"]
        intro: tuple[Block, ...] = (Text((f"I have no help on '{topic}'.",)),)
    else:
        intro = ()
    blocks: list[Block] = [Heading(found.title), *intro]
    blocks.extend(Text((line,)) for line in found.text)
    blocks.append(Text(("Examples:",)))
    blocks.extend(Text((f"  {example}",)) for example in found.examples)
    if found.more:
        blocks.append(ContextLine((found.more,)))
    return Card(tuple(blocks), found.title)


def welcome_card(privacy_url: str | None = None) -> Card:
    """The greeting when someone adds CareNudge: what it does, what it never does, how to
    snooze or stop it, and how their information is handled (with a link to ``privacy_url``,
    the privacy page, when CareNudge has a public address)."""
    raw = resources.files("nudges").joinpath("help.toml").read_text(encoding="utf-8")
    table = tomllib.loads(raw)["welcome"]
    blocks: list[Block] = [Heading(table["title"])]
    blocks.extend(Text((line,)) for line in table["text"])
    blocks.append(Text(("Try: " + ", ".join(table["examples"]),)))
    blocks.append(ContextLine((table["more"],)))
    data: tuple[Inline, ...] = (table["data"],)
    if privacy_url:
        data = (table["privacy"], Link(privacy_url, privacy_url), ". ", *data)
    blocks.append(ContextLine(data))
    return Card(tuple(blocks), table["title"])
