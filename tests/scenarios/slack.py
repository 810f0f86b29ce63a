"""Helpers for Slack scenarios: the whole app over real HTTP, signed like Slack signs."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

from adapters.slack.settings import SlackSettings
from bot.app import build_app
from bot.settings import Settings
from nudges.settings import EngineSettings, Secret
from tests.fakes.clock import ManualClock, WallClock
from tests.fakes.slack_api import FakeSlackApi

SECRET = "test-signing-secret"
TEAM = "T1"
SHAPES = Path(__file__).parents[1] / "fixtures" / "slack"
CADENCE_ANSWERS = {
    "channel": {"type": "conversations_select", "selected_conversation": "C0WARD7"},
    "days": {"type": "checkboxes", "selected_options": [{"value": "mon"}, {"value": "wed"}]},
    "times": {"type": "plain_text_input", "value": "13:00"},
    "tz": {"type": "plain_text_input", "value": "Europe/London"},
    "theme": {"type": "static_select", "selected_option": {"value": "attending"}},
}
"""The cadence form's answers, as Slack sends them in a view's state: Mon and Wed at 13:00 in
#ward-7."""


def shape(name: str) -> dict[str, Any]:
    """A request body in Slack's own shape (tests/fixtures/slack, with where each came from)."""
    found: dict[str, Any] = json.loads((SHAPES / f"{name}.json").read_text())
    return found


