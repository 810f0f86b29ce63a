"""Redis stops under traffic and starts again: ``carenudge run`` as a real process, its own
redis-server with an append-only file, signed Slack slash commands and Teams messages every
half second before, during and after.

What a person would notice: every request is acknowledged in time; during the outage the answer
is a clear "try again in a moment, nothing was changed"; nothing they were told was saved is
lost; a cadence due while Redis was away goes out once it is back (late, within the grace
window), exactly once. What an operator would notice: the process never exits, ``/readyz``
says not ready during the outage and ready after, and the log has warnings, not tracebacks.

The 30-second outage is a fault run (``make faults``); a 5-second one, without the cadence,
runs with the suite. So do two cases of a Redis that stops answering without going away (a
paused server, a broken network): people are still acknowledged at once and told to try again
within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis
from slack_sdk.signature import SignatureVerifier

from nudges.keys import KeySpace
from nudges.model import MemberRef
from nudges.settings import EngineSettings
from nudges.store import PeopleStore
from scheduler.runner import RunnerSettings
from tests.fakes import ARRIVAL_S
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.clock import ManualClock, utc
from tests.fakes.slack_api import FakeSlackApi
from tests.scenarios import process
from tests.scenarios.process import Bot, free_port
from tests.scenarios.slack import shape, slack_world, texts
from tests.scenarios.teams import TENANT, card_text, teams_activity, teams_world

SECRET = "outage-signing-secret"
BOT_TOKEN = "xoxb-outage-token"
TEAM = "T1"
EVERY_S = 0.5
ACK_WITHIN_S = 1.0
"""Slack gives up after 3 s; an acknowledgement must come well within that, outage or not."""
TRY_AGAIN = ("try again in a moment", "Nothing was changed")
GRACE = EngineSettings().grace


# --- a Redis that keeps what it acknowledged, on a port it gets back ----------------------------


@dataclass
class PersistentRedis:
    """redis-server with an append-only file (fsync every second) in ``folder``, on ``port``;
    stopped cleanly (SIGTERM, as SHUTDOWN) and started again on the same port and data."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: apt-get install redis-server")
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        self.process.kill()
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # a clean SHUTDOWN: the append-only file is flushed
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[PersistentRedis]:
    server = PersistentRedis(tmp_path / "redis")
    server.folder.mkdir()
    server.start()
    yield server
    server.stop()


# --- where Slack's replies to slash commands land, one URL per command -------------------------


@dataclass
class ResponseUrls:
    """Slack's ``response_url`` for each command: what was posted there, and when."""

    answers: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    server: TestServer | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/respond/{name}", self._respond)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    def url(self, name: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{name}"))

    async def _respond(self, request: web.Request) -> web.Response:
        answer = await request.json()
        self.answers.setdefault(request.match_info["name"], (time.monotonic(), answer))
        return web.Response(text="ok")


# --- the bot, as an operator runs it ------------------------------------------------------------


@contextlib.asynccontextmanager
async def running_bot(tmp_path: Path, redis_url: str, slack_api: str) -> AsyncIterator[Bot]:
    settings = {
        "CARENUDGE_ADMINS": "slack:UADA,teams:tenant-1:29:ada",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }
    log = tmp_path / "carenudge.log"
    async with process.running_bot(redis_url, slack_api, log, settings=settings) as bot:
        yield bot


# --- people, over the real entry points -----------------------------------------------------------


@dataclass
class Sent:
    """One request and what became of it."""

    platform: str
    user: str
    answered_in: str
    """Where its answer lands: a response_url's name (Slack) or a 1:1 chat (Teams)."""
    at: float
    status: int = 0
    ack_s: float = 0.0
    answer: str = ""
    answered_at: float = 0.0


