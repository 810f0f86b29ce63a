"""Teams activities into engine events, and into our own records. Pure.

Commands are the same words as in Slack, typed in any chat with the bot (with or without a
leading slash, and after an @mention of the bot in a channel or group chat). Mentions arrive as
``<at>Name</at>`` with a matching entity; they become ``Mention`` values.
"""

from __future__ import annotations

import html
import re
from typing import Any

from adapters.teams.records import Place
from adapters.teams.render import submitted
from nudges.edge import (
    Action,
    ActionInvoked,
    Arg,
    CommandInvoked,
    Conversation,
    ConversationKind,
    MemberRef,
    Mention,
    MessageRef,
    tokenize,
)

PLATFORM = "teams"
COMMANDS = ("nudge", "shoutout", "pause")
_AT = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_KINDS = {"personal": ConversationKind.DIRECT, "groupChat": ConversationKind.GROUP}


def tenant_of(activity: Any) -> str:
    data = activity.channel_data or {}
    return str((data.get("tenant") or {}).get("id") or activity.conversation.tenant_id or "")


def conversation_id(activity: Any) -> str:
    """The conversation CareNudge keys on. In a channel, Teams sends the reply thread
    (``19:…@thread.tacv2;messageid=…``) as the conversation's id and the channel itself in
    ``channelData.channel.id``: a channel is one conversation, whatever thread it is typed in."""
    whole = str(activity.conversation.id or "")
    if str(activity.conversation.conversation_type or "") != "channel":
        return whole
    data = activity.channel_data or {}
    channel = str((data.get("channel") or {}).get("id") or data.get("teamsChannelId") or "")
    return channel or whole.split(";messageid=", 1)[0]


def team_id(activity: Any) -> str:
    data = activity.channel_data or {}
    return str((data.get("team") or {}).get("id") or data.get("teamsTeamId") or "")


def conversation_of(activity: Any) -> Conversation:
    kind = _KINDS.get(
        str(activity.conversation.conversation_type or "personal"), ConversationKind.CHANNEL
    )
    return Conversation(PLATFORM, tenant_of(activity), conversation_id(activity), kind)


def member_of(activity: Any) -> MemberRef:
    return MemberRef(PLATFORM, tenant_of(activity), str(activity.from_property.id))


def place_of(activity: Any) -> Place:
    """Where this activity came from, to write back to it later: in a channel, the channel
    itself (a new post there), not the thread it was typed in."""
    return Place(
        service_url=str(activity.service_url),
        tenant_id=tenant_of(activity),
        bot_id=str(activity.recipient.id),
        conversation_id=conversation_id(activity),
        kind=str(activity.conversation.conversation_type or "personal"),
        user_id=str(activity.from_property.id),
        aad_object_id=str(activity.from_property.aad_object_id or ""),
        team_id=team_id(activity),
    )


def thread_of(activity: Any) -> str:
    """The conversation to answer an activity in: the thread it was typed in, in a channel."""
    return str(activity.conversation.id or "")


def channel_name(activity: Any) -> str:
    """The channel's name, when the activity carries it (channel events do; messages don't)."""
    data = activity.channel_data or {}
    return str((data.get("channel") or {}).get("name") or "")


def entities(activity: Any) -> list[dict[str, Any]]:
    """The activity's entities as Teams sent them (``type``, ``mentioned``, ``timezone``…):
    the Bot Framework SDK keeps all but the type in ``additional_properties``, the Agents SDK
    has a pydantic model for each kind."""
    found: list[dict[str, Any]] = []
    for entity in activity.entities or []:
        if hasattr(entity, "model_dump"):
            found.append(entity.model_dump(mode="json", by_alias=True, exclude_none=True))
        else:
            found.append({**(entity.additional_properties or {}), "type": entity.type})
    return found


def mentioned(activity: Any) -> list[tuple[str, str, str]]:
    """(tag text, user id, name) of each person mentioned, except the bot itself."""
    found = []
    for entity in entities(activity):
        if entity.get("type") != "mention":
            continue
        who = entity.get("mentioned") or {}
        if who.get("id") and who.get("id") != activity.recipient.id:
            found.append((str(entity.get("text", "")), str(who["id"]), str(who.get("name", ""))))
    return found


def from_message(activity: Any) -> CommandInvoked | None:
    """The command typed in a message, or None if the message is not a command."""
    text = str(activity.text or "")
    args = [*_with_mentions(text, mentioned(activity), tenant_of(activity))]
    if not args or not isinstance(args[0], str) or args[0].lstrip("/").lower() not in COMMANDS:
        return None
    return CommandInvoked(
        name=args[0].lstrip("/").lower(),
        args=tuple(args[1:]),
        actor=member_of(activity),
        actor_name=str(activity.from_property.name or ""),
        conversation=conversation_of(activity),
        conversation_name=channel_name(activity),
    )


def from_submit(activity: Any) -> ActionInvoked | None:
    """A button press on one of our cards (Action.Submit), or None."""
    pressed = submitted(activity.value)
    if pressed is None or pressed[0] not in Action.__members__.values():
        return None
    where = conversation_of(activity)
    return ActionInvoked(
        action=Action(pressed[0]),
        value=pressed[1],
        actor=member_of(activity),
        actor_name=str(activity.from_property.name or ""),
        conversation=where,
        message=MessageRef(where, str(activity.reply_to_id)) if activity.reply_to_id else None,
    )


def _with_mentions(text: str, people: list[tuple[str, str, str]], tenant: str) -> list[Arg]:
    """The words of ``text``, with each ``<at>…</at>`` of a person mentioned as a Mention.

    As Teams sends them: one person may come as several tags side by side, each with an entity
    of its own sharing the person's id ("<at>Megan</at> <at>Bowen</at>", microsoft/
    botframework-sdk#6617): they are one person, named by the parts together. A tag and its
    entity are compared as text, HTML entities read on both sides ("O&#39;Brien" in the text,
    "O'Brien" in the entity). The bot's own mention, and tags with no entity, are dropped."""
    by_tag = {_tag(tag): (user_id, name) for tag, user_id, name in people}
    found = list(_AT.finditer(text))
    args: list[Arg] = []
    position, i = 0, 0
    while i < len(found):
        match = found[i]
        args.extend(_words(text[position : match.start()]))
        position, i = match.end(), i + 1
        person = by_tag.get(_tag(match.group(0)))
        if person is None:
            continue
        names = [person[1] or _inner(match.group(0))]
        while i < len(found) and not _between(text, position, found[i].start()):
            more = by_tag.get(_tag(found[i].group(0)))
            if more is None or more[0] != person[0]:
                break
            names.append(more[1] or _inner(found[i].group(0)))
            position, i = found[i].end(), i + 1
        args.append(Mention(MemberRef(PLATFORM, tenant, person[0]), " ".join(names)))
    args.extend(_words(text[position:]))
    return args


def _tag(tag: str) -> str:
    return " ".join(html.unescape(tag).replace("\xa0", " ").split()).casefold()


def _inner(tag: str) -> str:
    return html.unescape(_TAG.sub("", tag)).strip()


def _between(text: str, start: int, end: int) -> str:
    """What stands between two tags, other than spaces."""
    return html.unescape(text[start:end]).replace("\xa0", " ").strip()


def _words(fragment: str) -> list[str]:
    return tokenize(html.unescape(_TAG.sub(" ", fragment)).replace("\xa0", " "))
