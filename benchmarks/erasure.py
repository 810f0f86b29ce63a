"""7. Erasure and export: how long ``forget me`` and ``my data`` take for one person in a big
workspace. Erasure walks every key once (a SCAN in pages), so it grows with the whole keyspace,
not with the person; this measures it on a hospital-sized one.

Baseline from the same run: a bare SCAN of every key (the floor any whole-keyspace walk pays).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from benchmarks.report import Bench, Figure
from bot.settings import Settings
from bot.wiring import build_core
from nudges import codec
from nudges.keys import KeySpace
from nudges.model import Behaviour, Conversation, MemberRef, Role, Shoutout

TARGET_S = 5.0
"""Forget me answers within Slack's patience for work after an acknowledgement (a person is
told it is done); well inside it at this size."""
AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


async def _populate(bench: Bench, people: int) -> MemberRef:
    """``people`` members of 100 teams, each with a record, memberships, prompt memory, a
    record of what was sent, a delivery state, and a shout-out for every fifth: about 12 keys
    a person."""
    keys = KeySpace()
    stores = build_core(Settings(), client := bench.redis()).stores
    refs = [MemberRef("slack", "T1", f"U{i:07d}") for i in range(people)]
    channel = Conversation("slack", "T1", "C1")
    for start in range(0, people, 1000):
        async with client.pipeline(transaction=False) as pipe:
            for i, ref in enumerate(refs[start : start + 1000], start):
                team = f"ward-{i % 100}"
                member = keys.member(ref)
                pipe.set(member.record, codec.dumps({"name": f"Person {i}"}))
                pipe.sadd(member.teams(Role.MEMBER), team)
                pipe.sadd(keys.team(ref.workspace, team).roster(Role.MEMBER), ref.key)
                memory = keys.audience(f"m:{ref.key}")
                pipe.sadd(memory.seen, "attending-01")
                pipe.hset(memory.mix, "attending", 1)
                pipe.set(memory.last, "attending-01")
                pipe.zadd(member.sent, {codec.dumps({"about": "a prompt"}): 1})
                pipe.hset(keys.delivery(f"c:c{i % 100}@{i % 7}"), f"m:{ref.key}", "sent")
                pipe.set(keys.member(ref).budget_spent("2026-W50"), "1")
                pipe.zadd(keys.recognised(ref.workspace), {ref.key: AT.timestamp()})
                pipe.hset(keys.names(ref.workspace), f"person {i}", ref.key)
            await pipe.execute()
        for i in range(start, min(start + 1000, people), 5):
            shoutout = Shoutout(
                f"s{i}",
                refs[i].workspace,
                channel,
                refs[i],
                (refs[(i + 1) % people],),
                ("for staying late with the family",),
                Behaviour.ATTENDING,
                False,
                AT - timedelta(minutes=i),
            )
            await stores.shoutouts.save_shoutout(shoutout, "2026-W50", new=True)
    await client.aclose()
    return refs[people // 2]


async def run(bench: Bench) -> list[Figure]:
    section = "7 erasure"
    people = bench.size(20_000, 500)
    someone = await _populate(bench, people)
    client = bench.redis()
    try:
        total = await client.dbsize()
        started = time.perf_counter()
        async for _ in client.scan_iter(match="carenudge:*", count=1000):
            pass
        scan = time.perf_counter() - started
        core = build_core(Settings(), client)
        started = time.perf_counter()
        await core.engine.rights.export(someone)
        export = time.perf_counter() - started
        started = time.perf_counter()
        await core.engine.rights.forget(someone)
        forget = time.perf_counter() - started
    finally:
        await client.flushdb()
        await client.aclose()
    label = f"a SCAN of all {total:,} keys"
    return [
        Figure(
            section,
            f"forget me, {people:,} people",
            forget,
            "s",
            scan,
            label,
            f"< {TARGET_S:g} s",
            forget < TARGET_S,
        ),
        Figure(section, f"my data, {people:,} people", export, "s", scan, label),
    ]
