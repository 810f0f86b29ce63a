"""Evaluations: a team's (the share of nudges withheld at random, since when, and the secret
the draw uses), and each week's counts of nudges withheld and let through: counts, never who."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nudges import codec
from nudges.model import Workspace
from nudges.store.base import COUNTER_TTL, StoreBase, maybe_str


@dataclass(frozen=True, slots=True)
class Evaluation:
    share: int
    """The percentage of nudges withheld."""
    since: datetime
    secret: str
    """Draws who is held back from each fire; never shown, so nobody can work it out."""


class EvaluationStore(StoreBase):
    async def evaluation(self, ws: Workspace, team: str) -> Evaluation | None:
        """The team's evaluation, if one is on. (A fire reads it with the team's prompts:
        ``PromptStore.fire_settings``.)"""
        return self.parse(maybe_str(await self.redis.get(self.keys.team(ws, team).evaluation)))

    @staticmethod
    def parse(raw: str | None) -> Evaluation | None:
        if not raw:
            return None
        data = codec.loads(raw)
        return Evaluation(
            int(data["share"]), datetime.fromisoformat(data["since"]), str(data["secret"])
        )

    async def set_evaluation(self, ws: Workspace, team: str, found: Evaluation | None) -> None:
        key = self.keys.team(ws, team).evaluation
        if found is None:
            await self.redis.delete(key)
            return
        payload = {"share": found.share, "since": found.since.isoformat(), "secret": found.secret}
        await self.redis.set(key, codec.dumps(payload))

    async def count(self, ws: Workspace, team: str, week: str, withheld: int, sent: int) -> None:
        key = self.keys.team(ws, team).withheld(week)
        async with self.redis.pipeline(transaction=True) as pipe:
            if withheld:
                pipe.hincrby(key, "withheld", withheld)
            if sent:
                pipe.hincrby(key, "through", sent)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def counts(self, ws: Workspace, team: str, week: str) -> tuple[int, int]:
        """How many nudges were withheld and let through in ``week``."""
        found = await self.redis.hmget(
            self.keys.team(ws, team).withheld(week), "withheld", "through"
        )
        return int(found[0] or 0), int(found[1] or 0)
