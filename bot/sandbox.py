"""``carenudge sandbox``: the whole engine in a terminal, with no accounts and no Redis server.

You act as a member in a channel, type the same commands people type in Slack and Teams, see
replies and prompts as they arrive, and press buttons by number. Lines can come from a file
or a pipe; the transcript is then plain text, and the exit status is 0 only if every line was
understood.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from adapters import console
from adapters.console.inbound import PLATFORM, channel, direct, from_line, member
from adapters.platform import Host
from adapters.routing import RoutingMessenger
from bot.app import connect
from bot.clock import SandboxClock
from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Reply
from nudges.events import ActionInvoked
from nudges.model import Conversation, ConversationKind, MessageRef
from nudges.settings import EngineSettings

SANDBOX_TZ = "Europe/London"
HELP = """Sandbox commands (everything else goes to CareNudge, as in Slack or Teams):
  as @name [in #channel]   act as someone else (in dm: your 1:1 chat with the bot)
  in #channel | in dm      move to a channel, or to your 1:1 chat with the bot
  wait 30s | wait 2h | wait 1d | wait until 07:30 | wait until tue 07:30
                           move the clock on; prompts due in between arrive in order
  press 2                  press button number 2
  time                     show the sandbox clock
  quit                     leave (or Ctrl-D)
Try: /nudge help"""


@dataclass(frozen=True, slots=True)
class Options:
    you: str = "sam"
    where: str = "ward-7"
    speed: float | None = None
    start: datetime | None = None
    seed: int | None = None
    tz: str = SANDBOX_TZ


@contextlib.asynccontextmanager
async def _redis(settings: Settings) -> AsyncIterator[Redis]:
    if settings.redis_url_given:
        client = connect(settings.redis_url)
    else:
        import fakeredis  # the sandbox's embedded Redis (with Lua), never used by tests

        client = fakeredis.FakeAsyncRedis(decode_responses=True)
    try:
        yield client
    finally:
        await client.aclose()


class Sandbox:
    def __init__(
        self,
        redis: Redis,
        settings: Settings,
        options: Options,
        write: Callable[[str], None],
        interactive: bool,
    ) -> None:
        speed = options.speed if options.speed is not None else (1.0 if interactive else 0.0)
        start = options.start or datetime.now(UTC).replace(second=0, microsecond=0)
        self.clock = SandboxClock(start, speed)
        self.write = write
        self.tz = options.tz
        engine_settings = EngineSettings(
            default_tz=options.tz,
            admins=settings.engine.admins | {f"{PLATFORM}:{options.you.lstrip('@').lower()}"},
            grace=settings.engine.grace,
        )
        salt = str(options.seed) if options.seed is not None else str(random.random())
        router = RoutingMessenger()
        core = build_core(
            replace(settings, engine=engine_settings), redis, router, self.clock, salt=salt
        )
        terminal = console.build(
            console.ConsoleSettings(write, options.tz),
            Host(core.engine, redis, core.keys, self.clock),
        )
        router.add(terminal.name, terminal.messenger)
        self.messenger = terminal.messenger
        self.engine, self.queue, self.runner = core.engine, core.queue, core.runner
        self.you = options.you.lstrip("@").lower()
        self.where: Conversation = channel(options.where)
        self.understood = True
        self.replies = 0

    @property
    def prompt(self) -> str:
        return f"{self.you} in {_place(self.where)} > "

    def banner(self) -> None:
        self.write(
            "CareNudge sandbox: try CareNudge with no accounts. Nothing leaves this terminal."
        )
        self.write(f"You are @{self.you} (an admin) in {_place(self.where)}. {self._now_text()}")
        self.write("Type /nudge help for CareNudge, or help for the sandbox's own commands.")

    def _now_text(self) -> str:
        now = self.clock.now().astimezone(ZoneInfo(self.tz))
        return f"It is {now:%a %d %b %Y, %H:%M} ({self.tz})."

    async def line(self, text: str) -> bool:
        """Handle one typed line; False means leave."""
        text = text.strip()
        if not text or text.startswith(("//", "# ")):
            return True
        word = text.split()[0].lower()
        if word in ("quit", "exit"):
            return False
        if word in ("help", "?"):
            self.write(HELP)
        elif word in ("time", "now"):
            self.write(self._now_text())
        elif word == "as":
            self._as(text)
        elif word == "in":
            self._in(text.split(maxsplit=1)[1] if " " in text else "")
        elif word == "wait":
            await self._wait(text)
        elif word == "press":
            await self._press(text)
        else:
            event = from_line(text, self.you, self.where)
            if event is None:
                self._not_understood(
                    f"I don't know '{word[:30]}'. Type help for the sandbox's commands."
                )
            else:
                self._reply(await self.engine.handle(event))
        await self.runner.tick()
        return True

    def _not_understood(self, message: str) -> None:
        self.understood = False
        self.write(f"  (sandbox) {message}")

    def _reply(self, reply: Reply | None) -> None:
        if reply is None:
            return
        if reply.status in ("invalid", "unavailable", "error"):
            self.understood = False
        who = "only you see this" if reply.private else f"in {_place(self.where)}"
        self.replies += 1
        ref = MessageRef(self.where, f"reply-{self.replies}")
        self.messenger.show(f"  CareNudge ({who}):", reply.card, ref)

    def _as(self, text: str) -> None:
        m = re.fullmatch(r"as\s+@?([\w.-]{1,40})(?:\s+in\s+(#?[\w.-]{1,80}|dm))?", text, re.I)
        if not m:
            self._not_understood("Try: as @priya in #ward-7")
            return
        self.you = m.group(1).lower()
        if m.group(2):
            self._in(m.group(2), quiet=True)
        elif self.where.kind is ConversationKind.DIRECT:
            self.where = direct(self.you)
        self.write(f"  (sandbox) You are @{self.you} in {_place(self.where)}.")

    def _in(self, place: str, *, quiet: bool = False) -> None:
        place = place.strip()
        if place.lower() == "dm":
            self.where = direct(self.you)
        elif re.fullmatch(r"#?[\w.-]{1,80}", place):
            self.where = channel(place)
        else:
            self._not_understood("Try: in #ward-7, or in dm")
            return
        if not quiet:
            self.write(f"  (sandbox) You are in {_place(self.where)}.")

    async def _wait(self, text: str) -> None:
        target = _wait_target(text, self.clock.now(), self.tz)
        if target is None:
            self._not_understood("Try: wait 2h, wait 30m, wait 1d or wait until 07:30")
            return
        while True:
            soonest = await self.queue.next_at()
            if soonest is None or soonest > target:
                break
            self.clock.set(soonest)
            await self.runner.tick()
        self.clock.set(target)
        self.write(f"  (sandbox) {self._now_text()}")

    async def _press(self, text: str) -> None:
        m = re.fullmatch(r"press\s+(\d{1,6})", text, re.I)
        found = self.messenger.buttons.get(int(m.group(1))) if m else None
        if found is None:
            self._not_understood("There's no button with that number.")
            return
        conversation = found.message.conversation
        actor = self.you
        if conversation.kind is ConversationKind.DIRECT:
            actor = conversation.channel_id.removeprefix("dm-")
            if actor != self.you:
                self.write(
                    f"  (sandbox) That's in @{actor}'s direct messages: pressing as @{actor}."
                )
        event = ActionInvoked(
            action=found.button.action,
            value=found.button.value,
            actor=member(actor),
            actor_name=actor,
            conversation=conversation,
            message=found.message,
        )
        self._reply(await self.engine.handle(event))


def _place(where: Conversation) -> str:
    if where.kind is ConversationKind.DIRECT:
        return "your 1:1 chat with CareNudge"
    return f"#{where.channel_id}"


_DURATION = re.compile(
    r"(\d{1,4})\s*(days|day|d|hours|hour|hrs|hr|h|minutes|minute|mins|min|m|seconds|second"
    r"|secs|sec|s)"
)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _wait_target(text: str, now: datetime, tz: str) -> datetime | None:
    rest = text.split(maxsplit=1)[1].strip().lower() if " " in text.strip() else ""
    if rest.startswith("until "):
        m = re.fullmatch(r"until\s+(?:(mon|tue|wed|thu|fri|sat|sun)\w*\s+)?(\d{1,2}):(\d{2})", rest)
        if not m or int(m.group(2)) > 23 or int(m.group(3)) > 59:
            return None
        local = now.astimezone(ZoneInfo(tz))
        candidate = local.replace(
            hour=int(m.group(2)), minute=int(m.group(3)), second=0, microsecond=0
        )
        if m.group(1):
            ahead = (_DAYS.index(m.group(1)) - local.weekday()) % 7
            candidate += timedelta(days=ahead)
        while candidate <= local:
            candidate += timedelta(days=7 if m.group(1) else 1)
        return candidate.astimezone(UTC)
    total = timedelta()
    matched = "".join(rest.split())
    pieces = list(_DURATION.finditer(rest))
    if not pieces or "".join(p.group(0).replace(" ", "") for p in pieces) != matched:
        return None
    for piece in pieces:
        n, unit = int(piece.group(1)), piece.group(2)
        total += timedelta(**{_UNITS[unit[0]]: n})
    if total > timedelta(days=60):
        return None
    return now + total


async def run(settings: Settings, options: Options) -> int:
    interactive = sys.stdin.isatty()
    async with _redis(settings) as redis:
        sandbox = Sandbox(redis, settings, options, _print, interactive)
        sandbox.banner()
        if interactive:
            await _interactive(sandbox)
        else:
            for raw in sys.stdin:
                _print(f"{sandbox.prompt}{raw.rstrip()}")
                if not await sandbox.line(raw):
                    break
            return 0 if sandbox.understood else 1
    return 0


async def _interactive(sandbox: Sandbox) -> None:
    async def ticking() -> None:
        while True:
            await asyncio.sleep(0.25)
            with contextlib.suppress(Exception):
                await sandbox.runner.tick()

    async with asyncio.TaskGroup() as group:
        ticker = group.create_task(ticking())
        try:
            while True:
                try:
                    text = await asyncio.to_thread(input, sandbox.prompt)
                except EOFError:
                    break
                if not await sandbox.line(text):
                    break
        finally:
            ticker.cancel()
    _print("Goodbye. Nothing was kept.")


def _print(line: str) -> None:
    print(line, flush=True)
