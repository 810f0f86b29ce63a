"""A hospital's worth of data, written fast, and the CareNudge engine to run over it.

Cadences are cloned from one made by a real command, so they are exactly what managers make.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from redis.asyncio import Redis

from bot.app import connect
from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Card, Mention
from nudges.engine import Engine
from nudges.events import CommandInvoked
from nudges.keys import KeySpace
from nudges.model import (
    Cadence,
    ChannelAudience,
    ChannelRef,
    Conversation,
    ConversationKind,
    Member,
    MemberRef,
    MemberSettings,
    MessageRef,
    Role,
)
from nudges.planning import fire_id
from nudges.ports import Fence
from nudges.settings import EngineSettings
from nudges.store import Stores
from scheduler.queue import RedisFireQueue
from scheduler.runner import Runner, RunnerSettings

PLATFORM, WORKSPACE = "bench", "T1"
ADMIN = MemberRef(PLATFORM, WORKSPACE, "admin")
CHUNK = 500
SETUP = ChannelRef(Conversation(PLATFORM, WORKSPACE, "C-setup", ConversationKind.CHANNEL), "setup")
_T = TypeVar("_T")


@dataclass
class ZeroMessenger:
    """A messenger with no latency that notes the wall-clock time of every send."""

    sent_at: list[float] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        if fence is not None:
            fence()
        self.sent_at.append(time.time())
        self.keys.append(key)
        return MessageRef(conversation, str(len(self.sent_at)))

    async def update(self, ref: MessageRef, card: Card) -> None:
        return None

    async def open_dm(self, member: MemberRef) -> Conversation:
        return Conversation(PLATFORM, WORKSPACE, f"D-{member.user_id}", ConversationKind.DIRECT)

    async def check_reach(self, conversation: Conversation) -> None:
        return None

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        return None


@dataclass
class Bot:
    """The engine and scheduler as ``bot.app`` wires them, with a zero-latency messenger."""

    redis: Redis
    engine: Engine
    runner: Runner
    queue: RedisFireQueue
    stores: Stores
    keys: KeySpace
    messenger: ZeroMessenger

    async def close(self) -> None:
        await self.redis.aclose()


def build_bot(redis_url: str, runner: RunnerSettings | None = None) -> Bot:
    redis = connect(redis_url, wait_s=None)  # as bot.app connects the scheduler
    messenger = ZeroMessenger()
    settings = Settings(
        engine=EngineSettings(admins=frozenset({ADMIN.key})), runner=runner or RunnerSettings()
    )
    core = build_core(settings, redis, messenger)
    return Bot(redis, core.engine, core.runner, core.queue, core.stores, core.keys, messenger)


async def say(bot: Bot, who: MemberRef, *words: str | Mention | ChannelRef) -> None:
    """``who`` types ``/nudge words…`` in a channel; it must succeed."""
    event = CommandInvoked("nudge", words, who, who.user_id, SETUP.conversation, SETUP.name)
    reply = await bot.engine.handle(event)
    if reply is None or reply.status != "ok":
        raise RuntimeError(f"setting up the benchmark failed at: {words[0]} {words[1]}")


async def channel_cadences(bot: Bot, count: int, team: str = "ward-7") -> list[str]:
    """``count`` daily cadences, each to its own channel; returns their fire ids (not queued)."""
    manager = MemberRef(PLATFORM, WORKSPACE, "mo")
    await say(bot, ADMIN, "manager", "add", Mention(manager, "mo"), "to", team)
    await say(bot, manager, "create", "daily", "at", "07:30", "to", SETUP)
    [template] = await bot.stores.cadences.of_team(manager.workspace, team)
    await bot.queue.discard([fire_id(template.id)])
    await bot.redis.set(bot.keys.sequence("cadence"), count)
    cadences = [_to_channel(template, i) for i in range(1, count + 1)]
    await _in_chunks(cadences, bot.stores.cadences.save)
    return [fire_id(c.id) for c in cadences]


async def members(bot: Bot, count: int, team: str = "ward-7", prefix: str = "m") -> list[MemberRef]:
    """``count`` members of ``team``, with quiet hours off so that any instant suits them."""
    refs = [MemberRef(PLATFORM, WORKSPACE, f"{prefix}{i:06d}") for i in range(count)]

    async def join(ref: MemberRef) -> None:
        await bot.stores.people.set_role(ref.workspace, team, Role.MEMBER, ref, True)
        await bot.stores.people.save_member(
            Member(ref, ref.user_id, MemberSettings(quiet_off=True))
        )

    await _in_chunks(refs, join)
    return refs


def _to_channel(template: Cadence, number: int) -> Cadence:
    channel = Conversation(PLATFORM, WORKSPACE, f"C{number:06d}", ConversationKind.CHANNEL)
    audience = ChannelAudience(ChannelRef(channel, f"room-{number}"))
    return replace(template, id=f"c{number}", audience=audience)


async def _in_chunks(items: Sequence[_T], write: Callable[[_T], Awaitable[object]]) -> None:
    for start in range(0, len(items), CHUNK):
        await asyncio.gather(*(write(item) for item in items[start : start + CHUNK]))


def lateness_ms(sent_at: Sequence[float], instant: datetime) -> list[float]:
    due = instant.timestamp()
    return [(at - due) * 1000 for at in sent_at]


async def dm_teams(bot: Bot, teams: int, size: int) -> list[str]:
    """``teams`` teams of ``size`` members, each with a daily cadence to its members by direct
    message; returns the cadences' fire ids (not queued)."""
    fires: list[str] = []
    for t in range(teams):
        team, manager = f"team-{t}", MemberRef(PLATFORM, WORKSPACE, f"mgr{t}")
        await say(bot, ADMIN, "manager", "add", Mention(manager, manager.user_id), "to", team)
        await members(bot, size, team, prefix=f"t{t}-")
        await say(bot, manager, "create", "daily", "at", "07:30", "to", "team")
        [cadence] = await bot.stores.cadences.of_team(ADMIN.workspace, team)
        groups = await bot.engine.planner.groups(cadence)
        await bot.queue.discard([g.fire_id for g in groups.values()])
        fires.extend(g.fire_id for g in groups.values())
    return fires
