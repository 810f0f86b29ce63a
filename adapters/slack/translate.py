"""Slack payloads into engine events: ``from_command`` and ``from_action``. Pure.

Slash command text arrives with Slack's escaping when the command has ``should_escape``
(see slack-manifest.yml): ``<@U123|sam>`` for a person, ``<#C123|ward-7>`` for a channel,
``<!here>`` for a broadcast. People and channels become ``Mention`` and ``ChannelRef``;
broadcasts become plain text, so they can never ping anyone.

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
    MemberRef,
    Mention,
    MessageRef,
    tokenize,
)

PLATFORM = "slack"
_MARKUP = re.compile(r"<([@#!])([^>|]*)(?:\|([^>]*))?>")


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
    """Command words, with Slack's markup for people and channels resolved."""
    found: list[Arg] = []
    position = 0
    for match in _MARKUP.finditer(text):
        found.extend(tokenize(text[position : match.start()]))
        kind, ident, label = match.group(1), match.group(2), match.group(3) or ""
        if kind == "@" and ident:
            found.append(Mention(MemberRef(PLATFORM, team, ident), label or ident))
        elif kind == "#" and ident:
            found.append(ChannelRef(Conversation(PLATFORM, team, ident), label or ident))
        else:
            found.append(f"@{label or ident.split('^')[0]}")  # <!here> and friends: text only
        position = match.end()
    found.extend(tokenize(text[position:]))
    return found
