"""Pacing shared by every replica through Redis, for the platforms' rate limits (Slack: one
message a second per channel, and a workspace-wide limit; Teams: seven a second per
conversation, thirty per tenant).

Each send reserves the next free slot atomically, with Redis's clock, for its channel and its
workspace (or tenant) together, and waits for it: sends are spread evenly, never in bursts.
When the platform answers 429, ``hold`` stops every send to that workspace, in every replica,
until ``Retry-After`` is up; sends that had already reserved a slot inside the hold take a new
one after it, so the platform sees the same even pace when it opens again, not a burst of
everyone retrying at the same instant. So does a send that wakes well after its slot (the
event loop was busy): going at once would bunch it with the sends behind it.

Pacing is never the reason a message is not sent: while Redis is away, each replica paces on
its own, in memory, and says so once in the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from nudges.edge import PaceKeys

log = logging.getLogger(__name__)

HEADROOM = 0.95
"""Pace a little under a published limit: requests reach the platform with some jitter, and
a sliding window counts them as they arrive, not as they were sent."""

# KEYS: the channel's next free slot, the workspace's next free slot, the workspace's hold.
# ARGV: the channel's interval and the workspace's interval, in ms (0: not paced).
# Returns {ms to wait, the slot}: the slot is the later of now, the hold, and both next free
# slots, so neither limit is ever exceeded. Each key lives until its slot has passed.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local channel_ms, team_ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local at = math.max(now, tonumber(redis.call('GET', KEYS[3]) or '0'))
if channel_ms > 0 then at = math.max(at, tonumber(redis.call('GET', KEYS[1]) or '0')) end
if team_ms > 0 then at = math.max(at, tonumber(redis.call('GET', KEYS[2]) or '0')) end
if channel_ms > 0 then
  redis.call('SET', KEYS[1], at + channel_ms, 'PX', at - now + channel_ms + 1000)
end
if team_ms > 0 then
  redis.call('SET', KEYS[2], at + team_ms, 'PX', at - now + team_ms + 1000)
end
return {at - now, at}
"""

# Once we have waited for our slot: may we go? Not if a hold came since, nor if we are more
# than ARGV[4] ms late; then we give our slot back where nobody has reserved after it.
# KEYS: as for _RESERVE. ARGV: the slot, the two intervals, the lateness allowed.
# Returns {ms since the slot, 1 to go or 0 to take a new slot}.
_CHECK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = tonumber(ARGV[1])
local hold = tonumber(redis.call('GET', KEYS[3]) or '0')
if hold <= slot and now - slot <= tonumber(ARGV[4]) then return {now - slot, 1} end
for i = 1, 2 do
  local ms = tonumber(ARGV[i + 1])
  if ms > 0 and tonumber(redis.call('GET', KEYS[i]) or '0') == slot + ms then
    redis.call('SET', KEYS[i], slot, 'KEEPTTL')
  end
end
return {now - slot, 0}
"""

# KEYS: the workspace's hold. ARGV: how long, in ms. Holds never shrink.
_HOLD = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hold = now + tonumber(ARGV[1])
if hold > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], hold, 'PX', tonumber(ARGV[1]) + 1000)
end
return hold
"""

LATE_MS = 20
"""A send that wakes this much after its slot (the event loop was busy) takes a new slot
rather than go at once, up to ``LATE_TRIES`` times: going late would bunch it with the sends
after it, and a sliding window would see a burst."""
LATE_TRIES = 2

Sleep = Callable[[float], Awaitable[None]]


def interval(per_second: float, headroom: float = HEADROOM) -> float:
    """The pause between sends that keeps under ``per_second``, with headroom."""
    return 1.0 / (per_second * headroom)


