"""4. Acknowledgement latency: how long Slack and Teams wait for CareNudge's HTTP answer to a
slash command or an activity, 50 at once, while a fan-out is sending (Slack gives up after
3 s; Teams after 15 s). Baseline: the same requests to the same bot when it is idle.

``carenudge run`` serves as a process of its own (as in production), configured by environment
variables, against the fake Slack Web API and fake Bot Connector on loopback. Requests are
signed as Slack signs them; Teams is served without authentication, as the tests do. The
fan-out is a daily cadence to a Slack team and one to a Teams team, each of ``members`` people
by direct message, put due now; sends go out at the platforms' paces, so it runs throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from adapters.teams.records import Place, TeamsRecords
from benchmarks.report import Bench, Figure, percentile
from bot.app import connect
from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Mention
from nudges.events import CommandInvoked
from nudges.model import Conversation, ConversationKind, Member, MemberRef, MemberSettings, Role
from nudges.settings import EngineSettings
from scheduler.queue import RedisFireQueue
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.slack_api import FakeSlackApi
from tests.scenarios.process import running_bot
from tests.scenarios.teams import BOT, teams_activity

SECRET = "bench-signing-secret"
WORKSPACE = "T1"
ADMINS = {"slack": "UADA", "teams": "29:ada"}
AT_ONCE = 50
SLACK_WORKSPACES, TEAMS_TENANTS = 6, 2
ADMIN_IDS = ",".join(
    ["slack:UADA", *(f"teams:tenant-{t + 1}:{ADMINS['teams']}" for t in range(TEAMS_TENANTS))]
)
TARGET_MS = 100.0
TRANSPORT_NAMES = {"botbuilder": "Teams", "agents": "Teams (agents)"}
SECTION = "4 acknowledgements"


async def run(bench: Bench) -> list[Figure]:
    """On the default Teams transport, then on the Agents SDK: Slack's figures from the
    first run, Teams' from both."""
    members = bench.size(3_000, 300)
    figures = await _measured(bench, members, "botbuilder", ("Slack", "Teams"))
    return figures + await _measured(bench, members, "agents", ("Teams",))


async def _measured(
    bench: Bench, members: int, transport: str, platforms: tuple[str, ...]
) -> list[Figure]:
    waves = bench.size(10, 3)
    async with bench.redis() as redis:
        await redis.flushdb()
    slack_api, connector = FakeSlackApi(team_id=WORKSPACE), FakeBotConnector()
    await slack_api.start()
    await connector.start()
    try:
        async with (
            serving(bench.redis_url, slack_api.api_url, transport) as base,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
        ):
            fires = await populate(bench.redis_url, connector.url, members)
            load = Load(http, base, slack_api, connector)
            await load.waves(1)  # connections open, caches warm
            idle = await load.waves(waves)
            sent_before = fanned_out(slack_api, connector)
            await start_fan_out(bench.redis_url, fires)
            await until(lambda: fanned_out(slack_api, connector) > sent_before + 20, 20.0)
            started, before = time.monotonic(), fanned_out(slack_api, connector)
            busy = await load.waves(waves)
            rate = (fanned_out(slack_api, connector) - before) / (time.monotonic() - started)
            print(
                f"  acks: fan-out to {2 * members:,} sending {rate:.0f} a second during the "
                f"waves; {fanned_out(slack_api, connector):,} sent so far",
                file=sys.stderr,
            )
    finally:
        await connector.close()
        await slack_api.close()
    section = f"{SECTION}, {AT_ONCE} at once, fan-out to {2 * members:,}"
    figures = []
    for platform in platforms:
        ours, alone = busy[platform], idle[platform]
        named = platform if platform == "Slack" else TRANSPORT_NAMES[transport]
        for pct in (50, 99):
            value = percentile(ours, pct)
            target = f"p99 < {TARGET_MS:.0f} ms" if pct == 99 else ""
            figures.append(
                Figure(
                    section,
                    f"{named} p{pct} acknowledgement",
                    value,
                    "ms",
                    percentile(alone, pct),
                    "idle bot",
                    target,
                    value < TARGET_MS if pct == 99 else None,
                )
            )
    return figures


