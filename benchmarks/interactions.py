"""9. Slack interactions under a slow Slack: how long Slack waits for CareNudge's answer to each
kind of interaction (a slash command, a button, the cadence form's preview and save, the
shout-out form to 12 people, the Home tab opened) while every Web API call takes
``LATENCY_S`` and 429s with Retry-After are in force (Slack gives up after 3 s), and how soon
after ``/nudge`` alone its form is asked to open (views.open reaching Slack: a trigger lasts
3 s). Baseline from the same run: the same interactions while the Web API answers at once.

``carenudge run`` serves as a process of its own, against the fake Slack Web API on loopback,
whose knobs this process turns between the two halves. The interactions come in waves, one of
each kind ``PER_WAVE`` times at once; the work they start (posts, direct messages, time zone
lookups, the Home tab) is left to queue behind Slack's pace, as it would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from adapters.slack import modals
from adapters.slack.forms import ASK_WITHIN_S
from benchmarks.report import Bench, Figure, percentile
from bot.app import connect
from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Mention
from nudges.events import CommandInvoked
from nudges.model import Conversation, ConversationKind, MemberRef
from nudges.settings import EngineSettings
from tests.fakes.limits import Faults
from tests.fakes.slack_api import FakeSlackApi
from tests.scenarios.process import running_bot

SECTION = "9 Slack interactions, Web API 1 s a call and 429s in force"
SECRET = "bench-signing-secret"
WORKSPACE = "T1"
ADMIN = "UADA"
LATENCY_S = 1.0
RATE_LIMITED = 0.3
"""The share of calls that meet a 429 (then the method is held for Retry-After, and whoever
comes back early meets another)."""
RETRY_AFTER_S = 2
SLOW_METHODS = (
    "chat.postMessage",
    "chat.postEphemeral",
    "conversations.open",
    "conversations.info",
    "users.info",
    "views.open",
    "views.update",
    "views.publish",
)
RECIPIENTS = [f"UR{i:02d}" for i in range(12)]
SAVES_PER_TEAM = 10
"""Under a team's 20 cadences at most, so every save goes ahead."""
TARGET_MS = 100.0
TARGETS_MS = {"cadence form preview": TARGET_MS + ASK_WITHIN_S * 1000}
"""A preview waits up to ``ASK_WITHIN_S`` for Slack to say whether CareNudge can post in the
chosen channel, so that a problem shows under the channel picker with the form kept."""
KINDS = (
    "slash command",
    "button",
    "cadence form preview",
    "cadence form save",
    "shout-out form to 12",
    "app_home_opened event",
)
OPENED = "cadence form: views.open asked, after /nudge,"


