"""How each cadence's last fire went (how many it reached, and why not the others), and which
of those problems its managers have been told of, so that they are told once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from nudges import codec
from nudges.coalescing import Coalescer
from nudges.errors import CodecError
from nudges.store.base import StoreBase, as_str, maybe_str

KEPT = timedelta(days=45)
"""A cadence that has not fired for this long shows no "last fire"."""


class ReachStore(StoreBase):
    async def record(self, cadence_id: str, summary: dict[str, Any], *, fine: bool) -> None:
        """Keep how the last fire went; a fire that reached everyone it was meant to clears
        what the managers were told, so a later problem is told again."""
        await self._records((cadence_id, codec.dumps(summary), fine))

    @cached_property
    def _records(self) -> Coalescer[tuple[str, str, bool], None]:
        """Fires ending together keep their summaries in one round trip."""

        async def write(calls: Sequence[tuple[str, str, bool]]) -> list[None]:
            async with self.redis.pipeline(transaction=False) as pipe:
                for cadence_id, payload, fine in calls:
                    pipe.set(self.keys.reach(cadence_id), payload, ex=KEPT)
                    if fine:
                        pipe.delete(self.keys.told(cadence_id))
                await pipe.execute()
            return [None] * len(calls)

        return Coalescer(write)

    async def summaries(self, cadence_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The last fire of each of these cadences that has one (and can be read)."""
        if not cadence_ids:
            return {}
        raws = await self.redis.mget([self.keys.reach(c) for c in cadence_ids])
        found: dict[str, dict[str, Any]] = {}
        for cadence_id, raw in zip(cadence_ids, raws, strict=True):
            text = maybe_str(raw)
            if text:
                try:
                    found[cadence_id] = codec.loads(text)
                except CodecError:
                    continue
        return found

    async def tell_once(self, cadence_id: str, problem: str, at: datetime) -> bool:
        """True the first time ``problem`` is to be told for this cadence (until a fire
        reaches everyone again)."""
        key = self.keys.told(cadence_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, problem, at.isoformat())
            pipe.expire(key, KEPT)
            first, _ = await pipe.execute()
        return bool(first)

    async def told(self, cadence_id: str) -> set[str]:
        return {as_str(p) for p in await self.redis.hkeys(self.keys.told(cadence_id))}
