"""Shared fixtures: a real Redis over TCP, and an engine wired to it with a fake clock.

Redis: ``TEST_REDIS_URL`` if set (it is flushed before every test, so never point it at data
you care about); otherwise the session starts its own ``redis-server`` on a free port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from adapters.teams.settings import TRANSPORTS
from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Card, Reply, plain
from nudges.engine import Engine
from nudges.events import ActionInvoked, CommandInvoked
from nudges.language import tokenize
from nudges.model import ChannelRef, Conversation, ConversationKind, MemberRef
from nudges.settings import EngineSettings
from nudges.store import Stores
from scheduler.queue import RedisFireQueue
from scheduler.runner import Runner
from tests.fakes.clock import FakeClock, utc
from tests.fakes.messenger import RecordingMessenger

PLATFORM, TENANT = "test", "T1"


@dataclass
class RedisServer:
    url: str
    port: int
    process: subprocess.Popen[bytes] | None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(directory: Path, port: int | None = None) -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run .ci/run, or apt-get install redis-server")
    port = port or _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return RedisServer(f"redis://127.0.0.1:{port}/0", port, process)
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"redis-server did not start on port {port}")


@pytest.fixture(params=TRANSPORTS)
def teams_transport(request: pytest.FixtureRequest) -> str:
    """Each Teams scenario runs on both transports: the Bot Framework SDK and the Agents SDK."""
    return str(request.param)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield RedisServer(url, 0, None)
        return
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()
    observer = Redis.from_url(redis_server.url, decode_responses=True)
    try:
        others = [c for c in await observer.client_list() if c.get("cmd") != "client|list"]
    finally:
        await observer.aclose()
    assert not others, f"{len(others)} Redis connection(s) left open by the test"


@dataclass
class World:
    """An engine on real Redis with a fake clock and a recording messenger."""

    redis: Redis
    engine: Engine
    runner: Runner
    queue: RedisFireQueue
    stores: Stores
    clock: FakeClock
    messenger: RecordingMessenger
    platform: str = PLATFORM
    """Whose ids the people and channels get: "test", or "slack" or "teams" for a test that
    renders for that platform (mentions become real mentions only on their own platform)."""

    async def stored(self, key: str) -> dict[str, Any]:
        """The JSON stored at a Redis key, as an operator would read it with redis-cli."""
        raw = await self.redis.get(key)
        assert isinstance(raw, str), f"nothing stored at {key}"
        data = json.loads(raw)
        assert isinstance(data, dict)
        return data

    def member(self, name: str) -> MemberRef:
        return MemberRef(self.platform, TENANT, name)

    def channel(self, name: str) -> Conversation:
        return Conversation(self.platform, TENANT, name)

    def dm(self, name: str) -> Conversation:
        return Conversation(self.platform, TENANT, f"D-{name}", ConversationKind.DIRECT)

    async def say(self, who: str, text: str, where: str = "ward-7") -> Reply:
        """``who`` types ``text`` (after /nudge) in #``where`` (or "dm")."""
        return await self.command("nudge", who, text, where)

    async def command(self, name: str, who: str, text: str, where: str = "ward-7") -> Reply:
        """``who`` types ``/name text`` ("nudge", "shoutout" or "pause") in #``where`` (or
        "dm"); ``@word`` arrives as a mention and ``#word`` as a channel, as adapters send them.
        """
        reply = await self.engine.handle(self.typed(name, who, text, where))
        assert reply is not None
        return reply

    async def check(self, name: str, who: str, text: str, where: str = "ward-7") -> Reply | None:
        """What the engine answers to ``command``'s words before doing anything (a form's
        answer, which must come at once)."""
        return await self.engine.check(self.typed(name, who, text, where))

    def typed(self, name: str, who: str, text: str, where: str = "ward-7") -> CommandInvoked:
        from nudges.cards import Mention

        args: list[str | Mention | ChannelRef] = []
        for word in tokenize(text):
            if word.startswith("@") and len(word) > 1:
                args.append(Mention(self.member(word[1:]), word[1:]))
            elif word.startswith("#") and len(word) > 1:
                args.append(ChannelRef(self.channel(word[1:]), word[1:]))
            else:
                args.append(word)
        conversation = self.dm(who) if where == "dm" else self.channel(where)
        return CommandInvoked(name, tuple(args), self.member(who), who, conversation, where)

    async def press_on(self, who: str, card: Card, label: str, where: str = "ward-7") -> Reply:
        """``who`` presses the button labelled ``label`` on a card they were shown privately."""
        from nudges.cards import Actions

        button = next(
            b
            for block in card.blocks
            if isinstance(block, Actions)
            for b in block.buttons
            if b.label == label
        )
        reply = await self.engine.handle(
            ActionInvoked(button.action, button.value, self.member(who), who, self.channel(where))
        )
        assert reply is not None
        return reply

    async def press(self, who: str, delivery_index: int, label: str) -> Reply | None:
        from nudges.cards import Actions

        delivery = self.messenger.sent[delivery_index]
        button = next(
            b
            for block in delivery.card.blocks
            if isinstance(block, Actions)
            for b in block.buttons
            if b.label == label
        )
        return await self.engine.handle(
            ActionInvoked(
                button.action,
                button.value,
                self.member(who),
                who,
                delivery.conversation,
                delivery.ref,
            )
        )

    async def run_until(self, at: datetime) -> None:
        """Move the clock to ``at``, firing everything due on the way, in order."""
        while True:
            soonest = await self.queue.next_at()
            if soonest is None or soonest > at:
                break
            self.clock.set(max(soonest, self.clock.now()))
            await self.runner.tick()
        self.clock.set(at)
        await self.runner.tick()

    async def channel_cadences(self, count: int, schedule: str = "daily at 10:00") -> None:
        """``count`` cadences, one to each of #room-0, #room-1, ..., in teams of at most
        twenty (as many as a team may have), all managed by @mo."""
        for i in range(count):
            team = f"ward-{i // 20}"
            if i % 20 == 0:
                await self.admin_makes_team("mo", team=team)
            reply = await self.say("mo", f"create {schedule} to #room-{i} team {team}")
            assert reply.status == "ok", plain(reply.card)

    async def admin_makes_team(
        self, manager: str = "mo", team: str = "ward-7", members: tuple[str, ...] = ()
    ) -> None:
        reply = await self.say("ada", f"manager add @{manager} to {team}")
        assert reply.status == "ok", plain(reply.card)
        for name in members:
            joined = await self.say(name, f"join {team}")
            assert joined.status == "ok", plain(joined.card)


def build_world(
    redis: Redis,
    clock: FakeClock,
    messenger: RecordingMessenger | None = None,
    platform: str = PLATFORM,
    **settings: object,
) -> World:
    messenger = messenger or RecordingMessenger(clock=clock)
    engine_settings = EngineSettings(
        default_tz=str(settings.pop("default_tz", "Europe/London")),
        admins=frozenset(
            {f"{platform}:{TENANT}:ada" if platform == "teams" else f"{platform}:ada"}
        ),
        **settings,  # type: ignore[arg-type]
    )
    core = build_core(Settings(engine=engine_settings), redis, messenger, clock, salt="tests")
    return World(
        redis, core.engine, core.runner, core.queue, core.stores, clock, messenger, platform
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 11, 30, 12, 0))  # a Monday, midday in London


@pytest.fixture
async def world(redis: Redis, clock: FakeClock) -> World:
    return build_world(redis, clock)
