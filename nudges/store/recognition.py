"""Shout-outs and pauses: the records, the weekly index a channel's digest reads, when each
person was last recognised, rate limits, held (vague) shout-outs, presence in a Pause, the
monthly Pause counts, and which team a channel belongs to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from nudges import codec
from nudges.model import Conversation, MemberRef, Pause, Shoutout, Workspace
from nudges.store.base import COUNTER_TTL, StoreBase, as_strs, maybe_str

SHOUTOUT_INDEX_TTL = timedelta(days=60)
PENDING_TTL = timedelta(hours=1)
PAUSE_TTL = timedelta(days=2)


class RecognitionKeys(StoreBase):
    async def next_id(self, kind: str) -> str:
        """The next id for a shout-out ("s") or a pause ("p")."""
        return f"{kind}{await self.redis.incr(self._k('seq', kind))}"

    # --- shout-outs -----------------------------------------------------------------------

    async def save_shoutout(self, shoutout: Shoutout, week: str, *, new: bool) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k("shoutout", shoutout.id), codec.shoutout_to_json(shoutout))
            if new:
                index = self._k("shoutouts", shoutout.channel.key, week)
                pipe.rpush(index, shoutout.id)
                pipe.expire(index, SHOUTOUT_INDEX_TTL)
                seen = self._k("recognised", shoutout.workspace.key)
                pipe.zadd(seen, {r.key: shoutout.given_at.timestamp() for r in shoutout.recipients})
            await pipe.execute()

    async def shoutout(self, shoutout_id: str) -> Shoutout | None:
        raw = await self.redis.get(self._k("shoutout", shoutout_id))
        return codec.shoutout_from_json(raw) if raw else None

    async def delete_shoutout(self, shoutout: Shoutout, week: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._k("shoutout", shoutout.id))
            pipe.lrem(self._k("shoutouts", shoutout.channel.key, week), 0, shoutout.id)
            await pipe.execute()

    async def channel_shoutouts(
        self, channel: Conversation, weeks: Sequence[str]
    ) -> list[Shoutout]:
        """The shout-outs given in ``channel`` during ``weeks``, oldest first."""
        ids: list[str] = []
        for week in weeks:
            ids.extend(
                as_strs(await self.redis.lrange(self._k("shoutouts", channel.key, week), 0, -1))
            )
        if not ids:
            return []
        raws = await self.redis.mget([self._k("shoutout", i) for i in ids])
        found = [codec.shoutout_from_json(raw) for raw in raws if raw]
        return sorted(found, key=lambda s: s.given_at)

    async def last_recognised(
        self, ws: Workspace, refs: Sequence[MemberRef]
    ) -> list[datetime | None]:
        if not refs:
            return []
        scores = await self.redis.zmscore(self._k("recognised", ws.key), [r.key for r in refs])
        return [None if s is None else datetime.fromtimestamp(float(s), UTC) for s in scores]

    async def count_within(self, key: str, window: timedelta) -> int:
        """Count one more event under ``key`` in a fixed window; returns the count so far."""
        full = self._k("rate", key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(full)
            pipe.expire(full, window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def hold(self, held_id: str, payload: dict[str, Any]) -> None:
        """Keep a shout-out the giver may still post as it is (for an hour)."""
        await self.redis.set(self._k("held", held_id), codec.dumps(payload), ex=PENDING_TTL)

    async def take_held(self, held_id: str) -> dict[str, Any] | None:
        raw = await self.redis.getdel(self._k("held", held_id))
        return codec.loads(raw) if raw else None

    # --- pauses ---------------------------------------------------------------------------

    async def save_pause(self, pause: Pause) -> None:
        await self.redis.set(self._k("pause", pause.id), codec.pause_to_json(pause), ex=PAUSE_TTL)

    async def pause(self, pause_id: str) -> Pause | None:
        raw = await self.redis.get(self._k("pause", pause_id))
        return codec.pause_from_json(raw) if raw else None

    async def join_pause(self, pause_id: str, ref: MemberRef) -> int:
        """Count ``ref`` as pausing (once); returns how many are pausing."""
        key = self._k("pause", pause_id, "present")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ref.key)
            pipe.expire(key, PAUSE_TTL)
            pipe.scard(key)
            _, _, count = await pipe.execute()
        return int(count)

    async def pausing(self, pause_id: str) -> int:
        return int(await self.redis.scard(self._k("pause", pause_id, "present")))

    async def count_pause(self, ws: Workspace, scope: str, month: str) -> None:
        key = self._k("pauses", ws.key, scope, month)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def pauses_held(self, ws: Workspace, scope: str, month: str) -> int:
        return int(await self.redis.get(self._k("pauses", ws.key, scope, month)) or 0)

    # --- channels -------------------------------------------------------------------------

    async def channel_team(self, channel: Conversation) -> str | None:
        return maybe_str(await self.redis.get(self._k("channel", channel.key, "team")))

    async def link_channel(self, channel: Conversation, team: str) -> None:
        await self.redis.set(self._k("channel", channel.key, "team"), team, nx=True)

    async def claim_digest(self, channel: Conversation) -> bool:
        """True the first time only: a channel gets its digest once, and keeps the managers'
        choice (moved, paused or deleted) after that."""
        return bool(await self.redis.set(self._k("channel", channel.key, "digest"), "1", nx=True))

    async def forget_digest_claim(self, channel: Conversation) -> None:
        await self.redis.delete(self._k("channel", channel.key, "digest"))
