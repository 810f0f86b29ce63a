"""A team's own prompts and the ones it retired, what people said "not for me" to, the
buttons pressed on prompts, and the weekly Done counts."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from nudges import codec
from nudges.coalescing import Coalescer
from nudges.model import MemberRef, Prompt, Workspace
from nudges.store.base import (
    COUNTER_TTL,
    PRESSED_TTL,
    StoreBase,
    as_str,
    as_strs,
    id_order,
    maybe_str,
)


class PromptStore(StoreBase):
    async def team_prompts(self, ws: Workspace, team: str) -> list[Prompt]:
        raws = await self.redis.hvals(self.keys.team(ws, team).prompts)
        return sorted((codec.prompt_from_json(r) for r in raws), key=lambda p: id_order(p.id))

    async def add_team_prompt(self, ws: Workspace, team: str, prompt: Prompt) -> Prompt:
        keys = self.keys.team(ws, team)
        n = await self.redis.incr(keys.prompt_sequence)
        saved = Prompt(f"{team}-{n}", prompt.text, prompt.behaviour, prompt.contexts, team)
        await self.redis.hset(keys.prompts, saved.id, codec.prompt_to_json(saved))
        return saved

    async def retired(self, ws: Workspace, team: str) -> set[str]:
        return set(as_strs(await self.redis.smembers(self.keys.team(ws, team).retired)))

    async def set_retired(self, ws: Workspace, team: str, prompt_id: str, on: bool) -> bool:
        key = self.keys.team(ws, team).retired
        changed = await (self.redis.sadd(key, prompt_id) if on else self.redis.srem(key, prompt_id))
        return bool(changed)

    async def not_for_me_counts(self, ws: Workspace, team: str) -> dict[str, int]:
        raw = await self.redis.hgetall(self.keys.team(ws, team).not_for_me)
        return {as_str(k): int(v) for k, v in raw.items()}

    async def fire_settings(
        self, ws: Workspace, team: str
    ) -> tuple[list[Prompt], set[str], str | None]:
        """What a fire of the team's prompts reads: its own prompts, the ids it retired, and
        its evaluation as stored (``EvaluationStore.parse`` reads it), in one round trip
        shared with the other fires asking at the same moment."""
        raws, retired, evaluation = await self._settings_reads((ws, team))
        own = sorted((codec.prompt_from_json(r) for r in raws), key=lambda p: id_order(p.id))
        return own, set(as_strs(retired)), maybe_str(evaluation)

    @cached_property
    def _settings_reads(self) -> Coalescer[tuple[Workspace, str], tuple[Any, Any, Any]]:
        async def read(teams: Sequence[tuple[Workspace, str]]) -> list[Any]:
            unique = list(dict.fromkeys(teams))  # a team's cadences often fire together
            async with self.redis.pipeline(transaction=False) as pipe:
                for ws, team in unique:
                    keys = self.keys.team(ws, team)
                    pipe.hvals(keys.prompts)
                    pipe.smembers(keys.retired)
                    pipe.get(keys.evaluation)
                found = await pipe.execute()
            each = {t: tuple(found[3 * i : 3 * i + 3]) for i, t in enumerate(unique)}
            return [each[t] for t in teams]

        return Coalescer(read)

    # --- buttons and counts ---------------------------------------------------------------

    async def press_once(self, button: str, ref: MemberRef) -> bool:
        """Record that ``ref`` pressed ``button``; False if they already had."""
        key = self.keys.pressed(button)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ref.key)
            pipe.expire(key, PRESSED_TTL)
            added, _ = await pipe.execute()
        return bool(added)

    async def count_done(self, ws: Workspace, team: str, week: str) -> None:
        key = self.keys.team(ws, team).done(week)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def done_counts(self, ws: Workspace, team: str, weeks: Sequence[str]) -> list[int]:
        raws = await self.redis.mget([self.keys.team(ws, team).done(w) for w in weeks])
        return [int(r or 0) for r in raws]