@dataclass
class People:
    http: aiohttp.ClientSession
    bot: Bot
    responses: ResponseUrls
    connector: FakeBotConnector
    sent: list[Sent] = field(default_factory=list)
    _n: int = 0

    async def slack(self, user: str, text: str, channel: str = "C0WARD7") -> Sent:
        """``user`` types ``/nudge text`` in #ward-7, signed as Slack signs it."""
        self._n += 1
        name = f"r{self._n}"
        body = urlencode(
            shape("command")
            | {
                "team_id": TEAM,
                "channel_id": channel,
                "channel_name": "ward-7",
                "user_id": user,
                "user_name": user.lower(),
                "text": text,
                "response_url": self.responses.url(name),
                "trigger_id": f"trigger.{name}",
            }
        )
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
        assert signature is not None
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
        }
        record = Sent("slack", user, name, time.monotonic())
        self.sent.append(record)
        async with self.http.post(
            f"{self.bot.base}/slack/events", data=body.encode(), headers=headers
        ) as answer:
            await answer.read()
            record.status, record.ack_s = answer.status, time.monotonic() - record.at
        return record

    async def teams(self, user: str, text: str) -> Sent:
        """``user`` types ``text`` in their 1:1 chat with CareNudge in Teams."""
        self._n += 1
        activity = teams_activity(self.connector.url, f"in-{self._n}", user)
        activity |= {"type": "message", "text": text, "localTimezone": "Europe/London"}
        record = Sent("teams", user, f"a:1on1-{user}", time.monotonic())
        self.sent.append(record)
        async with self.http.post(f"{self.bot.base}/api/messages", json=activity) as answer:
            await answer.read()
            record.status, record.ack_s = answer.status, time.monotonic() - record.at
        return record

    def collect(self) -> None:
        """Match each request with the reply its person saw."""
        for record in self.sent:
            if record.answer:
                continue
            if record.platform == "slack" and record.answered_in in self.responses.answers:
                record.answered_at, body = self.responses.answers[record.answered_in]
                record.answer = texts(body)
            elif record.platform == "teams":
                replies = self.connector.posted(record.answered_in)
                if replies:
                    record.answer = card_text(replies[0])

    async def answered(self, record: Sent, within_s: float = ARRIVAL_S) -> str:
        deadline = time.monotonic() + within_s
        while not record.answer and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            self.collect()
        assert record.answer, f"{record.platform} {record.user} got no answer"
        return record.answer


def saved(answer: str) -> bool:
    return "Quiet hours saved" in answer


def told_to_try_again(answer: str) -> bool:
    return all(words in answer for words in TRY_AGAIN)


async def traffic(people: People, until: asyncio.Event, tasks: set[asyncio.Task[Sent]]) -> None:
    """Every half second, a new Slack user and a new Teams user each set their quiet hours
    (a different time each, so that what was saved can be checked one by one)."""
    n = 0
    while not until.is_set():
        n += 1
        quiet = f"quiet 22:{n % 60:02d}-06:30"
        tasks.add(asyncio.create_task(people.slack(f"UT{n}", quiet)))
        tasks.add(asyncio.create_task(people.teams(f"29:t{n}", f"nudge {quiet}")))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), EVERY_S)


async def readiness(
    bot: Bot, http: aiohttp.ClientSession, until: asyncio.Event
) -> list[tuple[float, int]]:
    seen: list[tuple[float, int]] = []
    while not until.is_set():
        try:
            async with http.get(f"{bot.base}/readyz") as answer:
                seen.append((time.monotonic(), answer.status))
        except aiohttp.ClientError:
            seen.append((time.monotonic(), 0))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until.wait(), 0.25)
    return seen


# --- the outage ---------------------------------------------------------------------------------


@dataclass
class Outage:
    stopped_at: float = 0.0
    started_at: float = 0.0


async def outage_under_traffic(
    tmp_path: Path, server: PersistentRedis, outage_s: float, *, cadence_in_outage: bool
) -> None:
    slack_api = FakeSlackApi(team_id=TEAM)
    connector = FakeBotConnector()
    responses = ResponseUrls()
    await slack_api.start()
    await connector.start()
    await responses.start()
    check = Redis.from_url(server.url, decode_responses=True)
    try:
        async with (
            running_bot(tmp_path, server.url, slack_api.api_url) as bot,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
        ):
            people = People(http, bot, responses, connector)
            await scenario(people, server, slack_api, check, outage_s, cadence_in_outage)
            assert bot.running, "the bot exited"
            bot.process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.process.wait(), 30) == 0
            logged = bot.logged()
            assert "Traceback" not in logged, logged[logged.index("Traceback") - 400 :][:3000]
            assert BOT_TOKEN not in logged
            assert "-06:30" not in logged  # no message text in the log
            assert "redis unavailable" in logged  # said plainly, as a warning
            assert logged.count("fired cadence=c1") == (1 if cadence_in_outage else 0)
            assert "skipped a missed fire" not in logged
    finally:
        await check.aclose()
        await responses.close()
        await connector.close()
        await slack_api.close()


