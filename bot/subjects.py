"""``carenudge export`` and ``carenudge forget``: an admin handling a subject access or an
erasure request does what ``/nudge my data`` and ``/nudge forget me`` do for a person in chat.
They need only Redis: no platform has to be configured or reachable."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from redis.exceptions import RedisError

from bot.app import connect
from bot.settings import Settings
from bot.wiring import Core, build_core
from nudges.cards import plain
from nudges.model import MemberRef

Say = Callable[[str], None]
Ask = Callable[[str], str]

EXAMPLE = "slack:U012AB3CD (or slack:T0123:U012AB3CD to name the workspace too)"


Work = Callable[[Core, list[MemberRef]], Awaitable[int]]


async def _for_people(settings: Settings, user: str, say: Say, work: Work) -> int:
    """Run ``work`` on everyone known as ``user``, against the configured Redis; 1 if nobody
    is, 2 if Redis can't be reached."""
    redis = connect(settings.redis_url)
    try:
        core = build_core(settings, redis)
        people = await _people(core.stores.rights.known_as, user, say)
        return await work(core, people) if people else 1
    except RedisError as exc:
        say(f"Could not reach Redis at REDIS_URL ({type(exc).__name__}). Is it running?")
        return 2
    finally:
        await redis.aclose()


async def export(settings: Settings, user: str, out: str | None, say: Say) -> int:
    async def write(core: Core, people: list[MemberRef]) -> int:
        for ref in people:
            found = await core.engine.rights.export(ref)
            several = len(people) > 1
            path = Path(out) if out else Path(_file_name(ref, several))
            if out and several:
                path = path.with_stem(f"{path.stem}-{ref.tenant_id}")
            await asyncio.to_thread(path.write_text, found.json() + "\n", encoding="utf-8")
            say(plain(found.summary))
            say(f"\nWrote everything held about {ref.key} to {path} (JSON).")
        return 0

    return await _for_people(settings, user, say, write)


async def forget(settings: Settings, user: str, yes: bool, say: Say, ask: Ask) -> int:
    async def erase(core: Core, people: list[MemberRef]) -> int:
        names = ", ".join(ref.key for ref in people)
        if not yes:
            say(
                f"This erases everything CareNudge holds about {names}: settings, teams and "
                "roles, what was sent to them, and their name and words in shout-outs. Team "
                "counts stay, with no names. It can't be undone."
            )
            if ask("Type ERASE to go ahead: ").strip() != "ERASE":
                say("Nothing was erased.")
                return 1
        for ref in people:
            erased = await core.engine.rights.forget(ref)
            say(
                f"Erased {ref.key}: {erased.keys_deleted} records, "
                f"{erased.entries_removed} entries in teams and lists, "
                f"{erased.shoutouts_deleted + erased.shoutouts_changed} shout-outs."
            )
        return 0

    return await _for_people(settings, user, say, erase)


async def _people(
    known_as: Callable[[str, str], Awaitable[list[MemberRef]]], user: str, say: Say
) -> list[MemberRef]:
    platform, _, rest = user.strip().partition(":")
    if not re.fullmatch(r"[a-z][a-z0-9-]*", platform) or not rest or " " in rest:
        say(f"--user takes a platform and a user id, like {EXAMPLE}.")
        return []
    # A Teams user id has a colon of its own (29:1a2b…): read it both as a user id alone and
    # as a workspace followed by a user id.
    found = set(await known_as(platform, rest))
    tenant, _, user_id = rest.partition(":")
    if user_id:
        found |= {r for r in await known_as(platform, user_id) if r.tenant_id == tenant}
    if not found:
        say(f"CareNudge holds nothing about {user} (every workspace was checked).")
    return sorted(found)


def _file_name(ref: MemberRef, several: bool) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", ref.user_id)
    return f"carenudge-{ref.platform}-{ref.tenant_id + '-' if several else ''}{safe}.json"