async def run(bench: Bench) -> list[Figure]:
    waves, per_wave = bench.size(10, 2), bench.size(5, 2)
    async with bench.redis() as redis:
        await redis.flushdb()
    api = FakeSlackApi(team_id=WORKSPACE, faulty=SLOW_METHODS)
    await api.start()
    try:
        await populate(bench.redis_url, teams=2 * waves * per_wave // SAVES_PER_TEAM + 1)
        async with (
            serving(bench.redis_url, api.api_url) as base,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
        ):
            people = Interactions(http, base, api)
            await people.waves(1, per_wave)  # connections open, caches warm
            fast = await people.waves(waves, per_wave)
            api.latency_s = LATENCY_S
            api.faults = Faults(seed=9, rate_limited=RATE_LIMITED, retry_after_s=RETRY_AFTER_S)
            slow = await people.waves(waves, per_wave)
            print(
                f"  interactions: {len(api.calls):,} Web API calls answered, "
                f"{sum(a.outcome in ('429', 'early') for a in api.answers):,} of them 429s",
                file=sys.stderr,
            )
    finally:
        await api.close()
    return [
        Figure(
            SECTION,
            f"{kind} p99" if kind == OPENED else f"{kind} p99 acknowledgement",
            percentile(slow[kind], 99),
            "ms",
            percentile(fast[kind], 99),
            "Web API at once",
            f"p99 < {TARGETS_MS.get(kind, TARGET_MS):.0f} ms",
            percentile(slow[kind], 99) < TARGETS_MS.get(kind, TARGET_MS),
        )
        for kind in (*KINDS, OPENED)
    ]


@contextlib.asynccontextmanager
async def serving(redis_url: str, slack_api_url: str) -> AsyncIterator[str]:
    settings = {
        "LOG_LEVEL": "WARNING",
        "CARENUDGE_ADMINS": f"slack:{ADMIN}",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench",
    }
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "carenudge.log"
        # The work the waves started is still queued behind Slack's pace: a short wait, then kill.
        async with running_bot(redis_url, slack_api_url, log, settings=settings, stop_s=2) as bot:
            yield bot.base


async def populate(redis_url: str, teams: int) -> None:
    """Teams ward-0, ward-1… each with its manager (UMO0, UMO1…), made by the admin's
    commands as an admin makes them."""
    redis = connect(redis_url)
    try:
        settings = EngineSettings(admins=frozenset({f"slack:{ADMIN}"}))
        engine = build_core(Settings(engine=settings), redis).engine  # it sends nothing
        admin = MemberRef("slack", WORKSPACE, ADMIN)
        where = Conversation("slack", WORKSPACE, "C0WARD7", ConversationKind.CHANNEL)
        for t in range(teams):
            manager = Mention(MemberRef("slack", WORKSPACE, f"UMO{t}"), f"mo{t}")
            words = ("manager", "add", manager, "to", f"ward-{t}")
            reply = await engine.handle(CommandInvoked("nudge", words, admin, "", where, "ward"))
            if reply is None or reply.status != "ok":
                raise RuntimeError("setting up the benchmark failed")
    finally:
        await redis.aclose()


class Interactions:
    """Waves of Slack interactions, each from its own person (or a manager's own form); the
    time to each HTTP answer, in ms, by kind."""

    def __init__(self, http: aiohttp.ClientSession, base: str, api: FakeSlackApi) -> None:
        self.http = http
        self.base = base
        self.api = api
        self.signer = SignatureVerifier(SECRET)
        self._n = itertools.count(1)
        self._saves = itertools.count(0)

    async def waves(self, count: int, per_wave: int) -> dict[str, list[float]]:
        took: dict[str, list[float]] = {kind: [] for kind in KINDS}
        makers: dict[str, Callable[[], Awaitable[float]]] = dict(
            zip(
                KINDS,
                (
                    self.slash_command,
                    self.button,
                    self.preview,
                    self.save,
                    self.shoutout,
                    self.home_opened,
                ),
                strict=True,
            )
        )
        took[OPENED] = []
        for _ in range(count):
            kinds = [kind for kind in KINDS for _ in range(per_wave)]
            answers, opened = await asyncio.gather(
                asyncio.gather(*(makers[kind]() for kind in kinds)),
                asyncio.gather(*(self.form_opened() for _ in range(per_wave))),
            )
            for kind, ms in zip(kinds, answers, strict=True):
                took[kind].append(ms)
            took[OPENED] += opened
            await asyncio.sleep(0.5)
        return took

    async def form_opened(self) -> float:
        """``/nudge`` alone from someone new: how soon views.open reaches Slack."""
        n = next(self._n)
        started = time.monotonic()
        await self._form_encoded(self._command(f"UF{n}", "", n))
        deadline = started + 10
        while time.monotonic() < deadline:
            for call in self.api.arrived:
                if call.method == "views.open" and call.params.get("trigger_id") == f"trigger.{n}":
                    return (call.at - started) * 1000
            await asyncio.sleep(0.01)
        raise RuntimeError("a form was not asked to open within 10 s")

    async def slash_command(self) -> float:
        n = next(self._n)
        return await self._form_encoded(self._command(f"US{n}", "settings", n))

    def _command(self, user: str, text: str, n: int) -> dict[str, str]:
        return {
            "token": "legacy",
            "team_id": WORKSPACE,
            "team_domain": "ward-7",
            "channel_id": "C0WARD7",
            "channel_name": "ward-7",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/nudge",
            "text": text,
            "api_app_id": "A1",
            "response_url": self.api.response_url(f"r{n}"),
            "trigger_id": f"trigger.{n}",
        }

    async def button(self) -> float:
        """ "Your settings" pressed on a card in the channel (a shortcut to /nudge settings)."""
        n = next(self._n)
        payload = {
            "type": "block_actions",
            "team": {"id": WORKSPACE, "domain": "ward-7"},
            "user": {"id": f"UB{n}", "username": f"b{n}", "team_id": WORKSPACE},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"trigger.{n}",
            "container": {
                "type": "message",
                "message_ts": "1764500001.000100",
                "channel_id": "C0WARD7",
                "is_ephemeral": True,
            },
            "channel": {"id": "C0WARD7", "name": "ward-7"},
            "response_url": self.api.response_url(f"r{n}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": "nudge.run#0",
                    "block_id": "b",
                    "text": {"type": "plain_text", "text": "Your settings"},
                    "value": "settings",
                    "action_ts": str(time.time()),
                }
            ],
        }
        return await self._form_encoded({"payload": json.dumps(payload)})

    async def preview(self) -> float:
        form = modals.cadence_modal("C0WARD7", "ward-7", "Europe/London", [])
        return await self._submitted("UMO0", form, CADENCE_ANSWERS)

    async def save(self) -> float:
        """Save pressed on a preview, each by the manager of a team with room for it."""
        team = next(self._saves) // SAVES_PER_TEAM
        metadata = {
            "channel": "C0WARD7",
            "name": "ward-7",
            "words": [
                *("sat", "at", "03:00", "to", {"c": "C0WARD7", "n": "ward-7"}),
                *("tz", "Europe/London", "theme", "attending", "team", f"ward-{team}"),
            ],
        }
        form = {
            "type": "modal",
            "callback_id": modals.CADENCE_PREVIEW,
            "private_metadata": json.dumps(metadata),
            "blocks": [],
        }
        return await self._submitted(f"UMO{team}", form, {})

    async def shoutout(self) -> float:
        n = next(self._n)
        form = modals.shoutout_modal("C0WARD7", "ward-7")
        answers = {
            "people": {"type": "multi_users_select", "selected_users": RECIPIENTS},
            "message": {
                "type": "plain_text_input",
                "value": f"for staying with the family after handover ({n}): they felt cared for",
            },
            "behaviour": {"type": "static_select", "selected_option": {"value": "helping"}},
            "private": {"type": "checkboxes", "selected_options": []},
        }
        return await self._submitted(f"UG{n}", form, answers)

    async def home_opened(self) -> float:
        n = next(self._n)
        body = {
            "token": "legacy",
            "team_id": WORKSPACE,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"Ev{n}",
            "event_time": int(time.time()),
            "event": {
                "type": "app_home_opened",
                "user": f"UH{n}",
                "channel": f"DUH{n}",
                "tab": "home",
                "event_ts": str(time.time()),
            },
        }
        return await self._post(json.dumps(body), "application/json")

    async def _submitted(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> float:
        n = next(self._n)
        payload = {
            "type": "view_submission",
            "team": {"id": WORKSPACE, "domain": "ward-7"},
            "user": {
                "id": user,
                "username": user.lower(),
                "name": user.lower(),
                "team_id": WORKSPACE,
            },
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"trigger.{n}",
            "view": {
                **view,
                "id": f"VB{n:06d}",
                "team_id": WORKSPACE,
                "hash": f"{int(time.time())}.{n:08x}",
                "state": {"values": {b: {b: answer} for b, answer in values.items()}},
                "root_view_id": f"VB{n:06d}",
                "app_id": "A1",
            },
            "response_urls": [],
        }
        return await self._form_encoded({"payload": json.dumps(payload)})

    async def _form_encoded(self, fields: dict[str, str]) -> float:
        return await self._post(urlencode(fields), "application/x-www-form-urlencoded")

    async def _post(self, body: str, content_type: str) -> float:
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(self.signer.generate_signature(timestamp=stamp, body=body)),
        }
        started = time.perf_counter()
        async with self.http.post(
            f"{self.base}/slack/events", data=body, headers=headers
        ) as answer:
            text = await answer.text()
            took = (time.perf_counter() - started) * 1000
        if answer.status != 200 or '"errors"' in text:
            raise RuntimeError(f"Slack's request was answered {answer.status}: {text[:200]}")
        return took


CADENCE_ANSWERS = {
    "channel": {"type": "conversations_select", "selected_conversation": "C0WARD7"},
    "days": {"type": "checkboxes", "selected_options": [{"value": "sat"}]},
    "times": {"type": "plain_text_input", "value": "03:00"},
    "tz": {"type": "plain_text_input", "value": "Europe/London"},
    "theme": {"type": "static_select", "selected_option": {"value": "attending"}},
}