# --- the bot, as an operator runs it -----------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(redis_url: str, slack_api_url: str, transport: str) -> AsyncIterator[str]:
    """``carenudge run`` on a free port, Teams on ``transport``; yields its base URL once it
    is ready."""
    settings = {
        "CARENUDGE_TEAMS_TRANSPORT": transport,
        "LOG_LEVEL": "WARNING",
        "CARENUDGE_ADMINS": ADMIN_IDS,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-bench",
    }
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "carenudge.log"
        # Not a test of a clean stop (the fan-out is still sending): a short wait, then kill.
        async with running_bot(redis_url, slack_api_url, log, settings=settings, stop_s=2) as bot:
            yield bot.base


# --- a team on each platform, and its cadence --------------------------------------------------


async def populate(redis_url: str, service_url: str, members: int) -> list[str]:
    """Teams of ``members`` people in all, split over ``SLACK_WORKSPACES`` Slack workspaces and
    as many over ``TEAMS_TENANTS`` Teams tenants (each workspace and tenant is paced on its
    own, so together they keep the bot busy). Each team has a daily cadence to its members by
    direct message, made by commands as managers make them. Returns the cadences' fire ids,
    taken off the queue until ``start_fan_out``."""
    redis = connect(redis_url)
    try:
        settings = EngineSettings(admins=frozenset(ADMIN_IDS.split(",")))
        core = build_core(Settings(engine=settings), redis)  # it sends nothing
        engine, queue, store = core.engine, core.queue, core.stores.people
        records = TeamsRecords(redis, core.keys.platform("teams"))
        places = [("slack", f"T{w + 1}", f"UF{w + 1}x") for w in range(SLACK_WORKSPACES)] + [
            ("teams", f"tenant-{t + 1}", f"29:f{t + 1}x") for t in range(TEAMS_TENANTS)
        ]
        fires: list[str] = []
        for platform, workspace, prefix in places:
            admin = MemberRef(platform, workspace, ADMINS[platform])
            manager = MemberRef(platform, workspace, f"{prefix}mo")
            where = Conversation(platform, workspace, "C0WARD7", ConversationKind.CHANNEL)
            each = members // (SLACK_WORKSPACES if platform == "slack" else TEAMS_TENANTS)
            people = [MemberRef(platform, workspace, f"{prefix}{i:05d}") for i in range(each)]

            async def say(
                who: MemberRef, *words: str | Mention, here: Conversation = where
            ) -> None:
                reply = await engine.handle(CommandInvoked("nudge", words, who, "", here, "ward"))
                if reply is None or reply.status != "ok":
                    raise RuntimeError(f"setting up the benchmark failed at '{words[0]}'")

            async def join(ref: MemberRef) -> None:
                await store.set_role(ref.workspace, "ward-7", Role.MEMBER, ref, True)
                await store.save_member(Member(ref, ref.user_id, MemberSettings(quiet_off=True)))
                if ref.platform == "teams":
                    chat = f"a:1on1-{ref.user_id}"
                    place = Place(service_url, ref.tenant_id, BOT, chat, "personal", ref.user_id)
                    await records.remember_person(place, personal_chat=chat)

            await say(admin, "manager", "add", Mention(manager, "mo"), "to", "ward-7")
            await _in_chunks(people, join)
            await say(manager, "create", "daily", "at", "12:00", "to", "team")
            [cadence] = await core.stores.cadences.of_team(manager.workspace, "ward-7")
            ids = [g.fire_id for g in (await engine.planner.groups(cadence)).values()]
            await queue.discard(ids)
            fires.extend(ids)
        return fires
    finally:
        await redis.aclose()


