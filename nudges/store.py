"""RedisStore: every key the engine keeps, and the Lua that makes deliveries exactly-once.

Keys live under one prefix (``carenudge:`` by default) and are built only by the functions in
this module. Payloads are versioned JSON (see ``codec``). Redis errors pass through unchanged;
the loops that own the work catch them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from nudges import codec
from nudges.model import Cadence, Member, MemberRef, Prompt, Workspace

Recipient = str
"""A delivery target: ``m:<member key>`` for a direct message, ``ch:<conversation key>``."""

MAX_NAME = 80
DELIVERY_TTL = timedelta(days=8)
PRESSED_TTL = timedelta(days=30)
COUNTER_TTL = timedelta(days=400)

# Mark each recipient of a fire as being sent to, unless it already was. Returns one state per
# recipient: "new" (go ahead), "doubt" (a previous owner died while sending: ask the platform),
# "busy" (someone is sending right now) or the final state ("sent", "skipped:…", "gone", …).
_BEGIN = """
local key = KEYS[1]
local now = ARGV[1]
local claimed = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local out = {}
for i = 4, #ARGV do
  local r = ARGV[i]
  local state = redis.call('HGET', key, r)
  if not state then
    redis.call('HSET', key, r, 'sending:' .. now)
    out[#out + 1] = 'new'
  elseif string.sub(state, 1, 8) == 'sending:' then
    if tonumber(string.sub(state, 9)) < claimed then
      redis.call('HSET', key, r, 'sending:' .. now)
      out[#out + 1] = 'doubt'
    else
      out[#out + 1] = 'busy'
    end
  else
    out[#out + 1] = state
  end
end
redis.call('PEXPIRE', key, ttl)
return out
"""


@dataclass(frozen=True, slots=True)
class Selection:
    """An audience's memory for choosing its next prompt."""

    seen: set[str]
    mix: dict[str, int]
    last: str | None


class RedisStore:
    """The engine's state in Redis. The caller owns (and closes) the client."""

    def __init__(self, redis: Redis, prefix: str = "carenudge") -> None:
        self.redis = redis
        self.prefix = prefix
        self._begin = redis.register_script(_BEGIN)

    # --- keys -----------------------------------------------------------------------------

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _team(self, ws: Workspace, team: str, *rest: str) -> str:
        return self._k("team", ws.key, team, *rest)

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
        raw = await self.redis.get(self._k("cadence", cadence_id))
        return codec.cadence_from_json(raw) if raw else None

    async def cadences(self, ids: Iterable[str]) -> list[Cadence]:
        keys = [self._k("cadence", i) for i in sorted(set(ids), key=_id_order)]
        if not keys:
            return []
        return [codec.cadence_from_json(raw) for raw in await self.redis.mget(keys) if raw]

    async def team_cadences(self, ws: Workspace, team: str) -> list[Cadence]:
        return await self.cadences(
            _strs(await self.redis.smembers(self._team(ws, team, "cadences")))
        )

    async def member_cadence_ids(self, member: MemberRef) -> set[str]:
        return set(_strs(await self.redis.smembers(self._k("member", member.key, "cadences"))))

    async def all_cadence_ids(self) -> AsyncIterator[str]:
        async for cid in self.redis.sscan_iter(self._k("cadences"), count=1000):
            yield _str(cid)

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

    # --- members --------------------------------------------------------------------------

    async def member(self, ref: MemberRef) -> Member:
        return (await self.members([ref]))[0]

    async def members(self, refs: Sequence[MemberRef]) -> list[Member]:
        if not refs:
            return []
        raws = await self.redis.mget([self._k("member", r.key) for r in refs])
        return [_member(ref, _opt(raw)) for ref, raw in zip(refs, raws, strict=True)]

    async def save_member(self, member: Member) -> None:
        payload = {"name": member.name, **codec.settings_to_dict(member.settings)}
        await self.redis.set(self._k("member", member.ref.key), codec.dumps(payload))

    async def remember_name(self, ref: MemberRef, name: str) -> None:
        """Keep the display name a platform gave us (at most 80 characters), without touching
        settings."""
        name = " ".join(name.split())[:MAX_NAME]
        member = await self.member(ref)
        if name and member.name != name:
            await self.save_member(Member(ref, name, member.settings))

    async def not_for_me(self, ref: MemberRef) -> set[str]:
        return set(_strs(await self.redis.smembers(self._k("member", ref.key, "notforme"))))

    async def add_not_for_me(self, ref: MemberRef, ws: Workspace, team: str, prompt: str) -> bool:
        added = await self.redis.sadd(self._k("member", ref.key, "notforme"), prompt)
        if added:
            await self.redis.hincrby(self._team(ws, team, "notforme"), prompt, 1)
        return bool(added)

    # --- teams and roles ------------------------------------------------------------------

    async def create_team(self, ws: Workspace, team: str, at: datetime) -> bool:
        created = await self.redis.sadd(self._k("teams", ws.key), team)
        if created:
            await self.redis.set(
                self._team(ws, team), codec.dumps({"name": team, "created_at": at.isoformat()})
            )
        return bool(created)

    async def teams(self, ws: Workspace) -> list[str]:
        return sorted(_strs(await self.redis.smembers(self._k("teams", ws.key))))

    async def team_exists(self, ws: Workspace, team: str) -> bool:
        return bool(await self.redis.sismember(self._k("teams", ws.key), team))

    async def roster(self, ws: Workspace, team: str, role: str) -> list[MemberRef]:
        """The team's ``members`` (who joined) or ``managers``, in a stable order."""
        keys = _strs(await self.redis.smembers(self._team(ws, team, role)))
        return [MemberRef.from_key(k) for k in sorted(keys)]

    async def set_role(self, ws: Workspace, team: str, role: str, ref: MemberRef, on: bool) -> bool:
        """Add or remove ``ref`` in a team's ``members`` or ``managers``; True if it changed."""
        mine = self._k("member", ref.key, role)
        async with self.redis.pipeline(transaction=True) as pipe:
            if on:
                pipe.sadd(self._team(ws, team, role), ref.key)
                pipe.sadd(mine, team)
            else:
                pipe.srem(self._team(ws, team, role), ref.key)
                pipe.srem(mine, team)
            changed, _ = await pipe.execute()
        return bool(changed)

    async def member_teams(self, ref: MemberRef, role: str) -> list[str]:
        """The teams ``ref`` joined (``members``) or manages (``managers``)."""
        return sorted(_strs(await self.redis.smembers(self._k("member", ref.key, role))))

    async def admins(self, ws: Workspace) -> set[str]:
        return set(_strs(await self.redis.smembers(self._k("admins", ws.key))))

    async def set_admin(self, ref: MemberRef, on: bool) -> bool:
        key = self._k("admins", ref.workspace.key)
        changed = await (self.redis.sadd(key, ref.key) if on else self.redis.srem(key, ref.key))
        return bool(changed)

    # --- prompts --------------------------------------------------------------------------

    async def team_prompts(self, ws: Workspace, team: str) -> list[Prompt]:
        raws = await self.redis.hvals(self._team(ws, team, "prompts"))
        return sorted((codec.prompt_from_json(r) for r in raws), key=lambda p: _id_order(p.id))

    async def add_team_prompt(self, ws: Workspace, team: str, prompt: Prompt) -> Prompt:
        n = await self.redis.incr(self._team(ws, team, "seq"))
        saved = Prompt(f"{team}-{n}", prompt.text, prompt.behaviour, prompt.contexts, team)
        await self.redis.hset(
            self._team(ws, team, "prompts"), saved.id, codec.prompt_to_json(saved)
        )
        return saved

    async def retired(self, ws: Workspace, team: str) -> set[str]:
        return set(_strs(await self.redis.smembers(self._team(ws, team, "retired"))))

    async def set_retired(self, ws: Workspace, team: str, prompt_id: str, on: bool) -> bool:
        key = self._team(ws, team, "retired")
        changed = await (self.redis.sadd(key, prompt_id) if on else self.redis.srem(key, prompt_id))
        return bool(changed)

    async def not_for_me_counts(self, ws: Workspace, team: str) -> dict[str, int]:
        raw = await self.redis.hgetall(self._team(ws, team, "notforme"))
        return {_str(k): int(v) for k, v in raw.items()}

    async def selection_state(self, audience: str) -> Selection:
        """What an audience has seen in this cycle, its behaviour mix so far, and its last."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.smembers(self._k("seen", audience))
            pipe.hgetall(self._k("mix", audience))
            pipe.get(self._k("last", audience))
            seen, mix, last = await pipe.execute()
        return Selection(set(_strs(seen)), {_str(k): int(v) for k, v in mix.items()}, _opt(last))

    async def record_choice(self, audience: str, prompt: Prompt, new_cycle: bool) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            if new_cycle:
                pipe.delete(self._k("seen", audience))
            pipe.sadd(self._k("seen", audience), prompt.id)
            pipe.hincrby(self._k("mix", audience), prompt.behaviour.value, 1)
            pipe.set(self._k("last", audience), prompt.id)
            await pipe.execute()

    # --- deliveries and buttons -----------------------------------------------------------

    async def begin_deliveries(
        self, fire_key: str, recipients: Sequence[Recipient], now: datetime, claimed: datetime
    ) -> list[str]:
        """Mark recipients as being sent to; see ``_BEGIN`` for the states returned."""
        if not recipients:
            return []
        args: list[Any] = [
            _ms(now),
            _ms(claimed),
            int(DELIVERY_TTL.total_seconds() * 1000),
            *recipients,
        ]
        states = await self._begin(keys=[self._k("delivery", fire_key)], args=args)
        return [str(s) for s in states]

    async def finish_delivery(self, fire_key: str, recipient: Recipient, state: str) -> None:
        await self.redis.hset(self._k("delivery", fire_key), recipient, state)

    async def delivery_states(self, fire_key: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self._k("delivery", fire_key))
        return {_str(k): _str(v) for k, v in raw.items()}

    async def press_once(self, button: str, ref: MemberRef) -> bool:
        """Record that ``ref`` pressed ``button``; False if they already had."""
        key = self._k("pressed", button)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.sadd(key, ref.key)
            pipe.expire(key, PRESSED_TTL)
            added, _ = await pipe.execute()
        return bool(added)

    async def count_done(self, ws: Workspace, team: str, week: str) -> None:
        key = self._team(ws, team, "done", week)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, COUNTER_TTL)
            await pipe.execute()

    async def done_counts(self, ws: Workspace, team: str, weeks: Sequence[str]) -> list[int]:
        raws = await self.redis.mget([self._team(ws, team, "done", w) for w in weeks])
        return [int(r or 0) for r in raws]

    # --- one-off jobs ---------------------------------------------------------------------

    async def save_job(self, job_id: str, payload: dict[str, Any]) -> None:
        await self.redis.set(self._k("once", job_id), codec.dumps(payload))

    async def job(self, job_id: str) -> dict[str, Any] | None:
        raw = await self.redis.get(self._k("once", job_id))
        return codec.loads(raw) if raw else None

    async def delete_job(self, job_id: str) -> None:
        await self.redis.delete(self._k("once", job_id))

    async def job_ids(self) -> AsyncIterator[str]:
        head = self._k("once", "")
        async for key in self.redis.scan_iter(match=head + "*", count=1000):
            yield _str(key)[len(head) :]


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _strs(values: Iterable[bytes | str]) -> list[str]:
    return [_str(v) for v in values]


def _opt(value: bytes | str | None) -> str | None:
    return None if value is None else _str(value)


def _member(ref: MemberRef, raw: str | None) -> Member:
    if not raw:
        return Member(ref, ref.user_id)
    data = codec.loads(raw)
    return Member(ref, data.get("name") or ref.user_id, codec.settings_from_dict(data))


def _id_order(value: str) -> tuple[str, int]:
    """Sort "c2" before "c10"."""
    head = value.rstrip("0123456789")
    tail = value[len(head) :]
    return head, int(tail) if tail else -1


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
