"""The prologue of every inbound handler, in one place, as bolt's middleware is for listeners.

Each piece of inbound work is acknowledged first (Slack gives up after 3 s), then: waits until
the acknowledgements in
progress have gone out (``bot.acks``), so that a burst is acknowledged before any of it is
worked on; takes its conversation's lane, so that what came from one conversation runs in the
order it came (a manager adding someone, then making a cadence for them) while different
conversations run side by side; skips a delivery already acted on (platforms retry, people
double-click); and, if it fails, gets the engine's kind answer ("try again in a moment" while
Redis is away) instead of a traceback, logged once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from adapters.platform import Settle
from nudges.edge import PlatformKeys, Reply, failed

log = logging.getLogger(__name__)

SEEN_TTL_S = 3600
DRAIN_S = 5.0
Work = Callable[[], Awaitable[None]]
Acknowledge = Callable[[], Awaitable[None]]
Answer = Callable[[Reply], Awaitable[None]]
"""How to tell the person who is waiting (Slack's ``respond``, a Teams reply)."""


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class Lanes:
    def __init__(self) -> None:
        self._lanes: dict[str, _Lane] = {}

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s lane: in order of arrival (asyncio locks are fair), one at a time."""
        lane = self._lanes.setdefault(key, _Lane())
        lane.waiting += 1
        try:
            async with lane.lock:
                yield
        finally:
            lane.waiting -= 1
            if not lane.waiting:
                del self._lanes[key]


class Turns:
    """One platform's inbound work. ``name`` is for the log ("answering Slack")."""

    def __init__(self, name: str, redis: Redis, keys: PlatformKeys, settled: Settle) -> None:
        self.name = name
        self.redis = redis
        self.keys = keys
        self.settled = settled
        self.lanes = Lanes()
        self._working: set[asyncio.Task[Any]] = set()

    async def run(
        self,
        lane: str | None,
        work: Work,
        *,
        ack: Acknowledge | None = None,
        once: tuple[str, str] | None = None,
        answer: Answer | None = None,
    ) -> None:
        """Acknowledge (``ack``, if the platform acknowledges by a call), then do ``work`` in
        its turn. ``once`` is (kind, id) of the delivery, if the platform gives one: work
        already done for it is not done again. Nothing escapes: a failure is logged and
        answered through ``answer``, if there is someone to answer. With no ``lane``, the
        work is done at once, waiting neither for its conversation's earlier work nor for the
        acknowledgements in progress: for work with a deadline of its own (a form opens only
        within 3 s of the command that asked for it,
        https://docs.slack.dev/tools/bolt-python/concepts/opening-modals)."""
        if ack is not None:
            await ack()
        async with contextlib.AsyncExitStack() as turn:
            if lane is not None:
                await turn.enter_async_context(self.lanes.turn(lane))
                await self.settled()
            try:
                if once is not None and not await self.first_time(*once):
                    return
                await work()
            except Exception as exc:
                reply = failed(exc, f"answering {self.name}")
                if answer is not None:
                    await self._tell(answer, reply)

    def tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """``listener``, for a platform SDK that runs it in a task of its own and answers the
        platform as soon as it acknowledges (Bolt): the task is work ``drain`` waits for on
        shutdown, from its first step, so nothing acknowledged is cut off (nor left holding a
        connection after Redis is closed). Its arguments are the listener's own (Bolt reads
        their names through ``__wrapped__``)."""

        @functools.wraps(listener)
        async def run(*args: Any, **kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._working.add(task)
            try:
                await listener(*args, **kwargs)
            finally:
                if task is not None:
                    self._working.discard(task)

        return run

    def spawn(self, lane: str, work: Work, *, answer: Answer | None = None) -> None:
        """``run`` in the background, for a platform that acknowledges by returning from its
        handler (Teams); ``drain`` waits for it on shutdown."""
        task = asyncio.create_task(self.run(lane, work, answer=answer))
        self._working.add(task)
        task.add_done_callback(self._working.discard)

    async def drain(self, timeout_s: float = DRAIN_S) -> None:
        """On shutdown: let the work already acknowledged finish, for a while."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        # Work may start more as it finishes (a time zone looked up afterwards): until none.
        while self._working:
            left = deadline - loop.time()
            if left <= 0:
                late = set(self._working)
                for task in late:
                    task.cancel()
                log.warning("stopping: %d %s requests were not finished", len(late), self.name)
                return
            await asyncio.wait(set(self._working), timeout=left)

    async def first_time(self, kind: str, ident: str) -> bool:
        """False for a delivery already acted on (retried, or pressed twice), by any replica."""
        if not ident:
            return True
        return bool(await self.redis.set(self.keys.seen(kind, ident), "1", nx=True, ex=SEEN_TTL_S))

    async def _tell(self, answer: Answer, reply: Reply) -> None:
        try:
            await answer(reply)
        except Exception as exc:
            log.warning("could not answer in %s (%s)", self.name, type(exc).__name__)
