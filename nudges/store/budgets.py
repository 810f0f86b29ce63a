"""Attention budgets: a team's, as its managers set it, what each person has had counted
against theirs (per local day and ISO week), and how many deliveries a team's budget held back
(a count per week, never who)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from nudges.model import Budget, MemberRef, Workspace
from nudges.store.base import COUNTER_TTL, StoreBase, to_ms

SPENT_TTL = timedelta(days=9)
"""Long enough for the ISO week a delivery counted in, and no longer."""

Taken = Literal["ok", "day", "week", "hour"]
_TAKEN: dict[str, Taken] = {"ok": "ok", "day": "day", "week": "week", "hour": "hour"}

# For each person, KEYS: day set, week set, last-counted time; ARGV: delivery key, per day,
# per week. Then ARGV: now (ms), the least gap (ms), the sets' expiry (s). A delivery counted
# before (a retry, a takeover) is "ok" again without counting twice. One call for a batch.
_TAKE = """
local n = #KEYS / 3
local now, apart, ttl = tonumber(ARGV[3 * n + 1]), tonumber(ARGV[3 * n + 2]), ARGV[3 * n + 3]
local found = {}
for i = 0, n - 1 do
  local day, week, last_key = KEYS[3 * i + 1], KEYS[3 * i + 2], KEYS[3 * i + 3]
  local delivery = ARGV[3 * i + 1]
  local answer = 'ok'
  if redis.call('SISMEMBER', day, delivery) == 0 then
    local last = tonumber(redis.call('GET', last_key) or '0')
    if redis.call('SCARD', day) >= tonumber(ARGV[3 * i + 2]) then answer = 'day'
    elseif redis.call('SCARD', week) >= tonumber(ARGV[3 * i + 3]) then answer = 'week'
    elseif now - last < apart then answer = 'hour'
    else
      redis.call('SADD', day, delivery)
      redis.call('SADD', week, delivery)
      redis.call('EXPIRE', day, ttl)
      redis.call('EXPIRE', week, ttl)
      redis.call('SET', last_key, now, 'EX', ttl)
    end
  end
  found[i + 1] = answer
end
return found
"""


@dataclass(frozen=True, slots=True)
class Ask:
    """One delivery to count against one person's budget, on their own local calendar."""

    ref: MemberRef
    delivery: str
    day: str
    week: str
    budget: Budget


class BudgetStore(StoreBase):
    async def team_budget(self, ws: Workspace, team: str) -> Budget | None:
        raw = await self.redis.hgetall(self.keys.team(ws, team).budget)
        if not raw:
            return None
        return Budget(int(raw["day"]), int(raw["week"]))

    async def set_team_budget(self, ws: Workspace, team: str, budget: Budget | None) -> None:
        key = self.keys.team(ws, team).budget
        if budget is None:
            await self.redis.delete(key)
        else:
            await self.redis.hset(key, mapping={"day": budget.per_day, "week": budget.per_week})

    async def take(self, asks: Sequence[Ask], now: datetime, apart: timedelta) -> list[Taken]:
        """Count each delivery against its person's budget if it fits: at most their budget a
        day and a week, and ``apart`` after the last one counted. Says why not where it does
        not. One round trip for them all."""
        if not asks:
            return []
        keys: list[str] = []
        args: list[str | int] = []
        for ask in asks:
            member = self.keys.member(ask.ref)
            keys += [member.budget_spent(ask.day), member.budget_spent(ask.week)]
            keys.append(member.last_budgeted)
            args += [ask.delivery, ask.budget.per_day, ask.budget.per_week]
        args += [to_ms(now), int(apart.total_seconds() * 1000), int(SPENT_TTL.total_seconds())]
        found = await self.redis.eval(_TAKE, len(keys), *keys, *args)
        return [_TAKEN[f.decode() if isinstance(f, bytes) else str(f)] for f in found]

    async def give_back(self, ask: Ask) -> None:
        """A delivery that took from a budget never reached its person: it no longer counts
        (the hour apart still does, so nothing rushes in after a failure)."""
        member = self.keys.member(ask.ref)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.srem(member.budget_spent(ask.day), ask.delivery)
            pipe.srem(member.budget_spent(ask.week), ask.delivery)
            await pipe.execute()

    async def hold_back(self, ws: Workspace, team: str, week: str, count: int = 1) -> None:
        key = self.keys.team(ws, team).held_back(week)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, count)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def held_back(self, ws: Workspace, team: str, week: str) -> int:
        return int(await self.redis.get(self.keys.team(ws, team).held_back(week)) or 0)