async def scenario(
    people: People,
    server: PersistentRedis,
    slack_api: FakeSlackApi,
    check: Redis,
    outage_s: float,
    cadence_in_outage: bool,
) -> None:
    # Before: a team, a manager, a member; each answered "saved".
    made = await people.slack("UADA", "manager add <@UMO|mo> to ward-7")
    assert "now manages ward-7" in await people.answered(made)
    joined = await people.slack("USAM", "join ward-7")
    assert "ward-7" in await people.answered(joined)
    teams_quiet = await people.teams("29:nina", "nudge quiet 21:30-07:00")
    assert saved(await people.answered(teams_quiet))

    fire_at: datetime | None = None
    lead_s = 3.0
    if cadence_in_outage:
        # A cadence due in the middle of the outage, long enough after it starts that the
        # scheduler cannot have claimed it before Redis went away.
        now = datetime.now(UTC)
        fire_at = (now + timedelta(seconds=60)).replace(second=0, microsecond=0)
        while (fire_at - now).total_seconds() < lead_s + outage_s / 2 + 2:
            fire_at += timedelta(minutes=1)
        created = await people.slack(
            "UMO", f"create daily at {fire_at:%H:%M} to <#C0WARD7|ward-7> theme helping"
        )
        assert "Cadence c1 is set" in await people.answered(created)
        stop_in = (fire_at - datetime.now(UTC)).total_seconds() - outage_s / 2
        await asyncio.sleep(max(0.0, stop_in - lead_s))

    until = asyncio.Event()
    tasks: set[asyncio.Task[Sent]] = set()
    sending = asyncio.create_task(traffic(people, until, tasks))
    asking = asyncio.create_task(readiness(people.bot, people.http, until))
    outage = Outage()
    await asyncio.sleep(lead_s)
    assert people.bot.running

    await asyncio.to_thread(server.stop)
    outage.stopped_at = time.monotonic()
    stopped_at = datetime.now(UTC)
    prompted = asyncio.create_task(first_post(slack_api))
    await asyncio.sleep(outage_s)
    assert people.bot.running, "the bot exited while Redis was away"
    await asyncio.to_thread(server.start)
    outage.started_at = time.monotonic()
    back_at = datetime.now(UTC)

    await asyncio.sleep(6.0)
    until.set()
    await sending
    ready = await asking
    requests = await asyncio.gather(*tasks)
    assert people.bot.running

    # Every request was acknowledged, in time, outage or not.
    slow = [(r.platform, round(r.ack_s, 2)) for r in requests if r.ack_s > ACK_WITHIN_S]
    assert not slow, f"acknowledged too late: {slow}"
    assert {r.status for r in requests if r.platform == "slack"} == {200}
    assert {r.status for r in requests if r.platform == "teams"} <= {200, 201}

    # Each person got an answer: saved before and after, "try again" while Redis was away.
    for record in requests:
        await people.answered(record)
    during = [
        r
        for r in requests
        if outage.stopped_at + 0.2 < r.at and r.at + ACK_WITHIN_S < outage.started_at
    ]
    before = [r for r in requests if r.at + ACK_WITHIN_S < outage.stopped_at]
    after = [r for r in requests if r.at > outage.started_at + 1.0]
    assert len(during) >= 2 * (outage_s / EVERY_S - 4), len(during)
    assert before
    assert after
    for group, expected, what in (
        (before, saved, "before"),
        (during, told_to_try_again, "during"),
        (after, saved, "after"),
    ):
        wrong = [(r.platform, r.user, r.answer[:80]) for r in group if not expected(r.answer)]
        assert not wrong, f"{what} the outage: {wrong[:3]}"
    assert all(saved(r.answer) or told_to_try_again(r.answer) for r in requests)

    # The "try again" came promptly too, not after the outage.
    late = [r for r in during if r.platform == "slack" and r.answered_at > r.at + 2.0]
    assert not late, f"{len(late)} Slack answers came more than 2 s after the command"

    # /readyz: not ready while Redis was away, ready again after.
    assert any(s == 503 for t, s in ready if outage.stopped_at + 0.5 < t < outage.started_at - 0.5)
    assert all(s == 503 for t, s in ready if outage.stopped_at + 1.5 < t < outage.started_at - 0.5)
    assert all(s == 200 for t, s in ready if t > outage.started_at + 1.5)
    assert all(s == 200 for t, s in ready if t < outage.stopped_at - 0.5)

    # Nothing anyone was told was saved is lost.
    store = PeopleStore(check, KeySpace())
    for record in [*requests, teams_quiet]:
        if not saved(record.answer):
            continue
        platform, tenant = ("slack", TEAM) if record.platform == "slack" else ("teams", TENANT)
        member = await store.member(MemberRef(platform, tenant, record.user))
        quiet = member.settings.quiet_hours
        assert quiet is not None, f"{record.platform} {record.user} lost their quiet hours"
    team = await people.answered(await people.slack("UMO", "team ward-7"))
    assert "<@UMO>" in team, team  # the manager named before the outage
    assert re.search(r"Members who joined\W*1\b", team), team  # and Sam, who joined

    if fire_at is None:
        prompted.cancel()
        return
    # The cadence due during the outage went out (on time, prepared before Redis went away,
    # or once it was back), late by less than the grace window, and once: even after its
    # lease ran out and another turn of the scheduler could take it again.
    assert stopped_at < fire_at < back_at
    prompted_at = await prompted
    assert prompted_at - back_at < timedelta(seconds=10)
    assert prompted_at - fire_at < GRACE
    lease_over = back_at + RunnerSettings().lease + timedelta(seconds=5)
    await asyncio.sleep((lease_over - datetime.now(UTC)).total_seconds())
    [prompt] = slack_api.called("chat.postMessage")
    assert prompt["channel"] == "C0WARD7"
    assert "Helping" in texts(prompt)
    answer = await people.slack("UMO", "list")
    assert "c1" in await people.answered(answer)


