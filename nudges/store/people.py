"""Members (names, settings, "not for me"), teams, their rosters, the admins, and which team a
channel belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nudges import codec
from nudges.model import Conversation, Member, MemberRef, Role, Workspace
from nudges.store.base import MAX_NAME, StoreBase, as_strs, maybe_str, member_from

AMBIGUOUS = "?"


class PeopleStore(StoreBase):
    # --- members --------------------------------------------------------------------------

    async def member(self, ref: MemberRef) -> Member:
        return (await self.members([ref]))[0]

    async def members(self, refs: Sequence[MemberRef]) -> list[Member]:
        if not refs:
            return []
        raws = await self.redis.mget([self.keys.member(r).record for r in refs])
        return [member_from(ref, maybe_str(raw)) for ref, raw in zip(refs, raws, strict=True)]

    async def save_member(self, member: Member) -> None:
        payload = {"name": member.name, **codec.settings_to_dict(member.settings)}
        await self.redis.set(self.keys.member(member.ref).record, codec.dumps(payload))

    async def remember_name(self, ref: MemberRef, name: str) -> None:
        """Keep the display name a platform gave us (at most 80 characters), without touching
        settings."""
        name = " ".join(name.split())[:MAX_NAME]
        if name == ref.user_id:
            return  # a platform gave us only the id: keep any real name we already have
        member = await self.member(ref)
        if name and member.name != name:
            await self.save_member(Member(ref, name, member.settings))
            await self._index_name(ref, name)

    async def _index_name(self, ref: MemberRef, name: str) -> None:
        """Find people by their full name, or by a first name only one of them has."""
        index = self.keys.names(ref.workspace)
        for key in {name.lower(), name.split()[0].lower()}:
            known = await self.redis.hget(index, key)
            mark = ref.key if known in (None, ref.key) else AMBIGUOUS
            await self.redis.hset(index, key, mark)

    async def named(self, ws: Workspace, name: str) -> MemberRef | None:
        """The one person known by ``name`` here, or None (unknown, or more than one)."""
        found = maybe_str(await self.redis.hget(self.keys.names(ws), name.lower()))
        return MemberRef.from_key(found) if found and found != AMBIGUOUS else None

    async def not_for_me(self, ref: MemberRef) -> set[str]:
        return set(as_strs(await self.redis.smembers(self.keys.member(ref).not_for_me)))

    async def add_not_for_me(self, ref: MemberRef, ws: Workspace, team: str, prompt: str) -> bool:
        added = await self.redis.sadd(self.keys.member(ref).not_for_me, prompt)
        if added:
            await self.redis.hincrby(self.keys.team(ws, team).not_for_me, prompt, 1)
        return bool(added)

    # --- teams and roles ------------------------------------------------------------------

    async def create_team(self, ws: Workspace, team: str, at: datetime) -> bool:
        created = await self.redis.sadd(self.keys.teams(ws), team)
        if created:
            await self.redis.set(
                self.keys.team(ws, team).record,
                codec.dumps({"name": team, "created_at": at.isoformat()}),
            )
        return bool(created)

    async def teams(self, ws: Workspace) -> list[str]:
        return sorted(as_strs(await self.redis.smembers(self.keys.teams(ws))))

    async def team_exists(self, ws: Workspace, team: str) -> bool:
        return bool(await self.redis.sismember(self.keys.teams(ws), team))

    async def roster(self, ws: Workspace, team: str, role: Role) -> list[MemberRef]:
        """The team's members (who joined) or managers, in a stable order."""
        keys = as_strs(await self.redis.smembers(self.keys.team(ws, team).roster(role)))
        return [MemberRef.from_key(k) for k in sorted(keys)]

    async def set_role(
        self, ws: Workspace, team: str, role: Role, ref: MemberRef, on: bool
    ) -> bool:
        """Add or remove ``ref`` in a team's members or managers; True if it changed."""
        roster, mine = self.keys.team(ws, team).roster(role), self.keys.member(ref).teams(role)
        async with self.redis.pipeline(transaction=True) as pipe:
            if on:
                pipe.sadd(roster, ref.key)
                pipe.sadd(mine, team)
            else:
                pipe.srem(roster, ref.key)
                pipe.srem(mine, team)
            changed, _ = await pipe.execute()
        return bool(changed)

    async def member_teams(self, ref: MemberRef, role: Role) -> list[str]:
        """The teams ``ref`` joined (as a member) or manages."""
        return sorted(as_strs(await self.redis.smembers(self.keys.member(ref).teams(role))))

    async def admins(self, ws: Workspace) -> set[str]:
        return set(as_strs(await self.redis.smembers(self.keys.admins(ws))))

    async def set_admin(self, ref: MemberRef, on: bool) -> bool:
        key = self.keys.admins(ref.workspace)
        changed = await (self.redis.sadd(key, ref.key) if on else self.redis.srem(key, ref.key))
        return bool(changed)

    # --- channels -------------------------------------------------------------------------

    async def channel_team(self, channel: Conversation) -> str | None:
        return maybe_str(await self.redis.get(self.keys.channel(channel).team))

    async def link_channel(self, channel: Conversation, team: str) -> None:
        await self.redis.set(self.keys.channel(channel).team, team, nx=True)