async def start_fan_out(redis_url: str, fires: list[str]) -> None:
    redis = connect(redis_url)
    try:
        at = datetime.now(UTC) + timedelta(milliseconds=200)
        await RedisFireQueue(redis).put([(fid, at) for fid in fires])
    finally:
        await redis.aclose()


def fanned_out(slack_api: FakeSlackApi, connector: FakeBotConnector) -> int:
    """Prompts delivered so far (the answers to the waves go elsewhere)."""
    to_slack = sum(
        c.method == "chat.postMessage" and str(c.params.get("channel", "")).startswith("DUF")
        for c in slack_api.calls
    )
    return to_slack + sum(s.conversation.startswith("a:1on1-29:f") for s in connector.posted())


async def _in_chunks(items: list[MemberRef], write: Callable[[MemberRef], Awaitable[None]]) -> None:
    for start in range(0, len(items), 500):
        await asyncio.gather(*(write(item) for item in items[start : start + 500]))


async def until(condition: Callable[[], bool], within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the fan-out did not start")
        await asyncio.sleep(0.05)


# --- people, 50 at once ----------------------------------------------------------------------


class Load:
    """Waves of ``AT_ONCE`` slash commands, then of ``AT_ONCE`` Teams messages, each from
    someone new setting their quiet hours; the time to each HTTP answer, in ms."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base: str,
        slack_api: FakeSlackApi,
        connector: FakeBotConnector,
    ) -> None:
        self.http = http
        self.base = base
        self.slack_api = slack_api
        self.connector = connector
        self.signer = SignatureVerifier(SECRET)
        self._n = itertools.count(1)

    async def waves(self, count: int) -> dict[str, list[float]]:
        """Each wave comes once the one before has been dealt with: the Slack commands
        answered, and a moment for the Teams messages (whose answers then wait their turn
        at the tenant's pace, as the fan-out's do)."""
        took: dict[str, list[float]] = {"Slack": [], "Teams": []}
        for _ in range(count):
            answered = len(self.slack_api.responses)
            took["Slack"] += await asyncio.gather(*(self.slash_command() for _ in range(AT_ONCE)))
            await self.slack_api.wait_for_responses(answered + AT_ONCE, within_s=10)
            await asyncio.sleep(0.1)
            took["Teams"] += await asyncio.gather(*(self.teams_message() for _ in range(AT_ONCE)))
            await asyncio.sleep(0.5)
        return took

    async def slash_command(self) -> float:
        n = next(self._n)
        body = urlencode(
            {
                "token": "legacy",
                "team_id": WORKSPACE,
                "team_domain": "ward-7",
                "channel_id": "C0WARD7",
                "channel_name": "ward-7",
                "user_id": f"UL{n}",
                "user_name": f"l{n}",
                "command": "/nudge",
                "text": "quiet 22:00-06:30",
                "api_app_id": "A1",
                "response_url": self.slack_api.response_url(f"r{n}"),
                "trigger_id": f"trigger.{n}",
            }
        ).encode()
        stamp = str(int(time.time()))
        signature = self.signer.generate_signature(timestamp=stamp, body=body)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(signature),
        }
        return await self._timed(f"{self.base}/slack/events", 200, data=body, headers=headers)

    async def teams_message(self) -> float:
        n = next(self._n)
        user = f"29:l{n}"
        activity = teams_activity(self.connector.url, f"in-{n}", user)
        activity |= {
            "type": "message",
            "text": "nudge quiet 22:00-06:30",
            "localTimezone": "Europe/London",
        }
        return await self._timed(f"{self.base}/api/messages", 201, json=activity)

    async def _timed(self, url: str, expected: int, **request: Any) -> float:
        started = time.perf_counter()
        async with self.http.post(url, **request) as answer:
            await answer.read()
            took = (time.perf_counter() - started) * 1000
            if answer.status not in (200, expected):
                raise RuntimeError(f"{url} answered {answer.status}")
        return took
