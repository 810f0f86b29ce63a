"""What the Slack adapter keeps of its own about a person: the id of their direct-message
channel with the bot, their time zone as Slack gave it (both caches, kept 30 days and a day),
inside an Enterprise Grid org, the workspace they last used it in, and, if they installed
CareNudge in a workspace, their id in its installation record; for their export and erasure."""

from __future__ import annotations

from redis.asyncio import Redis

from adapters.slack.installs import RedisInstallationStore, as_text, is_org
from nudges.edge import MemberRef, PlatformKeys, Secret


class SlackRecords:
    """``secret_key`` opens the installation records (with OAuth); without it there are none."""

    def __init__(self, redis: Redis, keys: PlatformKeys, secret_key: Secret | None = None) -> None:
        self.redis = redis
        self.keys = keys
        self.installs = RedisInstallationStore(redis, keys, secret_key) if secret_key else None

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
        found = {
            label: value.decode() if isinstance(value, bytes) else str(value)
            for label, value in zip(kept, values, strict=True)
            if value is not None
        }
        if is_org(member.tenant_id):
            workspace = await self.redis.hget(
                self.keys.workspaces(member.tenant_id), member.user_id
            )
            if workspace is not None:
                found["The workspace you last used CareNudge in"] = as_text(workspace)
        if self.installs and await self.installs.installed_by(member.tenant_id, member.user_id):
            found["You installed CareNudge in this workspace"] = member.tenant_id
        return found

    async def erase(self, member: MemberRef) -> int:
        """Both caches, and the pace of their DM channel (a second's worth, but it is named
        after the channel)."""
        keys = list(self._keys(member).values())
        dm = await self.redis.get(keys[0])
        if dm:
            channel = dm.decode() if isinstance(dm, bytes) else str(dm)
            keys.append(self.keys.pace().channel(member.tenant_id, channel))
        gone = int(await self.redis.delete(*keys))
        if is_org(member.tenant_id):
            gone += int(
                await self.redis.hdel(self.keys.workspaces(member.tenant_id), member.user_id)
            )
        if self.installs and await self.installs.forget_installer(member.tenant_id, member.user_id):
            gone += 1
        return gone
