"""Pauses: the record of each, who is pausing (counted, never named), and the monthly counts."""

from __future__ import annotations

from datetime import timedelta

from nudges import codec
from nudges.model import MemberRef, Pause, Workspace
from nudges.store.base import COUNTER_TTL, StoreBase

PAUSE_TTL = timedelta(days=2)


class PauseStore(StoreBase):
    async def next_id(self) -> str:
        return f"p{await self._next('p')}"

    async def save_pause(self, pause: Pause) -> None:
        await self.redis.set(
            self.keys.pause(pause.id).record, codec.pause_to_json(pause), ex=PAUSE_TTL
        )

    async def pause(self, pause_id: str) -> Pause | None:
        raw = await self.redis.get(self.keys.pause(pause_id).record)
        return codec.pause_from_json(raw) if raw else None

    async def join_pause(self, pause_id: str, ref: MemberRef) -> int:
        """Count ``ref`` as pausing (once); returns how many are pausing."""
        key = self.keys.pause(pause_id).present
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ref.key)
            pipe.expire(key, PAUSE_TTL)
            pipe.scard(key)
            _, _, count = await pipe.execute()
        return int(count)

    async def pausing(self, pause_id: str) -> int:
        return int(await self.redis.scard(self.keys.pause(pause_id).present))

    async def count_pause(self, ws: Workspace, scope: str, month: str) -> None:
        key = self.keys.pauses(ws, scope, month)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def pauses_held(self, ws: Workspace, scope: str, month: str) -> int:
        return int(await self.redis.get(self.keys.pauses(ws, scope, month)) or 0)
