"""Everything kept about one person, found and erased: for their export (``/nudge my data``)
and their erasure (``/nudge forget me``), and an admin's (``carenudge export`` / ``forget``).

Erasure walks every key once (a SCAN, in pages), so that it finds a person wherever they are
named: keys named after them, sets and hashes that list them, and the records (shout-outs,
cadences, pauses, one-off jobs) whose JSON names them. What a person owns is deleted; what a
team owns loses their name and keeps its counts. A test scans every key and value afterwards.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from nudges import codec
from nudges.errors import CodecError
from nudges.model import Cadence, MemberRef, MembersAudience, Pause, Role, Shoutout
from nudges.store.base import StoreBase, as_str, as_strs, maybe_str
from nudges.store.people import AMBIGUOUS

PAGE = 500
OWNED_BY_OTHERS = ("team:", "teams:", "channel:", "cadence:", "cadences")
"""Keys that belong to a team, a channel or its managers, whatever their names look like
(a team someone named like a user id is still the team's)."""
NOBODY = ""
"""The user id that takes the place of an erased person where a record needs someone (the
creator of a cadence): nobody."""


@dataclass
class Found:
    """The records that name one person, read in one pass over the keys."""

    given: list[Shoutout] = field(default_factory=list)
    received: list[Shoutout] = field(default_factory=list)
    cadences: list[Cadence] = field(default_factory=list)
    pauses: list[Pause] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    """One-off jobs (a snoozed prompt, a follow-up) that name them, by id."""


@dataclass
class Erased:
    """What an erasure removed or changed, counted (for the admin's output and the log)."""

    keys_deleted: int = 0
    entries_removed: int = 0
    shoutouts_deleted: int = 0
    shoutouts_changed: int = 0
    cadences_changed: int = 0
    cadences_emptied: list[str] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)


