"""Slack payloads into engine events: ``from_command`` and ``from_action``. Pure.

Slash command text arrives with Slack's escaping when the command has ``should_escape``
(see slack-manifest.yml): ``<@U123|sam>`` for a person, ``<#C123|ward-7>`` for a channel,
``<https://example.org|example>`` for a link, ``<!here>`` for a broadcast and
``<!subteam^S123|@nurses>`` for a user group, and every other ``&``, ``<`` and ``>`` as
``&amp;``, ``&lt;`` and ``&gt;``. People, channels and links become ``Mention``,
``ChannelRef`` and ``Link``; broadcasts and user groups become the plain text Slack shows for
them ("@here", "@nurses"), so they can never ping anyone; everything else becomes the text
the person typed, its escaping undone once (``render`` escapes it once on the way out).

Who someone is (``MemberRef.tenant_id``) is decided by the installation that handles the
request, never by the payload's team fields, which differ between commands, buttons and views
in shared channels and Enterprise Grid (see ``tenant_of``). Slack's user ids are unique
across Slack, so one person is one ``MemberRef`` whichever way they reach CareNudge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from adapters.slack.render import verb_of
from nudges.edge import (
    Action,
    ActionInvoked,
    Arg,
    ChannelRef,
    CommandInvoked,
    Conversation,
    ConversationKind,
    Link,
    MemberRef,
    Mention,
    MessageRef,
    clean,
    tokenize,
)

PLATFORM = "slack"
# Slack's control sequences and escapes, as "Formatting text for app surfaces" gives them
# (https://api.slack.com/reference/surfaces/formatting): ``<target>`` or ``<target|label>``,
# where the target is @ a person, # a channel, ! a special mention, or else an address.
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_ESCAPES = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}
_ADDRESS = re.compile(r"(?:https?://|mailto:)[^\s<>|\x00-\x1f\x7f]+", re.IGNORECASE)
_BROADCASTS = ("here", "channel", "everyone", "group")
UNNAMED_GROUP = "@group"
"""A user group Slack sent without its handle: its name is not ours to look up."""


def tenant_of(enterprise_id: str | None, team_id: str | None, *, oauth: bool) -> str:
    """The tenant of everyone and everything an installation serves, from the installation's
    own ids (Bolt's ``authorize_result``).

    With OAuth: the Enterprise Grid org (``E…``) when the installation is in one, whether it
    was installed org-wide or workspace by workspace, so a person's settings follow them
    across the org's workspaces; outside Grid, the workspace (``T…``). With one bot token (one
    workspace): the workspace, as CareNudge has always keyed it, so nothing kept before a Grid
    org's single-token install changes hands; an org-wide token has only its org.
    """
    first, second = (enterprise_id, team_id) if oauth else (team_id, enterprise_id)
    return str(first or second or "")


def from_command(payload: Mapping[str, Any], tenant: str) -> CommandInvoked:
    team = tenant
    name = str(payload.get("command", "/nudge")).lstrip("/")
    return CommandInvoked(
        name=name,
        args=tuple(args_of(str(payload.get("text", "")), team)),
        actor=MemberRef(PLATFORM, team, str(payload.get("user_id", ""))),
        actor_name=str(payload.get("user_name", "")),
        conversation=conversation(
            team, str(payload.get("channel_id", "")), str(payload.get("channel_name", ""))
        ),
        conversation_name=_channel_name(str(payload.get("channel_name", ""))),
    )


def from_action(
    body: Mapping[str, Any], action: Mapping[str, Any], tenant: str
) -> ActionInvoked | None:
    """The button press, or None if it is not one of ours."""
    verb = verb_of(str(action.get("action_id", "")))
    if verb not in Action.__members__.values():
        return None
    team = tenant
    user = body.get("user") or {}
    channel = body.get("channel") or {}
    container = body.get("container") or {}
    where = conversation(
        team,
        str(channel.get("id") or container.get("channel_id", "")),
        str(channel.get("name", "")),
    )
    message_ts = container.get("message_ts")
    return ActionInvoked(
        action=Action(verb),
        value=str(action.get("value", "")),
        actor=MemberRef(PLATFORM, team, str(user.get("id", ""))),
        actor_name=str(user.get("username") or user.get("name") or ""),
        conversation=where,
        message=MessageRef(where, str(message_ts)) if message_ts else None,
    )


def conversation(team: str, channel_id: str, channel_name: str = "") -> Conversation:
    if channel_id.startswith("D") or channel_name == "directmessage":
        kind = ConversationKind.DIRECT
    elif channel_name.startswith("mpdm-"):
        kind = ConversationKind.GROUP
    else:
        kind = ConversationKind.CHANNEL
    return Conversation(PLATFORM, team, channel_id, kind)


def _channel_name(name: str) -> str:
    return "" if name in ("directmessage", "privategroup") else name


def args_of(text: str, team: str) -> list[Arg]:
    """Command words as the person typed them: Slack's markup for people, channels and links
    resolved, broadcasts and user groups made plain text, and ``&amp;``, ``&lt;`` and ``&gt;``
    undone once (so "A&amp;E" is "A&E", and a typed "&amp;lt;" stays "&lt;")."""
    found: list[Arg] = []
    plain: list[str] = []  # text since the last person, channel or link, still to be split
    position = 0
    for match in _MARKUP.finditer(text):
        plain.append(unescape(text[position : match.start()]))
        position = match.end()
        word = _resolved(match.group(1), match.group(2), team)
        if isinstance(word, str):
            plain.append(word)  # "@nurses's", as typed: text joins the text around it
            continue
        found.extend(tokenize("".join(plain)))
        plain = []
        found.append(word)
    plain.append(unescape(text[position:]))
    found.extend(tokenize("".join(plain)))
    return found


def unescape(text: str) -> str:
    """Slack's three escapes undone, each once."""
    return _ESCAPES.sub(lambda m: _UNESCAPED[m.group(1)], text)


def _resolved(target: str, label: str | None, team: str) -> Arg:
    """One ``<target|label>``: a person, a channel, a link, or the text Slack shows for it."""
    shown = clean(unescape(label or "")).strip()
    kind, ident = target[:1], target[1:]
    if kind == "@" and ident:
        return Mention(MemberRef(PLATFORM, team, ident), shown or ident)
    if kind == "#" and ident:
        return ChannelRef(Conversation(PLATFORM, team, ident), shown or ident)
    if kind == "!":
        name = ident.split("^", 1)[0]
        if name == "subteam":  # <!subteam^S123|@nurses>: the group's handle, never a ping
            return "@" + shown.lstrip("@") if shown.lstrip("@") else UNNAMED_GROUP
        if name in _BROADCASTS:  # <!here>, <!here|@here>: what it says, never a ping
            return f"@{name}"
        return shown or name  # <!date^…|fallback>: the text Slack would show
    address = unescape(target)
    if _ADDRESS.fullmatch(address):
        return Link(address, shown or address.removeprefix("mailto:"))
    return shown or clean(address)  # a kind of link we don't keep: its words, as text
