"""Pacing shared by every replica through Redis, for the platforms' rate limits (Slack: one
message a second per channel; Teams: seven a second per conversation, thirty per tenant).
Each sender reserves the next free slot atomically, with Redis's clock, and waits for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

# Reserve the next slot for KEYS[1]: returns how many ms to wait before sending.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
redis.call('SET', KEYS[1], at + interval, 'PX', interval * 10 + 1000)
return at - now
"""

Sleep = Callable[[float], Awaitable[None]]


class RedisPacer:
    def __init__(
        self,
        redis: Redis,
        sleep: Sleep,
        interval_s: float = 1.0,
        prefix: str = "carenudge:slack:pace",
    ) -> None:
        self.redis = redis
        self.sleep = sleep
        self.interval_ms = int(interval_s * 1000)
        self.prefix = prefix
        self._reserve: Any = redis.register_script(_RESERVE)

    async def wait_turn(self, team_id: str, channel_id: str) -> None:
        wait_ms = int(
            await self._reserve(
                keys=[f"{self.prefix}:{team_id}:{channel_id}"], args=[self.interval_ms]
            )
        )
        if wait_ms > 0:
            await self.sleep(wait_ms / 1000)
