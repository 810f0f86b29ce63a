"""How each cadence's last fire went (how many it reached, and why not the others), and which
of those problems its managers have been told of, so that they are told once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
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

    async def reserve(self, cadence_id: str, problem: str, fire_key: str) -> bool:
        """True if this fire is the one to tell of ``problem``: no fire has told of it since
        the cadence last reached everyone, or this fire took the telling and is being finished
        (a takeover after a crash). Reserved before telling, so that two fires of one cadence
        running at once, or one killed halfway through telling, never tell it twice."""
        owner = await self._reserve(keys=[self.keys.told(cadence_id)], args=[problem, fire_key])
        return as_str(owner) == fire_key

    async def release(self, cadence_id: str, problem: str, fire_key: str) -> None:
        """Nobody heard this fire's telling: leave ``problem`` for the next fire to tell."""
        await self._release(keys=[self.keys.told(cadence_id)], args=[problem, fire_key])

    async def told(self, cadence_id: str) -> set[str]:
        return {as_str(p) for p in await self.redis.hkeys(self.keys.told(cadence_id))}

    @cached_property
    def _reserve(self) -> Any:
        return self.redis.register_script(_RESERVE)

    @cached_property
    def _release(self) -> Any:
        return self.redis.register_script(_RELEASE)


_RESERVE = f"""
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], {int(KEPT.total_seconds())})
return redis.call('HGET', KEYS[1], ARGV[1])
"""
"""Take the telling of a problem unless a fire has it; answer which fire has it."""

_RELEASE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""
"""Give the telling back, if this fire still has it."""
