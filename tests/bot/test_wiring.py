"""``build_core`` builds one engine, queue and runner from settings, every key under the
configured prefix: two CareNudges on one Redis (a ward's trial and the hospital's) never see
each other's teams, cadences or fires."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Mention, plain
from nudges.engine import Engine
from nudges.events import CommandInvoked
from nudges.model import Conversation, MemberRef
from nudges.settings import EngineSettings
from tests.fakes.clock import FakeClock, utc
from tests.fakes.messenger import RecordingMessenger

ADA = MemberRef("test", "T1", "ada")
WARD = Conversation("test", "T1", "ward-7")


async def say(engine: Engine, *words: str | Mention) -> str:
    reply = await engine.handle(CommandInvoked("nudge", words, ADA, "ada", WARD, "ward-7"))
    assert reply is not None
    return plain(reply.card)


async def test_two_prefixes_on_one_redis_keep_apart(redis: Redis) -> None:
    clock = FakeClock(utc(2026, 11, 30, 12, 0))
    engine = EngineSettings(default_tz="Europe/London", admins=frozenset({ADA.key}))
    trial = build_core(
        Settings(engine=engine, key_prefix="trial"), redis, RecordingMessenger(), clock
    )
    live = build_core(Settings(engine=engine), redis, RecordingMessenger(), clock)

    assert "now manages ward-7" in await say(
        trial.engine, "manager", "add", Mention(ADA, "ada"), "to", "ward-7"
    )
    assert "Cadence c1 is set" in await say(trial.engine, "create", "daily", "at", "09:00")

    assert "There are no teams yet" in await say(live.engine, "join", "ward-7")
    assert await live.queue.next_at() is None  # the trial's fire is not in this queue
    assert await trial.queue.next_at() is not None
    keys = {k async for k in redis.scan_iter()}
    assert keys
    assert all(k.startswith("trial:") for k in keys), sorted(keys)
