"""What every store shares: the Redis client, the key space, and small conversions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from nudges import codec
from nudges.keys import KeySpace
from nudges.model import Member, MemberRef

MAX_NAME = 80
DELIVERY_TTL = timedelta(days=8)
PRESSED_TTL = timedelta(days=30)
COUNTER_TTL = timedelta(days=400)
HELD_TTL = timedelta(hours=1)

Recipient = str
"""A delivery target: ``m:<member key>`` for a direct message, ``ch:<conversation key>``."""


class StoreBase:
    """One store's connection and keys. The caller owns (and closes) the client."""

    def __init__(self, redis: Redis, keys: KeySpace) -> None:
        self.redis = redis
        self.keys = keys

    async def _next(self, kind: str) -> int:
        return int(await self.redis.incr(self.keys.sequence(kind)))

    # Something a person typed and was asked about ("Did you mean...?", "A tip before it goes
    # out"), kept for an hour so one press of "Post" can send it as it was.

    async def next_held_id(self) -> str:
        return f"h{await self._next('held')}"

    # Each is kept under the person who typed it, so nobody else's press can take it away.

    async def hold(self, held_id: str, by: MemberRef, payload: dict[str, Any]) -> None:
        key = self.keys.held(f"{held_id}:{by.key}")
        await self.redis.set(key, codec.dumps(payload), ex=HELD_TTL)

    async def take_held(self, held_id: str, by: MemberRef) -> dict[str, Any] | None:
        raw = await self.redis.getdel(self.keys.held(f"{held_id}:{by.key}"))
        return codec.loads(raw) if raw else None


def as_str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def as_strs(values: Iterable[bytes | str]) -> list[str]:
    return [as_str(v) for v in values]


def maybe_str(value: bytes | str | None) -> str | None:
    return None if value is None else as_str(value)


def member_from(ref: MemberRef, raw: str | None) -> Member:
    if not raw:
        return Member(ref, ref.user_id)
    data = codec.loads(raw)
    return Member(ref, data.get("name") or ref.user_id, codec.settings_from_dict(data))


def id_order(value: str) -> tuple[str, int]:
    """Sort "c2" before "c10"."""
    head = value.rstrip("0123456789")
    tail = value[len(head) :]
    return head, int(tail) if tail else -1


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