@dataclass
class SlackWorld:
    client: TestClient[web.Request, web.Application]
    api: FakeSlackApi
    clock: ManualClock | WallClock
    """Set by hand; or the wall clock, for what must really wait (a 429's Retry-After)."""
    triggers: int = 0

    async def post(
        self,
        body: str,
        *,
        secret: str = SECRET,
        age_s: int = 0,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> tuple[int, str]:
        stamp = str(int(time.time()) - age_s)
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        assert signature is not None
        response = await self.client.post(
            "/slack/events",
            data=body.encode(),
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature,
            },
        )
        return response.status, await response.text()

    async def command(
        self,
        user: str,
        text: str,
        *,
        command: str = "/nudge",
        channel: str = "C0WARD7",
        channel_name: str = "ward-7",
        team: str = TEAM,
    ) -> int:
        return await self.send_command(
            shape("command")
            | {
                "team_id": team,
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": user.lower(),
                "command": command,
                "text": text,
            }
        )

    async def command_in(self, team: str, user: str, text: str) -> int:
        return await self.command(user, text, team=team)

    async def send_command(self, payload: dict[str, Any]) -> int:
        """A slash command in a shape from tests/fixtures/slack, answered at a fresh
        response_url, with a fresh trigger."""
        self.triggers += 1
        payload = payload | {
            "response_url": self.api.response_url(f"r{self.triggers}"),
            "trigger_id": f"trigger.{self.triggers}",
        }
        status, _ = await self.post(urlencode(payload))
        return status

    async def send_interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        """A button press or form submission in a shape from tests/fixtures/slack."""
        self.triggers += 1
        payload = payload | {"trigger_id": f"trigger.{self.triggers}"}
        if "response_url" in payload:
            payload["response_url"] = self.api.response_url(f"r{self.triggers}")
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    async def send_event(self, payload: dict[str, Any]) -> int:
        status, _ = await self.post(json.dumps(payload), content_type="application/json")
        return status

    async def install(self) -> int:
        """Install CareNudge as an admin does, through /slack/install and Slack's consent page
        (which answers oauth.v2.access with ``api.oauth_answer``)."""
        page = await self.client.get("/slack/install")
        link = re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', await page.text())
        assert link is not None
        state = parse_qs(urlsplit(unescape(link.group(1))).query)["state"][0]
        # Bolt ties the state to this browser with a Secure cookie; send it back as a browser
        # on HTTPS would (the test client speaks plain HTTP on loopback).
        cookie = {"Cookie": f"slack-app-oauth-state={page.cookies['slack-app-oauth-state'].value}"}
        done = await self.client.get(
            f"/slack/oauth_redirect?code=the-code&state={state}", headers=cookie
        )
        return done.status

    async def press(
        self,
        user: str,
        message: dict[str, Any],
        label: str,
        *,
        channel: str | None = None,
        ephemeral: bool = False,
        team: str = TEAM,
    ) -> int:
        """Press the button called ``label`` on a message the fake recorded (``ephemeral``: one
        only the presser saw, as Slack marks it in the payload's container)."""
        buttons = [
            e
            for b in message["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["text"]["text"] == label
        ]
        assert buttons, f"no {label} button"
        where = channel or str(message["channel"])
        ts = str(message.get("ts", "1.1"))
        payload = shape("block_actions")
        payload |= {
            "team": payload["team"] | {"id": team},
            "user": payload["user"] | {"id": user, "username": user.lower(), "team_id": team},
            "container": payload["container"]
            | {"message_ts": ts, "channel_id": where, "is_ephemeral": ephemeral},
            "channel": {"id": where, "name": "directmessage" if where.startswith("D") else "x"},
            "actions": [{**buttons[0], "block_id": "b", "action_ts": str(time.time())}],
        }
        if ephemeral:  # Slack sends no copy of a message only the presser saw
            del payload["message"]
        else:
            payload["message"] |= {
                "ts": ts,
                "text": message.get("text", ""),
                "blocks": message["blocks"],
            }
        status, _ = await self.send_interaction(payload)
        return status


SECRET_KEY = "k4p1bJj5o0S5XJ6oGq1l7b8Qm0eT2yV3wZ9aC6dF8hE="
"""CARENUDGE_SECRET_KEY of the OAuth worlds (a Fernet key made for these tests)."""


async def slack_world(
    redis_url: str,
    clock: ManualClock | WallClock,
    *,
    oauth: bool = False,
    secret_key: str = SECRET_KEY,
    admins: frozenset[str] = frozenset({"slack:UADA"}),
) -> AsyncIterator[SlackWorld]:
    api = FakeSlackApi(team_id=TEAM)
    await api.start()
    if oauth:
        slack = SlackSettings(
            signing_secret=Secret(SECRET),
            client_id="111.222",
            client_secret=Secret("client-secret"),
            secret_key=Secret(secret_key),
            api_url=api.api_url,
        )
    else:
        slack = SlackSettings(
            signing_secret=Secret(SECRET), bot_token=Secret("xoxb-test"), api_url=api.api_url
        )
    settings = Settings(
        redis_url=redis_url,
        engine=EngineSettings(default_tz="Europe/London", admins=admins),
        slack=slack,
    )
    server = TestServer(build_app(settings, clock=clock), host="127.0.0.1", port=0)
    async with TestClient(server) as client:
        yield SlackWorld(client, api, clock)
    await api.close()


def texts(message: dict[str, Any]) -> str:
    """Everything a person would read in a recorded message or response."""
    parts = [str(message.get("text", ""))]
    for block in message.get("blocks", []):
        for key in ("text",):
            if isinstance(block.get(key), dict):
                parts.append(block[key]["text"])
        parts.extend(f["text"] for f in block.get("fields", []))
        if block["type"] == "rich_text":  # preformatted text: its runs of text, as they are
            parts.extend(t["text"] for e in block["elements"] for t in e["elements"])
            continue
        parts.extend(
            e.get("text", "") if isinstance(e.get("text"), str) else e["text"]["text"]
            for e in block.get("elements", [])
        )
    return "\n".join(parts)


async def open_home(world: SlackWorld, user: str, event_id: str) -> int:
    body = shape("app_home_opened")
    body |= {
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": body["event"]
        | {"user": user, "channel": f"D{user}", "event_ts": str(time.time())},
    }
    return await world.send_event(body)


async def press_on_home(world: SlackWorld, user: str, view: dict[str, Any], label: str) -> int:
    buttons = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == label
    ]
    assert buttons, f"no {label} button on the Home tab"
    payload = shape("block_actions")
    for on_a_message in ("channel", "message", "response_url"):  # a Home tab has none of these
        del payload[on_a_message]
    payload |= {
        "user": payload["user"] | {"id": user, "username": user.lower()},
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home", "blocks": view["blocks"]},
        "actions": [{**buttons[0], "block_id": "b", "action_ts": str(time.time())}],
    }
    status, _ = await world.send_interaction(payload)
    return status


async def submit(
    world: SlackWorld, user: str, view: dict[str, Any], values: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Submit a modal the bot opened, with ``values`` for its inputs (block id -> value). A
    view as Slack holds it (``api.views``) keeps its own id and hash; any other is V1."""
    state = {block: {block: answer} for block, answer in values.items()}
    payload = shape("view_submission")
    held = payload["view"] | {"id": "V1", "hash": "1764500000.00000001"}
    payload |= {
        "user": payload["user"] | {"id": user, "username": user.lower(), "name": user.lower()},
        "view": held | view | {"state": {"values": state}},
    }
    status, text = await world.send_interaction(payload)
    return status, (json.loads(text) if text.strip().startswith("{") else {})
