"""Shout-outs: the records, the weekly index a channel's digest reads, when each person was
last recognised, rate limits, held (vague) shout-outs, and whether a channel's digest is set up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from nudges import codec
from nudges.model import Conversation, MemberRef, Shoutout, Workspace
from nudges.store.base import COUNTER_TTL, StoreBase, as_strs

SHOUTOUT_INDEX_TTL = timedelta(days=60)
KEEP_SHOUTOUTS = timedelta(days=90)
NO_TEAM = "-"
"""Where a shout-out given outside any team's channel is counted."""


class ShoutoutStore(StoreBase):
    async def next_id(self) -> str:
        return f"s{await self._next('s')}"

    async def save_shoutout(
        self,
        shoutout: Shoutout,
        week: str,
        *,
        new: bool,
        keep: timedelta = KEEP_SHOUTOUTS,
        team: str | None = None,
    ) -> None:
        """Save a shout-out. A new one is kept for ``keep`` (its words and names; then only
        the count for ``team`` that week remains), and marks when each recipient was last
        recognised (itself forgotten after ``keep``)."""
        keys = self.keys
        payload = codec.shoutout_to_json(shoutout)
        async with self.redis.pipeline(transaction=True) as pipe:
            if not new:
                pipe.set(keys.shoutout(shoutout.id), payload, keepttl=True)
            else:
                pipe.set(keys.shoutout(shoutout.id), payload, ex=keep)
                index = keys.shoutouts(shoutout.channel, week)
                pipe.rpush(index, shoutout.id)
                pipe.expire(index, SHOUTOUT_INDEX_TTL)
                counts = keys.shoutout_counts(shoutout.workspace, week)
                pipe.hincrby(counts, team or NO_TEAM, 1)
                pipe.expire(counts, COUNTER_TTL)
                recognised = keys.recognised(shoutout.workspace)
                pipe.zadd(
                    recognised,
                    {r.key: shoutout.given_at.timestamp() for r in shoutout.recipients},
                )
                pipe.zremrangebyscore(recognised, "-inf", (shoutout.given_at - keep).timestamp())
                pipe.expire(recognised, keep)
            await pipe.execute()

    async def counts(self, ws: Workspace, team: str, weeks: Sequence[str]) -> list[int]:
        """How many shout-outs ``team`` was given in each of ``weeks``."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for week in weeks:
                pipe.hget(self.keys.shoutout_counts(ws, week), team)
            found = await pipe.execute()
        return [int(n or 0) for n in found]

    async def shoutout(self, shoutout_id: str) -> Shoutout | None:
        raw = await self.redis.get(self.keys.shoutout(shoutout_id))
        return codec.shoutout_from_json(raw) if raw else None

    async def delete_shoutout(self, shoutout: Shoutout, week: str, team: str | None) -> None:
        """Take back a shout-out its giver (or an admin) deleted: it no longer counts."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.shoutout(shoutout.id))
            pipe.lrem(self.keys.shoutouts(shoutout.channel, week), 0, shoutout.id)
            pipe.hincrby(self.keys.shoutout_counts(shoutout.workspace, week), team or NO_TEAM, -1)
            await pipe.execute()

    async def channel_shoutouts(
        self, channel: Conversation, weeks: Sequence[str]
    ) -> list[Shoutout]:
        """The shout-outs given in ``channel`` during ``weeks``, oldest first."""
        ids: list[str] = []
        for week in weeks:
            ids.extend(as_strs(await self.redis.lrange(self.keys.shoutouts(channel, week), 0, -1)))
        if not ids:
            return []
        raws = await self.redis.mget([self.keys.shoutout(i) for i in ids])
        found = [codec.shoutout_from_json(raw) for raw in raws if raw]
        return sorted(found, key=lambda s: s.given_at)

    async def last_recognised(
        self, ws: Workspace, refs: Sequence[MemberRef]
    ) -> list[datetime | None]:
        if not refs:
            return []
        scores = await self.redis.zmscore(self.keys.recognised(ws), [r.key for r in refs])
        return [None if s is None else datetime.fromtimestamp(float(s), UTC) for s in scores]

    async def counted(self, what: str) -> int:
        """How many ``count_within`` has counted under ``what`` in its current window."""
        return int(await self.redis.get(self.keys.rate(what)) or 0)

    async def count_within(self, what: str, window: timedelta) -> int:
        """Count one more event under ``what`` in a fixed window; returns the count so far."""
        key = self.keys.rate(what)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def claim_digest(self, channel: Conversation) -> bool:
        """True the first time only: a channel gets its digest once, and keeps the managers'
        choice (moved, paused or deleted) after that."""
        return bool(await self.redis.set(self.keys.channel(channel).digest, "1", nx=True))

    async def forget_digest_claim(self, channel: Conversation) -> None:
        await self.redis.delete(self.keys.channel(channel).digest)
