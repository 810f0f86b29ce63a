"""The durable queue of fires in Redis: a sorted set of due fire ids, and leases on the ones
being worked on, so that each fire is taken by one replica at a time and is taken again if
that replica dies; and the fires set aside because what they need cannot be read.

Keys (``nudges.keys.QueueKeys``): ``due`` (fire id -> due instant, ms), ``inflight`` (fire id
-> lease expiry, ms), ``inflight:meta`` (fire id -> "<token>|<due ms>") and ``quarantine``
(fire id -> JSON: why, when, and its instant).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from nudges.coalescing import Coalescer
from nudges.errors import ClaimLost
from nudges.keys import KeySpace
from nudges.model import Fire

# Take up to ARGV[2] fires: first those whose lease ran out by now (their owner died), then
# ones due by ARGV[5] (now, or a little later for a runner that prepares ahead) not already in
# flight. Each is leased until now + ARGV[3] under token ARGV[4].
_CLAIM = """
local due, inflight, meta = KEYS[1], KEYS[2], KEYS[3]
local now, limit, lease, token = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local horizon = tonumber(ARGV[5])
local out = {}
local expired = redis.call('ZRANGEBYSCORE', inflight, '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  local m = redis.call('HGET', meta, id) or ''
  local at = string.match(m, '|(%d+)$') or tostring(now)
  redis.call('ZADD', inflight, now + lease, id)
  redis.call('HSET', meta, id, token .. '|' .. at)
  out[#out + 1] = id
  out[#out + 1] = at
end
local room = limit - #expired
if room > 0 then
  local ready = redis.call('ZRANGEBYSCORE', due, '-inf', horizon, 'WITHSCORES', 'LIMIT', 0, room)
  for i = 1, #ready, 2 do
    local id, at = ready[i], ready[i + 1]
    if redis.call('HEXISTS', meta, id) == 0 then
      redis.call('ZREM', due, id)
      redis.call('ZADD', inflight, now + lease, id)
      redis.call('HSET', meta, id, token .. '|' .. at)
      out[#out + 1] = id
      out[#out + 1] = at
    end
  end
end
return out
"""

# Extend the lease of fires we still own; returns the ids we lost.
_RENEW = """
local inflight, meta = KEYS[1], KEYS[2]
local expiry, token = tonumber(ARGV[1]), ARGV[2]
local lost = {}
for i = 3, #ARGV do
  local m = redis.call('HGET', meta, ARGV[i])
  if m and string.sub(m, 1, #token + 1) == token .. '|' then
    redis.call('ZADD', inflight, expiry, ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost
"""

# Finish fires we own and, atomically, schedule each one's next instant (if any). ARGV holds
# (fire id, token, next instant in ms or "") for each fire; returns 1 for each one we owned.
_COMPLETE = """
local due, inflight, meta = KEYS[1], KEYS[2], KEYS[3]
local out = {}
for i = 1, #ARGV, 3 do
  local id, token, nxt = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local m = redis.call('HGET', meta, id)
  if m and string.sub(m, 1, #token + 1) == token .. '|' then
    redis.call('ZREM', inflight, id)
    redis.call('HDEL', meta, id)
    if nxt ~= '' then
      redis.call('ZADD', due, tonumber(nxt), id)
    end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
"""


# Set aside a fire we own (ARGV[1], token ARGV[2]): off the leases, into the quarantine with
# the record ARGV[3]. KEYS: inflight, meta, quarantine. Returns 1 if it was ours.
_QUARANTINE = """
local m = redis.call('HGET', KEYS[2], ARGV[1])
if m and string.sub(m, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  return 1
end
return 0
"""

# Put every fire set aside back in the queue at its own instant (unless it was planned anew
# meanwhile), and empty the quarantine. KEYS: due, quarantine. Returns how many.
_RELEASE = """
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local at = string.match(all[i + 1], '"due_ms":%s*(%d+)') or ARGV[1]
  redis.call('ZADD', KEYS[1], 'NX', tonumber(at), all[i])
end
redis.call('DEL', KEYS[2])
return #all / 2
"""


@dataclass(frozen=True, slots=True)
class SetAside:
    """A fire in quarantine: why, and since when."""

    fire_id: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Claim:
    """A fire this replica has claimed: what to run, and the lease (its token, and when it was
    taken) that says this replica owns it until the lease runs out."""

    fire: Fire
    token: str
    claimed_at: datetime


class RedisFireQueue:
    """The ``FireQueue`` port, plus claim, renew and complete for the runner.

    The caller owns (and closes) the Redis client.
    """

    def __init__(
        self,
        redis: Redis,
        keys: KeySpace | None = None,
        lease: timedelta = timedelta(seconds=30),
    ) -> None:
        self.redis = redis
        self.lease = lease
        queue = (keys or KeySpace()).queue
        self.due_key = queue.due
        self.inflight_key = queue.inflight
        self.meta_key = queue.meta
        self.quarantine_key = queue.quarantine
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._complete = redis.register_script(_COMPLETE)
        self._quarantine = redis.register_script(_QUARANTINE)
        self._release = redis.register_script(_RELEASE)
        self._completions = Coalescer(self._complete_many)

    async def put(self, entries: Sequence[tuple[str, datetime]]) -> None:
        """Schedule each fire id at its instant; a fire planned anew leaves the quarantine."""
        if entries:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(self.due_key, {fid: _ms(at) for fid, at in entries})
                pipe.hdel(self.quarantine_key, *(fid for fid, _ in entries))
                await pipe.execute()

    async def discard(self, fire_ids: Sequence[str]) -> None:
        if fire_ids:
            await self.redis.zrem(self.due_key, *fire_ids)

    async def scheduled(self, fire_ids: Sequence[str]) -> list[datetime | None]:
        if not fire_ids:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zmscore(self.due_key, list(fire_ids))
            pipe.hmget(self.meta_key, list(fire_ids))
            scores, metas = await pipe.execute()
        found: list[datetime | None] = []
        for score, meta in zip(scores, metas, strict=True):
            if score is not None:
                found.append(_at(float(score)))
            elif meta is not None:
                found.append(_at(float(_text(meta).rsplit("|", 1)[1])))
            else:
                found.append(None)
        return found

    async def claim(
        self, now: datetime, limit: int, ahead: timedelta = timedelta(0)
    ) -> list[Claim]:
        """Take up to ``limit`` fires due by ``now + ahead`` (and fires whose owner's lease ran
        out by ``now``), leased from ``now``."""
        token = uuid.uuid4().hex
        args: list[Any] = [_ms(now), limit, _ms_delta(self.lease), token, _ms(now + ahead)]
        flat = await self._claim(keys=[self.due_key, self.inflight_key, self.meta_key], args=args)
        pairs = [_text(x) for x in flat]
        return [
            Claim(Fire(pairs[i], _at(float(pairs[i + 1]))), token, now)
            for i in range(0, len(pairs), 2)
        ]

    async def renew(self, claims: Sequence[Claim], now: datetime) -> list[Claim]:
        """Extend the leases of ``claims``; returns those another replica has taken over."""
        lost: list[Claim] = []
        by_token: dict[str, list[Claim]] = {}
        for claim in claims:
            by_token.setdefault(claim.token, []).append(claim)
        for token, group in by_token.items():
            args: list[Any] = [_ms(now) + _ms_delta(self.lease), token, *(d.fire.id for d in group)]
            gone = {
                _text(x)
                for x in await self._renew(keys=[self.inflight_key, self.meta_key], args=args)
            }
            lost.extend(d for d in group if d.fire.id in gone)
        return lost

    async def complete(self, claim: Claim, next_at: datetime | None) -> None:
        """Finish ``claim`` and schedule its fire's next instant, atomically.

        Raises:
            ClaimLost: Another replica took the fire over (this one's lease had run out).
        """
        args: list[Any] = [claim.fire.id, claim.token, "" if next_at is None else _ms(next_at)]
        if not await self._completions(tuple(args)):
            raise ClaimLost(f"fire {claim.fire.id} was taken over by another replica")

    async def _complete_many(self, calls: Sequence[tuple[Any, ...]]) -> list[bool]:
        """Fires finishing together complete in one script call."""
        keys = [self.due_key, self.inflight_key, self.meta_key]
        owned = await self._complete(keys=keys, args=[arg for call in calls for arg in call])
        return [bool(one) for one in owned]

    async def release(self, claim: Claim) -> bool:
        """Hand back a fire claimed before its time, untouched; False if it was not ours."""
        # Completing it with its own instant as the next puts it back as it was.
        at_ms = round(claim.fire.scheduled_at.timestamp() * 1000)
        (owned,) = await self._complete_many([(claim.fire.id, claim.token, at_ms)])
        return owned

    async def quarantine(self, claim: Claim, reason: str, now: datetime) -> bool:
        """Set ``claim``'s fire aside, for good until ``release_quarantined``: what it needs
        cannot be read, so retrying it every lease would fail the same way. False if the fire
        was not ours any more."""
        record = json.dumps(
            {
                "reason": reason[:300],
                "at": now.isoformat(),
                "due_ms": _ms(claim.fire.scheduled_at),
            }
        )
        keys = [self.inflight_key, self.meta_key, self.quarantine_key]
        return bool(await self._quarantine(keys=keys, args=[claim.fire.id, claim.token, record]))

    async def quarantined_ids(self) -> set[str]:
        return {_text(f) for f in await self.redis.hkeys(self.quarantine_key)}

    async def quarantined(self) -> list[SetAside]:
        """The fires set aside, oldest first."""
        found: list[SetAside] = []
        for fire_id, raw in (await self.redis.hgetall(self.quarantine_key)).items():
            try:
                data = json.loads(raw)
                at = datetime.fromisoformat(str(data["at"]))
                reason = str(data["reason"])
            except (ValueError, KeyError, TypeError):
                at, reason = datetime.fromtimestamp(0, UTC), "(no reason kept)"
            found.append(SetAside(_text(fire_id), reason, at))
        return sorted(found, key=lambda s: (s.at, s.fire_id))

    async def release_quarantined(self, now: datetime) -> int:
        """Give every fire set aside another chance (a replica starting, after an upgrade that
        can read them, say): each goes back at its own instant, so one long past its grace
        window is skipped and its next instant planned, as for any missed fire."""
        keys = [self.due_key, self.quarantine_key]
        return int(await self._release(keys=keys, args=[_ms(now)]))

    async def next_at(self) -> datetime | None:
        """The soonest instant anything becomes claimable (a due fire or an expiring lease)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(self.due_key, 0, 0, withscores=True)
            pipe.zrange(self.inflight_key, 0, 0, withscores=True)
            waiting, inflight = await pipe.execute()
        scores = [float(s) for _, s in (*waiting, *inflight)]
        return _at(min(scores)) if scores else None

    async def size(self) -> tuple[int, int]:
        """(waiting, in flight), for /metrics."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self.due_key)
            pipe.zcard(self.inflight_key)
            waiting, running = await pipe.execute()
        return int(waiting), int(running)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _ms_delta(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def _at(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
