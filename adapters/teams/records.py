"""Our own records of where Teams conversations and people live: the service URL, ids and
tenant, captured from every activity Teams sends. Never an SDK-serialised reference, so that
another SDK speaking the same protocol (the Microsoft 365 Agents SDK) could use them as they
are; they are plain JSON under the platform's keys (``carenudge:teams:…``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from redis.asyncio import Redis

from nudges.edge import PlatformKeys


@dataclass(frozen=True, slots=True)
class Place:
    """Enough to write into a conversation, or to open a 1:1 with a person."""

    service_url: str
    tenant_id: str
    bot_id: str
    conversation_id: str = ""
    kind: str = "personal"
    user_id: str = ""
    aad_object_id: str = ""
    unreachable: bool = False


class TeamsRecords:
    def __init__(self, redis: Redis, keys: PlatformKeys) -> None:
        self.redis = redis
        self.keys = keys

    async def conversation(self, tenant_id: str, conversation_id: str) -> Place | None:
        return await self._get(self.keys.conversation(tenant_id, conversation_id))

    async def person(self, tenant_id: str, user_id: str) -> Place | None:
        return await self._get(self.keys.person(tenant_id, user_id))

    async def remember_conversation(self, place: Place) -> None:
        await self._set(self.keys.conversation(place.tenant_id, place.conversation_id), place)

    async def remember_person(self, place: Place, *, personal_chat: str = "") -> None:
        """Where a person can be reached. Hearing from them makes them reachable again."""
        known = await self.person(place.tenant_id, place.user_id)
        chat = personal_chat or (known.conversation_id if known else "")
        await self._set(
            self.keys.person(place.tenant_id, place.user_id),
            replace(place, conversation_id=chat, kind="personal", unreachable=False),
        )

    async def remember_channel(self, tenant_id: str, name: str, conversation_id: str) -> None:
        """So that a channel can be named with #name in a 1:1 chat."""
        await self.redis.set(self.keys.channel_named(tenant_id, name.lower()), conversation_id)

    async def channel_named(self, tenant_id: str, name: str) -> str | None:
        found = await self.redis.get(self.keys.channel_named(tenant_id, name.lower()))
        return str(found) if found else None

    async def mark_unreachable(self, tenant_id: str, user_id: str) -> None:
        known = await self.person(tenant_id, user_id)
        if known is not None:
            await self._set(self.keys.person(tenant_id, user_id), replace(known, unreachable=True))

    async def _get(self, key: str) -> Place | None:
        raw = await self.redis.get(key)
        return Place(**json.loads(raw)) if raw else None

    async def _set(self, key: str, place: Place) -> None:
        await self.redis.set(key, json.dumps(asdict(place)))
