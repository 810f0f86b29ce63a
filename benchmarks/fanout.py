"""3. Platform-limited fan-out: one team cadence to 10,000 people by direct message, through the
real Slack and Teams messengers (slack_sdk's AsyncWebClient, our Bot Connector client), the
whole app as ``bot.app`` wires it, against the fake platforms enforcing their rate limits.

- Slack: chat.postMessage at one message a second per channel and, per workspace, ten a second
  (600 a minute). Slack does not publish its workspace-wide number; 600 a minute is our
  assumption (``SlackSettings.workspace_per_s``), in line with what vendors who fan out on
  Slack pace themselves to. Every DM is its own channel, so the workspace limit is the one
  that binds: 10,000 messages take at least 1,000 s.
- Teams: thirty requests a second per tenant and seven per conversation, all in one tenant
  (a hospital is one tenant; spreading people over tenants would measure something easier).
  10,000 messages take at least 333 s.

Both run at once (Slack sets the wall time). The minimum is the number of messages divided by
the binding limit; the time is from the fire's instant to the last message the fake accepted.
Every 429 the fakes answered is counted, and each person's messages at the fake, for losses and
duplicates. conversations.open is not limited here: at Slack's Tier 3 (50+ a minute) a first
fan-out to 10,000 people CareNudge has never written to would take over three hours to open
their DMs; after it, CareNudge remembers each DM for 30 days.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from aiohttp import web
from redis.asyncio import Redis

from adapters.slack.settings import SlackSettings
from adapters.teams.records import Place, TeamsRecords
from adapters.teams.settings import TeamsSettings
from benchmarks.report import Bench, Figure
from bot.app import ENGINE, build_app
from bot.clock import SystemClock
from bot.health import QUEUE
from bot.settings import Settings
from nudges.cards import Mention
from nudges.engine import Engine
from nudges.events import CommandInvoked
from nudges.keys import KeySpace, PlatformKeys
from nudges.model import Conversation, ConversationKind, Member, MemberRef, MemberSettings, Role
from nudges.settings import EngineSettings, Secret
from scheduler.queue import RedisFireQueue
from tests.fakes.bot_connector import ConnectorLimits, FakeBotConnector
from tests.fakes.limits import Answer
from tests.fakes.slack_api import FakeSlackApi, SlackLimits

WORKSPACE, TENANT, BOT = "T1", "tenant-1", "28:carenudge"
SLACK_ADMIN, TEAMS_ADMIN = (
    MemberRef("slack", WORKSPACE, "UADA"),
    MemberRef("teams", TENANT, "29:ada"),
)
SLACK_PER_S, TEAMS_PER_S = 10, 30
TEAM = "ward-7"
LEAD_S = 2.0
"""The fire is due this long after it is queued, so that it starts on its instant."""
CHUNK = 500
TARGET = 1.1
_T = TypeVar("_T")


@dataclass
class Platform:
    """One platform's side of the run, as its fake saw it."""

    name: str
    people: list[str]
    """Each person's conversation key, as the fake records it."""
    per_s: int
    limit: str
    answers: list[Answer]
    method: str

    @property
    def minimum_s(self) -> float:
        return len(self.people) / self.per_s

    def received(self) -> list[Answer]:
        """Every message the fake accepted."""
        return [a for a in self.answers if a.method == self.method and a.outcome == "ok"]

    def refused(self) -> int:
        """The 429s the fake answered: over a limit, or back before Retry-After."""
        return sum(a.outcome in ("limited", "early") for a in self.answers)


async def run(bench: Bench) -> list[Figure]:
    """Slack and Teams together on the default transport, then Teams again on the Agents
    SDK (the sends are ours on both; the sign-in for them is the transport's)."""
    return [*await _run(bench, "botbuilder", slack=True), *await _run(bench, "agents")]


async def _run(bench: Bench, transport: str, *, slack: bool = False) -> list[Figure]:
    redis = bench.redis()
    await redis.flushdb()
    api = FakeSlackApi(team_id=WORKSPACE, limits=SlackLimits(per_workspace=SLACK_PER_S))
    connector = FakeBotConnector(
        limits=ConnectorLimits(per_tenant=TEAMS_PER_S), default_tenant=TENANT
    )
    await api.start()
    await connector.start()
    settings = Settings(
        redis_url=bench.redis_url,
        engine=EngineSettings(
            default_tz="UTC", admins=frozenset({SLACK_ADMIN.key, TEAMS_ADMIN.key})
        ),
        slack=SlackSettings(
            signing_secret=Secret("benchmark"),
            bot_token=Secret("xoxb-benchmark"),
            api_url=api.api_url,
            workspace_per_s=SLACK_PER_S,
        ),
        teams=TeamsSettings(tenant_per_s=TEAMS_PER_S, transport=transport),
    )
    app = build_app(settings, clock=SystemClock())
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        engine, queue = app[ENGINE], app[QUEUE]
        records = TeamsRecords(redis, KeySpace().platform("teams"))
        slack_people = [f"U{i:05d}" for i in range(bench.size(10_000, 70) if slack else 0)]
        teams_people = [f"29:u{i:05d}" for i in range(bench.size(10_000, 210))]
        await _in_chunks(slack_people, lambda user: _member(engine, SLACK_ADMIN, user))
        await _in_chunks(teams_people, lambda user: _member(engine, TEAMS_ADMIN, user))
        await _in_chunks(teams_people, lambda user: _installed(records, connector.url, user))
        slack_keys = KeySpace().platform("slack")
        await _in_chunks(slack_people, lambda user: _written_to(redis, slack_keys, user))
        on_slack = Platform(
            "Slack",
            slack_people,
            SLACK_PER_S,
            f"{SLACK_PER_S}/s per workspace",
            api.answers,
            "chat.postMessage",
        )
        teams = Platform(
            "Teams" if transport == "botbuilder" else f"Teams ({transport})",
            [_chat(user) for user in teams_people],
            TEAMS_PER_S,
            f"{TEAMS_PER_S}/s per tenant",
            connector.answers,
            "POST",
        )
        instant = datetime.now(UTC) + timedelta(seconds=LEAD_S)
        started = time.monotonic() + LEAD_S
        platforms = (on_slack, teams) if slack else (teams,)
        for admin in (SLACK_ADMIN, TEAMS_ADMIN) if slack else (TEAMS_ADMIN,):
            await _cadence(engine, queue, admin, instant)
        await _until_done(platforms, started)
        return [f for p in platforms for f in _figures(p, started)]
    finally:
        await runner.cleanup()
        await redis.aclose()
        await api.close()
        await connector.close()