async def first_post(slack_api: FakeSlackApi) -> datetime:
    """When the first message went out (not a reply to a command)."""
    await slack_api.wait_for("chat.postMessage", 1, within_s=60)
    return datetime.now(UTC)


@pytest.mark.faults
@pytest.mark.timeout(300)
async def test_redis_away_for_30_seconds_under_traffic_loses_nothing(
    tmp_path: Path, persistent_redis: PersistentRedis
) -> None:
    await outage_under_traffic(tmp_path, persistent_redis, 30.0, cadence_in_outage=True)


@pytest.mark.slow
async def test_redis_away_for_5_seconds_under_traffic_everyone_is_answered(
    tmp_path: Path, persistent_redis: PersistentRedis
) -> None:
    await outage_under_traffic(tmp_path, persistent_redis, 5.0, cadence_in_outage=False)


# --- a Redis that stops answering --------------------------------------------------------------


@pytest.fixture
async def silent_redis() -> AsyncIterator[str]:
    """A Redis that takes connections and never answers (a paused server, a broken network):
    the URL of a listener that reads and says nothing."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(4096):
            pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


@pytest.mark.slow
async def test_a_slash_command_is_answered_promptly_when_redis_stops_answering(
    silent_redis: str,
) -> None:
    async for slack in slack_world(silent_redis, ManualClock(utc(2026, 11, 30, 12, 0))):
        started = time.monotonic()
        assert await slack.command("USAM", "quiet 22:00-06:30") == 200
        assert time.monotonic() - started < ACK_WITHIN_S
        [reply] = await slack.api.wait_for_responses(1, within_s=10)
        assert time.monotonic() - started < 3.0
        assert told_to_try_again(texts(reply))
        ready = await slack.client.get("/readyz")
        assert ready.status == 503


@pytest.mark.slow
async def test_a_teams_message_is_answered_when_redis_stops_answering(
    silent_redis: str, teams_transport: str
) -> None:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for teams in teams_world(silent_redis, clock, transport=teams_transport):
        started = time.monotonic()
        assert await teams.say("29:jo", "nudge quiet 22:00-06:30") == 201
        assert time.monotonic() - started < ACK_WITHIN_S
        [reply] = await teams.connector.wait_for(1, within_s=10)
        assert time.monotonic() - started < 6.0  # Redis's silence, then pacing without it
        assert told_to_try_again(card_text(reply))
