"""Work that follows an acknowledgement waits (``bot.acks``) and then runs concurrently; what
comes from one conversation must still run in the order it came (a manager adding someone and
then making a cadence for them, say). A lane per conversation does that; different
conversations run side by side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


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
