"""Clocks for tests: ``FakeClock`` moves only when told (or when something sleeps on it)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
        await asyncio.sleep(0)

    def set(self, at: datetime) -> None:
        self.at = at


class WallClock(FakeClock):
    """The real time, for tests of what happens on the instant; it cannot be set."""

    def __init__(self) -> None:
        super().__init__(datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def set(self, at: datetime) -> None:
        raise TypeError("the wall clock cannot be set")


class ScaledClock:
    """The wall clock, sped up by ``speed`` from a shared anchor, so that several processes
    given the same anchor agree on the time."""

    def __init__(self, anchor_wall: float, anchor_at: datetime, speed: float) -> None:
        self.anchor_wall = anchor_wall
        self.anchor_at = anchor_at
        self.speed = speed

    def now(self) -> datetime:
        return self.anchor_at + timedelta(seconds=(time.time() - self.anchor_wall) * self.speed)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


class ManualClock:
    """A clock for whole-app tests: time moves only when the test sets it, while the app's
    background loops still get to run (each sleep yields briefly on the real loop)."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(min(seconds, 0.005))

    def set(self, at: datetime) -> None:
        self.at = at
