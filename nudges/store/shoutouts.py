"""Shout-outs: the records, the weekly index a channel's digest reads, when each person was
last recognised, rate limits, held (vague) shout-outs, and whether a channel's digest is set up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from nudges import codec
from nudges.model import Conversation, MemberRef, Shoutout, Workspace
from nudges.store.base import StoreBase, as_strs

SHOUTOUT_INDEX_TTL = timedelta(days=60)


class ShoutoutStore(StoreBase):
    async def next_id(self) -> str:
        return f"s{await self._next('s')}"

    async def save_shoutout(self, shoutout: Shoutout, week: str, *, new: bool) -> None:
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.shoutout(shoutout.id), codec.shoutout_to_json(shoutout))
            if new:
                index = keys.shoutouts(shoutout.channel, week)
                pipe.rpush(index, shoutout.id)
                pipe.expire(index, SHOUTOUT_INDEX_TTL)
                pipe.zadd(
                    keys.recognised(shoutout.workspace),
                    {r.key: shoutout.given_at.timestamp() for r in shoutout.recipients},
                )
            await pipe.execute()

    async def shoutout(self, shoutout_id: str) -> Shoutout | None:
        raw = await self.redis.get(self.keys.shoutout(shoutout_id))
        return codec.shoutout_from_json(raw) if raw else None

    async def delete_shoutout(self, shoutout: Shoutout, week: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.keys.shoutout(shoutout.id))
            pipe.lrem(self.keys.shoutouts(shoutout.channel, week), 0, shoutout.id)
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