class RedisPacer:
    """Paces sends per channel (``interval_s`` apart) and per workspace or tenant
    (``team_interval_s`` apart; 0 for no workspace-wide pace), and holds a workspace after a
    429. ``sleep`` is the clock's."""

    def __init__(
        self,
        redis: Redis,
        sleep: Sleep,
        keys: PaceKeys,
        interval_s: float = 1.0,
        *,
        team_interval_s: float = 0.0,
    ) -> None:
        self.redis = redis
        self.sleep = sleep
        self.keys = keys
        self.interval_ms = int(interval_s * 1000)
        self.team_interval_ms = int(team_interval_s * 1000)
        self._reserve: Any = redis.register_script(_RESERVE)
        self._hold: Any = redis.register_script(_HOLD)
        self._checked: Any = redis.register_script(_CHECK)
        self._alone: dict[str, int] = {}
        """The same keys in memory, for while Redis is away."""
        self._away = False

    def _slots(self, team_id: str, channel_id: str | None) -> tuple[list[str], list[int]]:
        channel_ms = self.interval_ms if channel_id is not None else 0
        keys = [
            self.keys.channel(team_id, channel_id),
            self.keys.team(team_id),
            self.keys.hold(team_id),
        ]
        return keys, [channel_ms, self.team_interval_ms]

    async def try_turn(
        self, team_id: str, channel_id: str | None = None, *, within_s: float
    ) -> bool:
        """Take this call's slot only if it comes within ``within_s``, and wait for it;
        otherwise give the slot back and return False. For a call that is better made later
        than waited for (a time zone looked up while someone waits for their answer)."""
        keys, args = self._slots(team_id, channel_id)
        wait_ms, slot = await self._turn(keys, args)
        if wait_ms > within_s * 1000:
            await self._check(keys, [slot, *args, -(2**40)])  # never "go": gives it back
            return False
        if wait_ms > 0:
            await self.sleep(wait_ms / 1000)
        return True

    async def wait_turn(self, team_id: str, channel_id: str | None = None) -> None:
        """Wait for this send's slot in ``channel_id`` (None: the workspace's pace only)."""
        keys, args = self._slots(team_id, channel_id)
        late = 0
        while True:
            wait_ms, slot = await self._turn(keys, args)
            if wait_ms <= 0:
                return
            await self.sleep(wait_ms / 1000)
            # A 429 while we slept holds the workspace past our slot; or we woke late.
            allowed = LATE_MS if late < LATE_TRIES else 2**40
            late_ms, go = await self._check(keys, [slot, *args, allowed])
            if go:
                return
            late += late_ms > allowed

    async def hold(self, team_id: str, seconds: float) -> None:
        """Hold every send to ``team_id`` for ``seconds`` (the platform's Retry-After)."""
        key, ms = self.keys.hold(team_id), max(1, int(seconds * 1000))
        try:
            await self._hold(keys=[key], args=[ms])
            self._back()
        except RedisError as exc:
            self._gone(exc)
            self._alone[key] = max(self._alone.get(key, 0), _now_ms() + ms)

    async def _turn(self, keys: list[str], args: list[int]) -> tuple[int, int]:
        try:
            wait_ms, slot = (int(x) for x in await self._reserve(keys=keys, args=args))
        except RedisError as exc:
            self._gone(exc)
            return self._turn_alone(keys, args)
        self._back()
        return wait_ms, slot

    def _turn_alone(self, keys: list[str], args: list[int]) -> tuple[int, int]:
        """What ``_RESERVE`` does, in this process only."""
        now = _now_ms()
        at = max(now, self._alone.get(keys[2], 0))
        for key, ms in zip(keys, args, strict=False):
            if ms > 0:
                at = max(at, self._alone.get(key, 0))
        for key, ms in zip(keys, args, strict=False):
            if ms > 0:
                self._alone[key] = at + ms
        return at - now, at

    async def _check(self, keys: list[str], args: list[int]) -> tuple[int, bool]:
        try:
            late_ms, go = (int(x) for x in await self._checked(keys=keys, args=args))
        except RedisError as exc:
            self._gone(exc)
            return self._check_alone(keys, args)
        return late_ms, bool(go)

    def _check_alone(self, keys: list[str], args: list[int]) -> tuple[int, bool]:
        """What ``_CHECK`` does, in this process only."""
        slot, allowed = args[0], args[3]
        late_ms = _now_ms() - slot
        if self._alone.get(keys[2], 0) <= slot and late_ms <= allowed:
            return late_ms, True
        for key, ms in zip(keys, args[1:3], strict=False):
            if ms > 0 and self._alone.get(key) == slot + ms:
                self._alone[key] = slot
        return late_ms, False

    def _gone(self, exc: RedisError) -> None:
        if not self._away:
            self._away = True
            log.warning("pacing without Redis (%s): this replica paces alone", type(exc).__name__)

    def _back(self) -> None:
        if self._away:
            self._away = False
            self._alone.clear()
            log.info("pacing through Redis again")


def _now_ms() -> int:
    return int(time.time() * 1000)
