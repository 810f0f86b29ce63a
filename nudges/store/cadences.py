"""Cadence definitions: versioned JSON, their indexes, and the 30-day trash for undo."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import timedelta
from functools import cached_property

from nudges import codec
from nudges.coalescing import Coalescer
from nudges.errors import CodecError
from nudges.model import Cadence, MemberRef, Workspace
from nudges.store.base import StoreBase, as_str, as_strs, id_order, maybe_str


class CadenceStore(StoreBase):
    async def next_id(self) -> str:
        return f"c{await self._next('cadence')}"

    async def save(self, cadence: Cadence, named: Iterable[MemberRef] = ()) -> None:
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.cadence(cadence.id), codec.cadence_to_json(cadence))
            pipe.sadd(keys.all_cadences, cadence.id)
            pipe.sadd(keys.team(cadence.workspace, cadence.team).cadences, cadence.id)
            for member in named:
                pipe.sadd(keys.member(member).cadences, cadence.id)
            await pipe.execute()

    async def get(self, cadence_id: str) -> Cadence | None:
        raw = await self._reads(cadence_id)
        return codec.cadence_from_json(raw) if raw else None

    @cached_property
    def _reads(self) -> Coalescer[str, str | None]:
        """Fires due together read their cadences in one MGET."""

        async def read(ids: Sequence[str]) -> list[str | None]:
            found = await self.redis.mget([self.keys.cadence(i) for i in ids])
            return [maybe_str(raw) for raw in found]

        return Coalescer(read)

    async def get_many(self, ids: Iterable[str]) -> list[Cadence]:
        """The cadences with these ids, in id order; those that cannot be read are left out."""
        found, _ = await self.read_many(ids)
        return found

    async def read_many(self, ids: Iterable[str]) -> tuple[list[Cadence], list[str]]:
        """The cadences with these ids that can be read, in id order, and the ids of those
        that cannot (written by a newer release, or damaged)."""
        ordered = sorted(set(ids), key=id_order)
        if not ordered:
            return [], []
        raws = await self.redis.mget([self.keys.cadence(i) for i in ordered])
        found: list[Cadence] = []
        unreadable: list[str] = []
        for cadence_id, raw in zip(ordered, raws, strict=True):
            if not raw:
                continue
            try:
                found.append(codec.cadence_from_json(raw))
            except CodecError:
                unreadable.append(cadence_id)
        return found, unreadable

    async def of_team(self, ws: Workspace, team: str) -> list[Cadence]:
        found, _ = await self.read_team(ws, team)
        return found

    async def read_team(self, ws: Workspace, team: str) -> tuple[list[Cadence], list[str]]:
        """A team's cadences that can be read, and the ids of those that cannot."""
        ids = await self.redis.smembers(self.keys.team(ws, team).cadences)
        return await self.read_many(as_strs(ids))

    async def naming(self, member: MemberRef) -> set[str]:
        """The ids of the cadences that name ``member`` among their recipients."""
        return set(as_strs(await self.redis.smembers(self.keys.member(member).cadences)))

    async def all_ids(self) -> AsyncIterator[str]:
        async for cid in self.redis.sscan_iter(self.keys.all_cadences, count=1000):
            yield as_str(cid)

    async def trash(self, cadence: Cadence, keep: timedelta) -> None:
        """Delete a cadence, keeping a copy that ``trashed`` can bring back."""
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.trashed_cadence(cadence.id), codec.cadence_to_json(cadence), ex=keep)
            pipe.delete(keys.cadence(cadence.id))
            pipe.srem(keys.all_cadences, cadence.id)
            pipe.srem(keys.team(cadence.workspace, cadence.team).cadences, cadence.id)
            await pipe.execute()

    async def trashed(self, cadence_id: str) -> Cadence | None:
        raw = await self.redis.get(self.keys.trashed_cadence(cadence_id))
        return codec.cadence_from_json(raw) if raw else None

    async def forget_trashed(self, cadence_id: str) -> None:
        await self.redis.delete(self.keys.trashed_cadence(cadence_id))
