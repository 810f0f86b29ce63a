"""Clocks: the real one, and the sandbox's, which can run faster or jump ahead."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class SandboxClock:
    """Starts at ``start`` and runs ``speed`` times faster than real time (0 stands still);
    ``advance`` jumps ahead, for demos and scripted sessions."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        # In UTC, so time runs on through a clock change: adding to a local time would move
        # along the wall clock and lose (or gain) the hour the real scheduler does not.
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._t0 = time.monotonic()
        self._offset = timedelta()

    def now(self) -> datetime:
        elapsed = (time.monotonic() - self._t0) * self._speed
        return self._start + self._offset + timedelta(seconds=elapsed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self._speed if self._speed else seconds)

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def set(self, at: datetime) -> None:
        if at > self.now():
            self.advance(at - self.now())
