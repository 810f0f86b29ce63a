"""The exactly-once state of each delivery, and each audience's prompt memory (what it has
seen this cycle, its behaviour mix, its last prompt), which a delivery updates when it ends.
Both live here because one script records a delivery and the prompt it carried together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from nudges import codec
from nudges.coalescing import Coalescer
from nudges.model import MemberRef, Prompt
from nudges.ports import Hold
from nudges.store.base import DELIVERY_TTL, Recipient, StoreBase, as_str, as_strs, maybe_str, to_ms

MEMORY_TTL = timedelta(days=60)
"""An audience's prompt memory lapses after this long with nothing sent (it starts afresh)."""
KEEP_SENT = timedelta(days=30)
"""How long a person's record of what was sent to them is kept."""

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
# prompt; and, where ARGV[i] is "1", the prompts its member said were not for them (a set) and
# what was sent to them lately (a sorted set). KEYS: the seen, mix and last keys of each
# audience, each followed by its member's two keys if any.
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
    state[5] = redis.call('ZRANGE', KEYS[k + 1], 0, -1, 'WITHSCORES')
    k = k + 2
  end
  out[i] = state
end
return out
"""

# Record how deliveries ended and remember the prompts they carried, atomically; and, for each
# delivery that reached a person, add it to their record of what was sent to them. KEYS: the
# delivery hash of each of the n deliveries, then the seen, mix and last keys of each of the c
# audiences that were sent a prompt, then the record of each of the m people reached. ARGV: n,
# c, m, how long a prompt memory is kept (ms), now (ms), the oldest entry a record keeps (ms),
# how long a record is kept (ms); then each delivery's recipient and state, each prompt's id,
# behaviour and "1" if it starts the audience's cycle afresh, and each record's entry.
_FINISH = """
local n, c, m = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local memory, now, oldest, kept = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local a = 8
for i = 1, n do
  redis.call('HSET', KEYS[i], ARGV[a], ARGV[a + 1])
  a = a + 2
end
for j = 0, c - 1 do
  local k = n + 3 * j + 1
  local seen, prompt = KEYS[k], ARGV[a]
  if ARGV[a + 2] == '1' then
    redis.call('DEL', seen)
  end
  redis.call('SADD', seen, prompt)
  redis.call('PEXPIRE', seen, memory)
  redis.call('HINCRBY', KEYS[k + 1], ARGV[a + 1], 1)
  redis.call('PEXPIRE', KEYS[k + 1], memory)
  redis.call('SET', KEYS[k + 2], prompt, 'PX', memory)
  a = a + 3
end
for j = 1, m do
  local key = KEYS[n + 3 * c + j]
  redis.call('ZADD', key, now, ARGV[a])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. oldest)
  redis.call('PEXPIRE', key, kept)
  a = a + 1
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
    sent: dict[str, datetime] = field(default_factory=dict)
    """When each prompt was last sent to its member (within ``KEEP_SENT``)."""


@dataclass(frozen=True, slots=True)
class SentRecord:
    """A delivery that reached a person, for their record of what was sent to them: when,
    what it was about ("a prompt", "a check-in after a Pause"…), and the prompt if it carried
    one. Never any words a person typed."""

    member: MemberRef
    at: datetime
    about: str
    fire_key: str
    prompt_id: str = ""

    def entry(self) -> str:
        return codec.dumps(
            {"about": self.about, "fire": self.fire_key, "prompt": self.prompt_id or None}
        )


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
                person = self.keys.member(member)
                keys += [person.not_for_me, person.sent]
        members = ["0" if member is None else "1" for _, member in audiences]
        states = []
        for seen, mix, last, *personal in await self._selections(keys=keys, args=members):
            pairs = as_strs(mix)
            states.append(
                Selection(
                    set(as_strs(seen)),
                    {pairs[i]: int(pairs[i + 1]) for i in range(0, len(pairs), 2)},
                    maybe_str(last),
                    frozenset(as_strs(personal[0])) if personal else frozenset(),
                    _prompts_sent(as_strs(personal[1])) if personal else {},
                )
            )
        return states

    async def record_choice(self, chosen: Chosen) -> None:
        await self._finish_many([], [chosen], [], None)

    async def _finish_many(
        self,
        ends: Sequence[tuple[str, Recipient, str]],
        chosen: Sequence[Chosen],
        sent: Sequence[SentRecord],
        now: datetime | None,
        keep: timedelta = KEEP_SENT,
    ) -> None:
        """Record (fire key, recipient, state) for each delivery, remember each prompt sent,
        and add each delivery that reached a person to their record, in one script call; see
        ``_FINISH``."""
        keys = [self.keys.delivery(fire_key) for fire_key, _, _ in ends]
        now_ms = to_ms(now) if now is not None else 0
        args: list[Any] = [
            len(ends),
            len(chosen),
            len(sent),
            int(MEMORY_TTL.total_seconds() * 1000),
            now_ms,
            now_ms - int(keep.total_seconds() * 1000),
            int(keep.total_seconds() * 1000),
        ]
        for _, recipient, state in ends:
            args += [recipient, state]
        for one in chosen:
            memory = self.keys.audience(one.audience)
            keys += [memory.seen, memory.mix, memory.last]
            args += [one.prompt.id, one.prompt.behaviour.value, "1" if one.new_cycle else "0"]
        for record in sent:
            keys.append(self.keys.member(record.member).sent)
            args.append(record.entry())
        await self._finish(keys=keys, args=args)

    async def sent_to(self, member: MemberRef) -> list[tuple[datetime, dict[str, Any]]]:
        """What was sent to ``member`` (kept for ``KEEP_SENT``), oldest first."""
        found = await self.redis.zrange(self.keys.member(member).sent, 0, -1, withscores=True)
        return [
            (datetime.fromtimestamp(score / 1000, UTC), codec.loads(as_str(raw)))
            for raw, score in found
        ]

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
        self,
        fire_key: str,
        recipient: Recipient,
        state: str,
        chosen: Chosen | None = None,
        sent: SentRecord | None = None,
        keep: timedelta = KEEP_SENT,
    ) -> None:
        """Record how a delivery ended and, with it, the prompt it carried (if any) and the
        entry in its person's record (if it reached one), in one transaction (shared with the
        deliveries that end at the same moment)."""
        await self._finishes((fire_key, recipient, state, chosen, sent, keep))

    @cached_property
    def _finishes(self) -> Coalescer[_Finish, None]:
        async def finish(ends: Sequence[_Finish]) -> list[None]:
            chosen = [end[3] for end in ends if end[3] is not None]
            sent = [end[4] for end in ends if end[4] is not None]
            now = max((one.at for one in sent), default=None)
            await self._finish_many([end[:3] for end in ends], chosen, sent, now, ends[0][5])
            return [None] * len(ends)

        return Coalescer(finish)

    async def delivery_states(self, fire_key: str) -> dict[str, str]:
        raw = await self.redis.hgetall(self.keys.delivery(fire_key))
        return {as_str(k): as_str(v) for k, v in raw.items()}


_Finish = tuple[str, Recipient, str, Chosen | None, SentRecord | None, timedelta]


def _prompts_sent(pairs: Sequence[str]) -> dict[str, datetime]:
    """When each prompt was last sent, from a person's record (entry, score, entry, ...)."""
    last: dict[str, datetime] = {}
    for i in range(0, len(pairs), 2):
        prompt = codec.loads(pairs[i]).get("prompt")
        if prompt:
            last[str(prompt)] = datetime.fromtimestamp(float(pairs[i + 1]) / 1000, UTC)
    return last
