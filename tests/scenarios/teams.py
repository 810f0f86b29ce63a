"""Helpers for Teams scenarios: the whole app over real HTTP, with activities posted to
``/api/messages`` the way the Bot Connector posts them, and a fake Bot Connector as their
``serviceUrl``."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.teams.settings import TeamsSettings
from bot.app import ENGINE, build_app
from bot.settings import Settings
from nudges.settings import EngineSettings
from tests.fakes import ARRIVAL_S
from tests.fakes.bot_connector import FakeBotConnector, Sent
from tests.fakes.clock import ManualClock

TENANT = "tenant-1"
BOT = "28:carenudge"
TEAM = "19:team-ward7@thread.tacv2"
"""The team the tests' channels are in; its General channel has the team's own id."""
WARD_7 = "19:ward7@thread"
"""The team's #ward-7 channel."""


def teams_activity(
    service_url: str, activity_id: str, user: str, conversation: str = "", kind: str = "personal"
) -> dict[str, Any]:
    """What Teams posts when ``user`` does something in ``conversation`` (their 1:1 chat with
    the bot unless given), short of the activity's type and content.

    In a channel, as Teams really sends it (Microsoft's own test payload, in microsoft/teams.net
    ``core/test/Microsoft.Teams.Bot.Apps.UnitTests/TeamsActivityTests.cs``): the conversation is
    the reply thread (``;messageid=`` its root post, here the activity itself), the channel and
    team are in ``channelData`` by id only, and nothing carries their names."""
    conversation = conversation or f"a:1on1-{user}"
    if kind == "channel":
        channel_data: dict[str, Any] = {
            "teamsChannelId": conversation,
            "teamsTeamId": TEAM,
            "channel": {"id": conversation},
            "team": {"id": TEAM},
            "tenant": {"id": TENANT},
        }
        conversation = f"{conversation};messageid={activity_id}"
    else:
        channel_data = {"tenant": {"id": TENANT}}
    return {
        "id": activity_id,
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {
            "id": user,
            "name": user.split(":")[-1].capitalize(),
            "aadObjectId": f"aad-{user}",
        },
        "recipient": {"id": BOT, "name": "CareNudge"},
        "conversation": {
            "id": conversation,
            "conversationType": kind,
            "tenantId": TENANT,
            **({"isGroup": True} if kind == "channel" else {}),
        },
        "channelData": channel_data,
    }


