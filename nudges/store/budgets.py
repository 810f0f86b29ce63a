"""Attention budgets: a team's, as its managers set it, what each person has had counted
against theirs (per local day and ISO week), and how many deliveries a team's budget held back
(a count per week, never who)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from nudges.model import Budget, MemberRef, Workspace
from nudges.store.base import COUNTER_TTL, StoreBase, to_ms

SPENT_TTL = timedelta(days=9)
"""Long enough for the ISO week a delivery counted in, and no longer."""

Taken = Literal["ok", "day", "week", "hour"]
_TAKEN: dict[str, Taken] = {"ok": "ok", "day": "day", "week": "week", "hour": "hour"}

# KEYS: day set, week set, last-counted time. ARGV: delivery key, per day, per week, now (ms),
# the least gap (ms), the sets' expiry (s). A delivery counted before (a retry, a takeover)
# is "ok" again without counting twice.
_TAKE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 'ok' end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 'day' end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 'week' end
local last = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[4]) - last < tonumber(ARGV[5]) then return 'hour' end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[6])
return 'ok'
"""


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

    async def take(
        self,
        ref: MemberRef,
        delivery: str,
        day: str,
        week: str,
        budget: Budget,
        now: datetime,
        apart: timedelta,
    ) -> Taken:
        """Count ``delivery`` against ``ref``'s budget if it fits: at most ``budget`` a day and
        a week, and ``apart`` after the last one counted. Says why not if it does not."""
        keys = self.keys.member(ref)
        found = await self.redis.eval(
            _TAKE,
            3,
            keys.budget_spent(day),
            keys.budget_spent(week),
            keys.last_budgeted,
            delivery,
            budget.per_day,
            budget.per_week,
            to_ms(now),
            int(apart.total_seconds() * 1000),
            int(SPENT_TTL.total_seconds()),
        )
        return _TAKEN[found.decode() if isinstance(found, bytes) else str(found)]

    async def hold_back(self, ws: Workspace, team: str, week: str) -> None:
        key = self.keys.team(ws, team).held_back(week)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def held_back(self, ws: Workspace, team: str, week: str) -> int:
        return int(await self.redis.get(self.keys.team(ws, team).held_back(week)) or 0)
