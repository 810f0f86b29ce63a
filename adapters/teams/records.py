"""Our own records of where Teams conversations and people live: the service URL, ids and
tenant, captured from every activity Teams sends. Never an SDK-serialised reference, so that
another SDK speaking the same protocol (the Microsoft 365 Agents SDK) could use them as they
are; they are plain JSON under the platform's keys (``carenudge:teams:…``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from redis.asyncio import Redis

from nudges.edge import MemberRef, PlatformKeys

CHANNELS_LISTED_S = 3600
WELCOME_KEPT_S = 24 * 3600
"""Teams' two announcements of one install come within seconds; a day is plenty."""


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
    """A person who removed the app; a conversation CareNudge was removed from."""
    team_id: str = ""
    """The team a channel belongs to (so that removing CareNudge from a team reaches them)."""


class TeamsRecords:
    def __init__(self, redis: Redis, keys: PlatformKeys) -> None:
        self.redis = redis
        self.keys = keys

    async def conversation(self, tenant_id: str, conversation_id: str) -> Place | None:
        return await self._get(self.keys.conversation(tenant_id, conversation_id))

    async def person(self, tenant_id: str, user_id: str) -> Place | None:
        return await self._get(self.keys.person(tenant_id, user_id))

    async def remember_conversation(self, place: Place) -> None:
        """Where a conversation is. Who spoke last is kept only for a 1:1 chat, whose person
        it is; a channel's or group chat's record names nobody."""
        if place.kind != "personal":
            place = replace(place, user_id="", aad_object_id="")
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
        """So that a channel can be named with #name in a 1:1 chat, and shown by its name. A
        renamed channel is found by its new name only."""
        key = self.keys.channel_name(tenant_id, conversation_id)
        old = await self.redis.get(key)
        if old and str(old).lower() != name.lower():
            await self.redis.delete(self.keys.channel_named(tenant_id, str(old).lower()))
        await self.redis.set(self.keys.channel_named(tenant_id, name.lower()), conversation_id)
        await self.redis.set(key, name)

    async def name_of_channel(self, tenant_id: str, conversation_id: str) -> str:
        found = await self.redis.get(self.keys.channel_name(tenant_id, conversation_id))
        return str(found) if found else ""

    async def channel_named(self, tenant_id: str, name: str) -> str | None:
        found = await self.redis.get(self.keys.channel_named(tenant_id, name.lower()))
        return str(found) if found else None

    async def first_welcome(self, tenant_id: str, conversation_id: str) -> bool:
        """True once per install: Teams announces one with two activities."""
        key = self.keys.seen("welcome", f"{tenant_id}:{conversation_id}")
        return bool(await self.redis.set(key, "1", nx=True, ex=WELCOME_KEPT_S))

    async def may_list_channels(self, tenant_id: str, team_id: str) -> bool:
        """True at most once an hour per team: a channel CareNudge hears of but cannot name
        (the bot was added before it learnt names, or the channel is private) sends it to the
        team's channel list, not on every message."""
        key = self.keys.seen("channels", f"{tenant_id}:{team_id}")
        return bool(await self.redis.set(key, "1", nx=True, ex=CHANNELS_LISTED_S))

    async def first_save(self, tenant_id: str, user_id: str, saving: str) -> bool:
        """True the first time a person presses one Save card."""
        key = self.keys.seen("save", f"{tenant_id}:{user_id}:{saving}")
        return bool(await self.redis.set(key, "1", nx=True, ex=WELCOME_KEPT_S))

    async def removed(self, tenant_id: str, conversation_id: str, team_id: str = "") -> int:
        """CareNudge was removed: from this conversation, or (``team_id``) from every channel
        of a team. Nothing more is written there until Teams says it is back (any activity
        from there). Returns how many conversations that was."""
        if team_id:
            pattern = self.keys.conversation(tenant_id, "*")
            keys = [
                k.decode() if isinstance(k, bytes) else str(k)
                async for k in self.redis.scan_iter(match=pattern, count=1000)
            ]
        else:
            keys = [self.keys.conversation(tenant_id, conversation_id)]
        count = 0
        for key in keys:
            place = await self._get(key)
            if place is None:
                continue
            if team_id and place.team_id != team_id and place.conversation_id != conversation_id:
                continue
            await self._set(key, replace(place, unreachable=True))
            welcomed = f"{tenant_id}:{place.conversation_id}"
            await self.redis.delete(self.keys.seen("welcome", welcomed))
            count += 1
        return count

    async def mark_unreachable(self, tenant_id: str, user_id: str) -> None:
        known = await self.person(tenant_id, user_id)
        if known is not None:
            await self._set(self.keys.person(tenant_id, user_id), replace(known, unreachable=True))

    # --- a person's own records, for their export and erasure (``PersonalRecords``) ---------

    async def of(self, member: MemberRef) -> dict[str, str]:
        known = await self.person(member.tenant_id, member.user_id)
        if known is None:
            return {}
        kept = {"Where Teams reaches you": known.service_url}
        if known.aad_object_id:
            kept["Your Microsoft Entra object id"] = known.aad_object_id
        if known.conversation_id:
            kept["Your 1:1 chat with CareNudge"] = known.conversation_id
        return kept

    async def erase(self, member: MemberRef) -> int:
        """Their own record, and every conversation record that names them (their 1:1 chat;
        a channel's from before channels' records stopped naming who spoke last)."""
        gone = int(await self.redis.delete(self.keys.person(member.tenant_id, member.user_id)))
        saves = self.keys.seen("save", f"{member.tenant_id}:{member.user_id}:*")
        async for raw in self.redis.scan_iter(match=saves, count=1000):
            gone += int(await self.redis.delete(raw))
        pattern = self.keys.conversation(member.tenant_id, "*")
        async for raw in self.redis.scan_iter(match=pattern, count=1000):
            key = raw.decode() if isinstance(raw, bytes) else str(raw)
            place = await self._get(key)
            if place is None or place.user_id != member.user_id:
                continue
            if place.kind == "personal":
                welcomed = self.keys.seen("welcome", f"{member.tenant_id}:{place.conversation_id}")
                gone += int(await self.redis.delete(key, welcomed))
            else:
                await self._set(key, replace(place, user_id="", aad_object_id=""))
        return gone

    async def _get(self, key: str) -> Place | None:
        raw = await self.redis.get(key)
        return Place(**json.loads(raw)) if raw else None

    async def _set(self, key: str, place: Place) -> None:
        await self.redis.set(key, json.dumps(asdict(place)))
