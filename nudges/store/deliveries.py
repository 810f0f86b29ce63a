"""The exactly-once state of each delivery, and each audience's prompt memory (what it has
seen this cycle, its behaviour mix, its last prompt), which a delivery updates when it ends.
Both live here because one script records a delivery and the prompt it carried together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from nudges.coalescing import Coalescer
from nudges.model import MemberRef, Prompt
from nudges.ports import Hold
from nudges.store.base import DELIVERY_TTL, Recipient, StoreBase, as_str, as_strs, maybe_str, to_ms

# Mark each recipient of each fire as being sent to under the lease that holds the fire now,
# unless it already was. KEYS: the fire queue's lease owners (a hash: fire id -> "<token>|…"),
# then one delivery hash per fire. ARGV: the hashes' TTL in ms, then for each fire: now, its
# fire id, the lease token ("" for a fire run without a lease: not fenced), its number of
# recipients and the recipients. Returns one state per recipient, in order: "new" (go ahead),
# "doubt" (marked under another lease, whose holder stalled or died while sending: ask the
# platform), "busy" (this lease is sending it already), "lost" (the lease is not this token's
# any more: send nothing) or the final state ("sent", "skipped:…", "gone", …).
_BEGIN = """
local owners = KEYS[1]
local ttl = tonumber(ARGV[1])
local out = {}
local at = 2
for k = 2, #KEYS do
  local key = KEYS[k]
  local now, fire, token, count = ARGV[at], ARGV[at + 1], ARGV[at + 2], tonumber(ARGV[at + 3])
  local first = at + 4
  local held = true
  if token ~= '' then
    local owner = redis.call('HGET', owners, fire)
    held = owner and string.sub(owner, 1, #token + 1) == token .. '|'
  end
  for i = first, first + count - 1 do
    if not held then
      out[#out + 1] = 'lost'
    else
      local state = redis.call('HGET', key, ARGV[i])
      if not state then
        redis.call('HSET', key, ARGV[i], 'sending:' .. token .. ':' .. now)
        out[#out + 1] = 'new'
      elseif string.sub(state, 1, 8) == 'sending:' then
        -- 'sending:<token>:<ms>'; a mark from before leases were fenced has no token.
        local by = string.match(state, '^sending:([^:]*):')
        if by == token then
          out[#out + 1] = 'busy'
        else
          redis.call('HSET', key, ARGV[i], 'sending:' .. token .. ':' .. now)
          out[#out + 1] = 'doubt'
        end
      else
        out[#out + 1] = state
      end
    end
  end
  if held then
    redis.call('PEXPIRE', key, ttl)
  end
  at = first + count
end
return out
"""


# What each audience has seen in this cycle (a set), its behaviour mix (a hash) and its last
# prompt; and, where ARGV[i] is "1", the prompts its member said were not for them (a set).
# KEYS: the seen, mix and last keys of each audience, each followed by its member's key if any.
_SELECTIONS = """
local out = {}
local k = 1
for i = 1, #ARGV do
  local state = {
    redis.call('SMEMBERS', KEYS[k]),
    redis.call('HGETALL', KEYS[k + 1]),
    redis.call('GET', KEYS[k + 2]),
  }
  k = k + 3
  if ARGV[i] == '1' then
    state[4] = redis.call('SMEMBERS', KEYS[k])
    k = k + 1
  end
  out[i] = state
end
return out
"""

# Record how deliveries ended and remember the prompts they carried, atomically. KEYS: the
# delivery hash of each of the ARGV[1] deliveries, then the seen, mix and last keys of each
# audience that was sent a prompt. ARGV: the count, each delivery's recipient and state, then
# each prompt's id, behaviour and "1" if it starts the audience's cycle afresh.
_FINISH = """
local n = tonumber(ARGV[1])
for i = 1, n do
  redis.call('HSET', KEYS[i], ARGV[2 * i], ARGV[2 * i + 1])
end
local at = 2 + 2 * n
for k = n + 1, #KEYS, 3 do
  local seen, prompt = KEYS[k], ARGV[at]
  if ARGV[at + 2] == '1' then
    redis.call('DEL', seen)
  end
  redis.call('SADD', seen, prompt)
  redis.call('HINCRBY', KEYS[k + 1], ARGV[at + 1], 1)
  redis.call('SET', KEYS[k + 2], prompt)
  at = at + 3
end
return n
"""


@dataclass(frozen=True, slots=True)
class Selection:
    """An audience's memory for choosing its next prompt, and what its member said no to."""

    seen: set[str]
    mix: dict[str, int]
    last: str | None
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Chosen:
    """A prompt chosen for an audience, to remember once it has been sent."""

    audience: str
    prompt: Prompt
    new_cycle: bool


class DeliveryStore(StoreBase):
    @cached_property
    def _begin(self) -> Any:
        return self.redis.register_script(_BEGIN)

    @cached_property
    def _selections(self) -> Any:
        return self.redis.register_script(_SELECTIONS)

    @cached_property
    def _finish(self) -> Any:
        return self.redis.register_script(_FINISH)

    # --- what each audience has had -------------------------------------------------------

    async def selection_state(self, audience: str, member: MemberRef | None = None) -> Selection:
        (state,) = await self.selection_states([(audience, member)])
        return state

    async def selection_states(
        self, audiences: Sequence[tuple[str, MemberRef | None]]
    ) -> list[Selection]:
        """What each audience has seen in this cycle, its behaviour mix so far, its last prompt,
        and (for a member) the prompts they said were not for them; in one round trip."""
        if not audiences:
            return []
        return await self._selection_reads(tuple(audiences))

    @cached_property
    def _selection_reads(
        self,
    ) -> Coalescer[tuple[tuple[str, MemberRef | None], ...], list[Selection]]:
        async def read(
            calls: Sequence[tuple[tuple[str, MemberRef | None], ...]],
        ) -> list[list[Selection]]:
            flat = await self._read_selections([a for call in calls for a in call])
            answers, start = [], 0
            for call in calls:
                answers.append(flat[start : start + len(call)])
                start += len(call)
            return answers

        return Coalescer(read)

    async def _read_selections(
        self, audiences: Sequence[tuple[str, MemberRef | None]]
    ) -> list[Selection]:
        keys: list[str] = []
        for audience, member in audiences:
            memory = self.keys.audience(audience)
            keys += [memory.seen, memory.mix, memory.last]
            if member is not None:
                keys.append(self.keys.member(member).not_for_me)
        members = ["0" if member is None else "1" for _, member in audiences]
        states = []
        for seen, mix, last, *excluded in await self._selections(keys=keys, args=members):
            pairs = as_strs(mix)
            states.append(
                Selection(
                    set(as_strs(seen)),
                    {pairs[i]: int(pairs[i + 1]) for i in range(0, len(pairs), 2)},
                    maybe_str(last),
                    frozenset(as_strs(excluded[0])) if excluded else frozenset(),
                )
            )
        return states

    async def record_choice(self, chosen: Chosen) -> None:
        await self._finish_many([], [chosen])

    async def _finish_many(
        self, ends: Sequence[tuple[str, Recipient, str]], chosen: Sequence[Chosen]
    ) -> None:
        """Record (fire key, recipient, state) for each delivery, and remember each prompt
        sent, in one script call; see ``_FINISH``."""
        keys = [self.keys.delivery(fire_key) for fire_key, _, _ in ends]
        args: list[Any] = [len(ends)]
        for _, recipient, state in ends:
            args += [recipient, state]
        for one in chosen:
            memory = self.keys.audience(one.audience)
            keys += [memory.seen, memory.mix, memory.last]
            args += [one.prompt.id, one.prompt.behaviour.value, "1" if one.new_cycle else "0"]
        await self._finish(keys=keys, args=args)

    # --- deliveries -----------------------------------------------------------------------

    async def begin_deliveries(
        self, fire_key: str, recipients: Sequence[Recipient], now: datetime, hold: Hold
    ) -> list[str]:
        """Mark recipients as being sent to under ``hold``; see ``_BEGIN`` for the states
        returned."""
        if not recipients:
            return []
        args = (to_ms(now), hold.fire_id, hold.token, len(recipients), *recipients)
        return await self._begins((self.keys.delivery(fire_key), args))

    @cached_property
    def _begins(self) -> Coalescer[tuple[str, tuple[Any, ...]], list[str]]:
        """Fires beginning together mark their recipients in one script call."""

        async def begin(calls: Sequence[tuple[str, tuple[Any, ...]]]) -> list[list[str]]:
            ttl = int(DELIVERY_TTL.total_seconds() * 1000)
            keys = [self.keys.queue.meta, *(key for key, _ in calls)]
            args = [ttl, *(arg for _, fire_args in calls for arg in fire_args)]
            states = iter(as_strs(await self._begin(keys=keys, args=args)))
            return [[next(states) for _ in range(fire_args[3])] for _, fire_args in calls]

        return Coalescer(begin)

    async def begun(self, fire_key: str) -> bool:
        """Whether any delivery of this fire has begun (a fire taken over mid fan-out)."""
        return bool(await self.redis.exists(self.keys.delivery(fire_key)))

    async def finish_delivery(
        self, fire_key: str, recipient: Recipient, state: str, chosen: Chosen | None = None
    ) -> None:
        """Record how a delivery ended and, with it, the prompt it carried (if any), in one
        transaction (shared with the deliveries that end at the same moment)."""
        await self._finishes((fire_key, recipient, state, chosen))

    @cached_property
    def _finishes(self) -> Coalescer[tuple[str, Recipient, str, Chosen | None], None]:
        async def finish(ends: Sequence[tuple[str, Recipient, str, Chosen | None]]) -> list[None]:
            chosen = [one for _, _, _, one in ends if one is not None]
            await self._finish_many([end[:3] for end in ends], chosen)
            return [None] * len(ends)

        return Coalescer(finish)

    async def delivery_states(self, fire_key: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self.keys.delivery(fire_key))
        return {as_str(k): as_str(v) for k, v in raw.items()}
