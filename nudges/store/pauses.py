"""Pauses: the record of each, who is pausing (counted, never named), and the monthly counts."""

from __future__ import annotations

from datetime import timedelta

from nudges import codec
from nudges.model import Conversation, MemberRef, Pause, Workspace
from nudges.store.base import COUNTER_TTL, StoreBase, maybe_str

PAUSE_TTL = timedelta(days=2)
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


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

    async def claim_channel(self, where: Conversation, pause_id: str, seconds: int) -> str | None:
        """Make ``pause_id`` the one Pause under way in ``where`` until it closes (and at most
        ``seconds``, should its close be late). Returns None if it now is, or the id of the
        Pause already under way there."""
        key = self.keys.channel(where).pause
        for _ in range(3):  # the other Pause may end between the two calls
            if await self.redis.set(key, pause_id, nx=True, ex=seconds):
                return None
            current = maybe_str(await self.redis.get(key))
            if current is not None:
                return current
        return None  # pragma: no cover - three Pauses ending in a row

    async def release_channel(self, where: Conversation, pause_id: str) -> None:
        """Let another Pause begin in ``where`` (only if ``pause_id`` still holds it)."""
        await self.redis.eval(_RELEASE, 1, self.keys.channel(where).pause, pause_id)

    async def join_pause(self, pause_id: str, ref: MemberRef) -> int:
        """Count ``ref`` as pausing (once); returns how many are pausing."""
        key = self.keys.pause(pause_id).present
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ref.key)
            pipe.expire(key, PAUSE_TTL)
            pipe.scard(key)
            _, _, count = await pipe.execute()
        return int(count)

    async def forget_pausing(self, pause_id: str) -> None:
        await self.redis.delete(self.keys.pause(pause_id).present)

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