class RightsStore(StoreBase):
    # --- finding them ---------------------------------------------------------------------

    async def known_as(self, platform: str, user_id: str) -> list[MemberRef]:
        """Everyone CareNudge knows by this platform and user id, in any workspace (for an
        admin who names ``slack:U012AB3CD`` without the workspace)."""
        head = self.keys.key("member", platform, "")
        found: set[MemberRef] = set()
        async for raw in self.redis.scan_iter(match=f"{_glob(head)}*", count=1000):
            tenant, _, rest = as_str(raw)[len(head) :].partition(":")
            if tenant and (rest == user_id or rest.startswith(f"{user_id}:")):
                found.add(MemberRef(platform, tenant, user_id))
        return sorted(found)

    async def _keys(self) -> AsyncIterator[list[str]]:
        page: list[str] = []
        async for raw in self.redis.scan_iter(match=f"{_glob(self.keys.prefix)}:*", count=1000):
            page.append(as_str(raw))
            if len(page) >= PAGE:
                yield page
                page = []
        if page:
            yield page

    async def records_naming(self, ref: MemberRef) -> Found:
        """The shout-outs, cadences, pauses and one-off jobs whose records name ``ref``."""
        found = Found()
        async for page in self._keys():
            await self._read_records(ref, page, found)
        return found

    async def _read_records(self, ref: MemberRef, page: Sequence[str], found: Found) -> None:
        wanted = [k for k in page if self._kind(k) in ("shoutout", "cadence", "pause", "job")]
        if not wanted:
            return
        for key, raw in zip(wanted, await self.redis.mget(wanted), strict=True):
            text = maybe_str(raw)
            if text is None or ref.key not in text:
                continue
            try:
                match self._kind(key):
                    case "shoutout":
                        shoutout = codec.shoutout_from_json(text)
                        if shoutout.giver == ref:
                            found.given.append(shoutout)
                        if ref in shoutout.recipients:
                            found.received.append(shoutout)
                    case "cadence":
                        found.cadences.append(codec.cadence_from_json(text))
                    case "pause":
                        found.pauses.append(codec.pause_from_json(text))
                    case "job":
                        found.jobs.append(key[len(self.keys.jobs_prefix) :])
            except CodecError:
                continue  # written by another release: left as it is, and said in the log

    def _kind(self, key: str) -> str:
        rest = key[len(self.keys.prefix) + 1 :].split(":")
        match rest:
            case ["shoutout", _]:
                return "shoutout"
            case ["cadence", _] | ["trash", _]:
                return "cadence"
            case ["pause", _]:
                return "pause"
            case ["once", _]:
                return "job"
        return ""

    # --- what they can see ----------------------------------------------------------------

    async def profile(self, ref: MemberRef) -> dict[str, Any]:
        """Their record as kept (name and settings), their teams and roles, the prompts they
        said were not for them, and when they were last recognised."""
        member = self.keys.member(ref)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(member.record)
            pipe.smembers(member.teams(Role.MEMBER))
            pipe.smembers(member.teams(Role.MANAGER))
            pipe.sismember(self.keys.admins(ref.workspace), ref.key)
            pipe.smembers(member.not_for_me)
            pipe.zscore(self.keys.recognised(ref.workspace), ref.key)
            record, joined, managed, admin, declined, recognised = await pipe.execute()
        return {
            "record": codec.loads(record) if record else None,
            "joined": sorted(as_strs(joined)),
            "manages": sorted(as_strs(managed)),
            "admin": bool(admin),
            "not_for_me": sorted(as_strs(declined)),
            "last_recognised": (
                datetime.fromtimestamp(float(recognised), UTC) if recognised else None
            ),
        }

    # --- erasing them ---------------------------------------------------------------------

    async def erase(self, ref: MemberRef) -> Erased:
        """Erase ``ref`` everywhere: keys named after them go; sets, hashes and sorted sets
        lose them; shout-outs they gave go (the week's counts stay), shout-outs they received
        lose them (and go if nobody is left); cadences and pauses lose their name. The caller
        takes the emptied cadences and the jobs found out of the queue."""
        done = Erased()
        name = await self._name(ref)
        async for page in self._keys():
            found = Found()
            await self._read_records(ref, page, found)
            await self._erase_page(ref, page, name, found, done)
        return done

    async def _name(self, ref: MemberRef) -> str:
        raw = await self.redis.get(self.keys.member(ref).record)
        try:
            return str(codec.loads(raw).get("name") or "") if raw else ""
        except CodecError:
            return ""

    async def _erase_page(
        self, ref: MemberRef, page: Sequence[str], name: str, found: Found, done: Erased
    ) -> None:
        keys, me, dm = self.keys, ref.key, f"m:{ref.key}"
        rosters = (f":{Role.MEMBER.value}", f":{Role.MANAGER.value}")
        deleted = 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in page:
                rest = key[len(keys.prefix) + 1 :]
                if _names(rest, me) and not rest.startswith(OWNED_BY_OTHERS):
                    pipe.delete(key)
                    deleted += 1
                elif rest.startswith("delivery:"):
                    pipe.hdel(key, dm)
                elif (
                    rest.startswith(("pressed:", "admins:"))
                    or (rest.startswith("team:") and rest.endswith(rosters))
                    or (rest.startswith("pause:") and rest.endswith(":present"))
                ):
                    pipe.srem(key, me)
                elif rest.startswith("recognised:"):
                    pipe.zrem(key, me)
            results = await pipe.execute()
        done.keys_deleted += deleted
        done.entries_removed += sum(int(n) for n in results) - deleted
        for key in page:
            if key.startswith(keys.key("names", "")):
                await self._unname(key, me, name)
        await self._erase_records(ref, found, done)

    async def _unname(self, index: str, me: str, name: str) -> None:
        """Take them out of a workspace's names index: every name that finds them, and their
        own names where they were one of several with it."""
        fields = {as_str(k): as_str(v) for k, v in (await self.redis.hgetall(index)).items()}
        theirs = set(_name_fields(name))
        gone = [f for f, v in fields.items() if v == me or (v == AMBIGUOUS and f in theirs)]
        if gone:
            await self.redis.hdel(index, *gone)

    async def _erase_records(self, ref: MemberRef, found: Found, done: Erased) -> None:
        keys = self.keys
        async with self.redis.pipeline(transaction=True) as pipe:
            for shoutout in {s.id: s for s in (*found.given, *found.received)}.values():
                rest = tuple(r for r in shoutout.recipients if r != ref)
                if shoutout.giver == ref or not rest:
                    pipe.delete(keys.shoutout(shoutout.id))
                    done.shoutouts_deleted += 1
                else:
                    kept = replace(shoutout, recipients=rest)
                    pipe.set(keys.shoutout(shoutout.id), codec.shoutout_to_json(kept), keepttl=True)
                    done.shoutouts_changed += 1
            for cadence in found.cadences:
                changed = _without(cadence, ref)
                if changed is None:
                    continue
                key = (
                    keys.cadence(cadence.id)
                    if await self.redis.exists(keys.cadence(cadence.id))
                    else keys.trashed_cadence(cadence.id)
                )
                pipe.set(key, codec.cadence_to_json(changed), keepttl=True)
                done.cadences_changed += 1
                audience = changed.audience
                if isinstance(audience, MembersAudience) and not audience.members:
                    done.cadences_emptied.append(cadence.id)
            for pause in found.pauses:
                if pause.caller == ref:
                    # Kept only to send its caller a follow-up: with them gone, so is it.
                    pipe.delete(keys.pause(pause.id).record)
                    done.keys_deleted += 1
            for job_id in found.jobs:
                pipe.delete(keys.job(job_id))
                done.jobs.append(job_id)
            await pipe.execute()


def _names(rest: str, me: str) -> bool:
    """Whether a key (without the prefix) is named after the person whose key is ``me``:
    it holds ``me`` as a whole part (``member:<me>``, ``seen:m:<me>``, ``held:h1:<me>``)."""
    at = rest.find(me)
    while at != -1:
        before = at == 0 or rest[at - 1] == ":"
        end = at + len(me)
        if before and (end == len(rest) or rest[end] == ":"):
            return True
        at = rest.find(me, at + 1)
    return False


def _name_fields(name: str) -> list[str]:
    """The fields of a names index a person's name is under: whole, and first name."""
    return sorted({name.lower(), name.split()[0].lower()}) if name.split() else []


def _without(cadence: Cadence, ref: MemberRef) -> Cadence | None:
    """``cadence`` with ``ref`` gone from its creator and recipients, or None if it had
    neither."""
    changed = cadence
    if cadence.created_by == ref:
        changed = replace(changed, created_by=MemberRef(ref.platform, ref.tenant_id, NOBODY))
    audience = cadence.audience
    if isinstance(audience, MembersAudience) and ref in audience.members:
        rest = tuple(m for m in audience.members if m != ref)
        changed = replace(changed, audience=MembersAudience(rest))
    return None if changed is cadence else changed


def _glob(text: str) -> str:
    """``text`` matched literally in a SCAN pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