def _chat(user: str) -> str:
    return f"a:1on1-{user}"


async def _member(engine: Engine, admin: MemberRef, user: str) -> None:
    """``user`` joined the team, with quiet hours off so that any instant suits them."""
    ref = MemberRef(admin.platform, admin.tenant_id, user)
    await engine.stores.people.set_role(ref.workspace, TEAM, Role.MEMBER, ref, True)
    await engine.stores.people.save_member(Member(ref, user, MemberSettings(quiet_off=True)))


async def _written_to(redis: Redis, keys: PlatformKeys, user: str) -> None:
    """CareNudge has written to ``user`` before: their direct message is known. The first
    fan-out to people new to it opens each one's at conversations.open's 50 a minute, so it
    takes hours for thousands (see README, Scaling and reliability); every later one does not.
    """
    await redis.set(keys.dm(WORKSPACE, user), f"D{user}")


async def _installed(records: TeamsRecords, service_url: str, user: str) -> None:
    """``user`` installed CareNudge in Teams, which gives their 1:1 chat."""
    place = Place(service_url, TENANT, BOT, _chat(user), "personal", user, f"aad-{user}")
    await records.remember_person(place, personal_chat=place.conversation_id)


async def _say(engine: Engine, who: MemberRef, *words: str | Mention) -> None:
    where = Conversation(who.platform, who.tenant_id, "C-setup", ConversationKind.CHANNEL)
    reply = await engine.handle(CommandInvoked("nudge", words, who, who.user_id, where, "setup"))
    if reply is None or reply.status != "ok":
        raise RuntimeError(f"setting up the benchmark failed at: {' '.join(map(str, words))}")


async def _cadence(
    engine: Engine, queue: RedisFireQueue, admin: MemberRef, instant: datetime
) -> None:
    """The team's manager makes a daily cadence to the team, which is then due at ``instant``."""
    manager = MemberRef(admin.platform, admin.tenant_id, f"{admin.user_id}-manager")
    await _say(engine, admin, "manager", "add", Mention(manager, "mo"), "to", TEAM)
    await _say(engine, manager, "create", "daily", "at", "03:00", "to", "team")
    [cadence] = await engine.stores.cadences.of_team(admin.workspace, TEAM)
    fires = list(await engine.planner.groups(cadence))
    await queue.discard(fires)
    await queue.put([(fire, instant) for fire in fires])


async def _until_done(platforms: Sequence[Platform], started: float) -> None:
    """Until every platform has had a message for everyone (and a moment for any extra), or
    three times the slowest minimum has passed."""
    deadline = started + 3 * max(p.minimum_s for p in platforms) + 30
    while time.monotonic() < deadline:
        if all(len(p.received()) >= len(p.people) for p in platforms):
            await asyncio.sleep(1.0)  # anything sent twice would show now
            return
        await asyncio.sleep(0.25)


def _figures(platform: Platform, started: float) -> list[Figure]:
    received = platform.received()
    count = Counter(a.key for a in received)
    lost = sum(1 for person in platform.people if not count[person])
    duplicated = sum(n - 1 for n in count.values() if n > 1)
    refused = platform.refused()
    requests = len([a for a in platform.answers if a.method == platform.method])
    n = len(platform.people)
    elapsed = max((a.at for a in received), default=time.monotonic()) - started
    section = f"3 fan-out, {platform.name}"
    return [
        Figure(
            section,
            f"{n:,} DMs, time to the last",
            elapsed,
            "s",
            platform.minimum_s,
            f"minimum at {platform.limit}",
            f"<= {TARGET}x",
            elapsed <= TARGET * platform.minimum_s and not lost,
        ),
        Figure(section, "429s answered", refused, "", requests, "requests", "0", met=not refused),
        Figure(section, "lost", lost, "", n, "people", "0", met=not lost),
        Figure(section, "duplicated", duplicated, "", n, "people", "0", met=not duplicated),
    ]


async def _in_chunks(items: Sequence[_T], write: Callable[[_T], Awaitable[object]]) -> None:
    for start in range(0, len(items), CHUNK):
        await asyncio.gather(*(write(item) for item in items[start : start + CHUNK]))