@dataclass
class TeamsWorld:
    client: TestClient[web.Request, web.Application]
    connector: FakeBotConnector
    clock: ManualClock
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _base(self, user: str, conversation: str, kind: str) -> dict[str, Any]:
        return teams_activity(self.connector.url, f"in-{next(self._ids)}", user, conversation, kind)

    async def post(self, activity: dict[str, Any], *, token: str = "") -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/api/messages", json=activity, headers=headers)
        return response.status

    async def install(self, user: str, tz: str = "Europe/London") -> int:
        activity = self._base(user, f"a:1on1-{user}", "personal")
        activity |= {"type": "installationUpdate", "action": "add", "localTimezone": tz}
        return await self.post(activity)

    async def add_to_team(self, user: str) -> int:
        """``user`` adds CareNudge to the team, as Teams tells a bot (Microsoft's docs, "Members
        added", MicrosoftDocs/msteams-docs ``subscribe-to-conversation-events.md``): a
        conversationUpdate in the General channel, the bot among ``membersAdded``, the team by
        id and name, no channel names."""
        activity = teams_activity(self.connector.url, f"f:{next(self._ids)}", user)
        activity |= {
            "type": "conversationUpdate",
            "membersAdded": [{"id": BOT}],
            "conversation": {"isGroup": True, "conversationType": "channel", "id": TEAM},
            "channelData": {
                "team": {"id": TEAM, "name": "Ward 7"},
                "eventType": "teamMemberAdded",
                "tenant": {"id": TENANT},
            },
        }
        status = await self.post(activity)
        if status == 201:  # acknowledged: wait until #ward-7 is known by name, and reachable
            stores = self.client.app[ENGINE].stores
            keys = stores.people.keys.platform("teams")

            async with asyncio.timeout(ARRIVAL_S):
                # What it waits for is the bot's write to Redis: there is no event to await.
                while not await stores.people.redis.get(  # noqa: ASYNC110
                    keys.channel_named(TENANT, "ward-7")
                ):
                    await asyncio.sleep(0.02)
            await self.until_reachable(WARD_7, True)
        return status

    async def until_reachable(self, conversation: str, reachable: bool) -> None:
        """Until the bot has recorded ``conversation`` as reachable (installed, re-added) or
        not (removed): an activity is acknowledged before it is worked on, so a test that
        fires next waits for this."""
        stores = self.client.app[ENGINE].stores
        key = stores.people.keys.platform("teams").conversation(TENANT, conversation)

        async def recorded() -> bool:
            place = await stores.people.redis.get(key)
            return bool(place) and json.loads(place)["unreachable"] is not reachable

        async with asyncio.timeout(ARRIVAL_S):
            while not await recorded():  # noqa: ASYNC110 - a write to Redis: nothing to await
                await asyncio.sleep(0.02)

    async def say(
        self,
        user: str,
        text: str,
        *,
        channel: str = "",
        mentions: dict[str, str] | None = None,
        tz: str = "",
    ) -> int:
        """``user`` types ``text`` in their 1:1 chat, or in ``channel``. ``mentions`` maps each
        ``<at>Name</at>`` in the text to the user id Teams would send in its entity."""
        if channel:
            activity = self._base(user, channel, "channel")
        else:
            activity = self._base(user, f"a:1on1-{user}", "personal")
        entities = [
            {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": uid, "name": name}}
            for name, uid in (mentions or {}).items()
        ]
        activity |= {"type": "message", "text": text, "entities": entities}
        if tz:
            activity["localTimezone"] = tz
        return await self.post(activity)

    async def answer(self, user: str, saying: str, within_s: float = ARRIVAL_S) -> Sent:
        """The bot's answer in ``user``'s 1:1 chat that says ``saying``, once it has come:
        an activity is acknowledged (201) before it is worked on, so a test that needs its
        effect waits for the answer, not for the acknowledgement."""
        chat = f"a:1on1-{user}"

        def answered(sent: list[Sent]) -> bool:
            return any(
                s.method == "POST" and s.conversation == chat and saying in card_text(s)
                for s in sent
            )

        await self.connector.wait_until(answered, within_s)
        return next(s for s in self.connector.posted(chat) if saying in card_text(s))

    async def press(self, user: str, sent: Sent, title: str) -> int:
        """Press the button called ``title`` on a card the bot sent."""
        card = sent.activity["attachments"][0]["content"]
        actions = [
            a
            for e in card["body"]
            if e["type"] == "ActionSet"
            for a in e["actions"]
            if a["title"] == title
        ]
        assert actions, f"no {title} button"
        kind = "personal" if sent.conversation.startswith("a:") else "channel"
        activity = self._base(user, sent.conversation, kind)
        activity |= {"type": "message", "value": actions[0]["data"], "replyToId": sent.activity_id}
        return await self.post(activity)


async def teams_world(
    redis_url: str,
    clock: ManualClock,
    *,
    app_id: str = "",
    public_url: str | None = None,
    openid_metadata: str = "",
    teams: TeamsSettings | None = None,
    transport: str = "botbuilder",
    connector: FakeBotConnector | None = None,
) -> AsyncIterator[TeamsWorld]:
    """The app on ``redis_url`` with Teams, and a fake Bot Connector (``connector``, started
    and closed by its owner, when a test needs it to outlive one app)."""
    owned = connector is None
    if connector is None:
        connector = FakeBotConnector(channels={TEAM: [(TEAM, None), (WARD_7, "ward-7")]})
        await connector.start()
    settings = Settings(
        redis_url=redis_url,
        engine=EngineSettings(
            default_tz="Europe/London", admins=frozenset({"teams:tenant-1:29:ada"})
        ),
        teams=teams
        or (
            TeamsSettings(app_id=app_id, openid_metadata=openid_metadata, transport=transport)
            if openid_metadata
            else TeamsSettings(app_id=app_id, transport=transport)
        ),
        public_url=public_url,
    )
    server = TestServer(build_app(settings, clock=clock), host="127.0.0.1", port=0)
    async with TestClient(server) as client:
        yield TeamsWorld(client, connector, clock)
    if owned:
        await connector.close()
    # Every scenario checks this: a person is never shown an id where a name should be.
    shown = {card_text(s): raw_ids(s) for s in connector.sent if raw_ids(s)}
    assert not shown, f"a person was shown a raw Teams id: {shown}"


RAW_ID = re.compile(r"(?<![\w:])(?:(?:19|28|29|8):|a:)(?=[\w@.;=-]*[A-Za-z])[\w@.;=-]+")
"""A Teams user (``29:``, ``8:orgid:``), bot (``28:``), channel or chat (``19:``) or personal
chat (``a:``) id; ``19:00`` is a time, not an id."""
OWN_ID = "Your id, should an admin need it for CARENUDGE\\_ADMINS:"
"""The one place a person is shown an id: their own, on their settings card, for an admin."""
SHOWN_KEYS = frozenset(
    {"text", "title", "value", "placeholder", "label", "fallbackText", "summary"}
)


def raw_ids(sent: Sent) -> list[str]:
    """Every raw Teams id in what a person reads of ``sent`` (its text, its card, its form),
    short of their own id on their own settings card and their own data export (a Code block)."""
    found: list[str] = []

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            if node.get("fontType") == "Monospace":  # their own data, which they asked for
                return
            for k, v in node.items():
                if k not in ("data", "entities", "id", "mentioned", "channelData"):
                    walk(v, k)
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key in SHOWN_KEYS and not node.startswith(OWN_ID):
            found.extend(RAW_ID.findall(node))

    walk({k: v for k, v in sent.activity.items() if k not in ("from", "recipient", "conversation")})
    return found


def card_text(sent: Sent) -> str:
    """What a person reads on a card the bot sent."""
    card = sent.activity["attachments"][0]["content"]
    parts: list[str] = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            parts.append(element["text"])
        elif element["type"] == "FactSet":
            parts.extend(f"{f['title']}: {f['value']}" for f in element["facts"])
        elif element["type"] == "ActionSet":
            parts.append(" ".join(f"[{a['title']}]" for a in element["actions"]))
    return "\n".join(parts)


async def submit_form(
    world: TeamsWorld, user: str, sent: Sent, title: str, answers: dict[str, Any]
) -> int:
    """Fill in a form card the bot sent and press its ``title`` button."""
    card = sent.activity["attachments"][0]["content"]
    actions = [
        a
        for e in card["body"]
        if e["type"] == "ActionSet"
        for a in e["actions"]
        if a["title"] == title
    ]
    assert actions, f"no {title} button"
    activity = world._base(user, sent.conversation, "personal")
    activity |= {
        "type": "message",
        "value": {**actions[0]["data"], **answers},
        "replyToId": sent.activity_id,
    }
    return await world.post(activity)
