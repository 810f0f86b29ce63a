"""Cadence definitions: versioned JSON, their indexes, and the 30-day trash for undo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import timedelta
from functools import cached_property

from nudges import codec
from nudges.coalescing import Coalescer
from nudges.model import Cadence, MemberRef, Workspace
from nudges.store.base import (
    StoreBase,
    as_str,
    as_strs,
    id_order,
    maybe_str,
)


class CadenceKeys(StoreBase):
    # --- cadences -------------------------------------------------------------------------

    async def next_cadence_id(self) -> str:
        return f"c{await self.redis.incr(self._k('seq', 'cadence'))}"

    async def save_cadence(self, cadence: Cadence, named: Iterable[MemberRef] = ()) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k("cadence", cadence.id), codec.cadence_to_json(cadence))
            pipe.sadd(self._k("cadences"), cadence.id)
            pipe.sadd(self._team(cadence.workspace, cadence.team, "cadences"), cadence.id)
            for member in named:
                pipe.sadd(self._k("member", member.key, "cadences"), cadence.id)
            await pipe.execute()

    async def cadence(self, cadence_id: str) -> Cadence | None:
        raw = await self._cadence_reads(cadence_id)
        return codec.cadence_from_json(raw) if raw else None

    @cached_property
    def _cadence_reads(self) -> Coalescer[str, str | None]:
        """Fires due together read their cadences in one MGET."""

        async def read(ids: Sequence[str]) -> list[str | None]:
            found = await self.redis.mget([self._k("cadence", i) for i in ids])
            return [maybe_str(raw) for raw in found]

        return Coalescer(read)

    async def cadences(self, ids: Iterable[str]) -> list[Cadence]:
        keys = [self._k("cadence", i) for i in sorted(set(ids), key=id_order)]
        if not keys:
            return []
        return [codec.cadence_from_json(raw) for raw in await self.redis.mget(keys) if raw]

    async def team_cadences(self, ws: Workspace, team: str) -> list[Cadence]:
        return await self.cadences(
            as_strs(await self.redis.smembers(self._team(ws, team, "cadences")))
        )

    async def member_cadence_ids(self, member: MemberRef) -> set[str]:
        return set(as_strs(await self.redis.smembers(self._k("member", member.key, "cadences"))))

    async def all_cadence_ids(self) -> AsyncIterator[str]:
        async for cid in self.redis.sscan_iter(self._k("cadences"), count=1000):
            yield as_str(cid)

    async def trash_cadence(self, cadence: Cadence, keep: timedelta) -> None:
        """Delete a cadence, keeping a copy that ``untrash_cadence`` can bring back."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k("trash", cadence.id), codec.cadence_to_json(cadence), ex=keep)
            pipe.delete(self._k("cadence", cadence.id))
            pipe.srem(self._k("cadences"), cadence.id)
            pipe.srem(self._team(cadence.workspace, cadence.team, "cadences"), cadence.id)
            await pipe.execute()

    async def trashed_cadence(self, cadence_id: str) -> Cadence | None:
        raw = await self.redis.get(self._k("trash", cadence_id))
        return codec.cadence_from_json(raw) if raw else None

    async def forget_trashed(self, cadence_id: str) -> None:
        await self.redis.delete(self._k("trash", cadence_id))
