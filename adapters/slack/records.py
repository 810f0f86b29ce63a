"""What the Slack adapter keeps of its own about a person: the id of their direct-message
channel with the bot, and their time zone as Slack gave it (both caches, kept 30 days and a
day), for their export and erasure."""

from __future__ import annotations

from redis.asyncio import Redis

from nudges.edge import MemberRef, PlatformKeys


class SlackRecords:
    def __init__(self, redis: Redis, keys: PlatformKeys) -> None:
        self.redis = redis
        self.keys = keys

    def _keys(self, member: MemberRef) -> dict[str, str]:
        return {
            "Your direct-message channel with CareNudge": self.keys.dm(
                member.tenant_id, member.user_id
            ),
            "Your time zone, as Slack gave it": self.keys.time_zone(
                member.tenant_id, member.user_id
            ),
        }

    async def of(self, member: MemberRef) -> dict[str, str]:
        kept = self._keys(member)
        values = await self.redis.mget(list(kept.values()))
        return {
            label: value.decode() if isinstance(value, bytes) else str(value)
            for label, value in zip(kept, values, strict=True)
            if value is not None
        }

    async def erase(self, member: MemberRef) -> int:
        """Both caches, and the pace of their DM channel (a second's worth, but it is named
        after the channel)."""
        keys = list(self._keys(member).values())
        dm = await self.redis.get(keys[0])
        if dm:
            channel = dm.decode() if isinstance(dm, bytes) else str(dm)
            keys.append(self.keys.pace().channel(member.tenant_id, channel))
        return int(await self.redis.delete(*keys))
