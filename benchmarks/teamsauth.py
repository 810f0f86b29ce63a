"""8. Teams under forged tokens: how fast ``/healthz`` answers while bad tokens pour into
``POST /api/messages`` and Bot Framework's keys are slow to come, and how fast each bad token
is refused. Target: ``/healthz`` p99 under 100 ms throughout (issue 15: the loop never waits
on a key fetch).

The bot runs in this process on loopback (as ``tests/scenarios/teams.py`` runs it), its key
metadata served by a loopback fake that hangs for the first half of the run; the attackers run
in a thread of their own, with their own event loop, so their work competes for the CPU as a
second client would. Baseline from the same run: ``/healthz`` with nothing else going on.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable

import aiohttp

from benchmarks.report import Bench, Figure, spread
from tests.fakes.clock import ManualClock, utc
from tests.fakes.openid import FakeOpenId, new_key, token
from tests.scenarios.teams import teams_activity, teams_world

APP = "6a1d2c3b-0000-4000-8000-00000000c0de"
TARGET_MS = 100.0
ATTACKERS = 8


async def _health(session: aiohttp.ClientSession, base: str, count: int) -> list[float]:
    took: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        async with session.get(f"{base}/healthz") as response:
            await response.read()
            assert response.status == 200
        took.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.005)
    return took


def _attack(base: str, service_url: str, stop: threading.Event, refused: list[float]) -> None:
    """Bad tokens of several kinds, as fast as ``ATTACKERS`` clients can send them: forged key
    ids (which would make a naive bot fetch keys), garbage, and a stranger's signature."""
    stranger = new_key()
    ids = itertools.count()
    kinds: list[Callable[[int], str]] = [
        lambda i: token(stranger, f"k-forged-{i}", app_id=APP, service_url=service_url),
        lambda i: "not.a.jwt",
        lambda i: token(stranger, "k1", app_id=APP, service_url=service_url),
    ]
    forged = [kinds[n % len(kinds)](n) for n in range(60)]  # signing is the client's cost

    async def one(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            n = next(ids)
            activity = teams_activity(service_url, f"x{n}", "29:mallory")
            activity |= {"type": "message", "text": "nudge help"}
            started = time.perf_counter()
            headers = {"Authorization": f"Bearer {forged[n % len(forged)]}"}
            async with session.post(f"{base}/api/messages", json=activity, headers=headers) as r:
                await r.read()
                assert r.status == 401, r.status
            refused.append((time.perf_counter() - started) * 1000)

    async def main() -> None:
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(one(session) for _ in range(ATTACKERS)))

    asyncio.run(main())


async def run(bench: Bench) -> list[Figure]:
    section = "8 teams auth"
    count = bench.size(400, 40)
    openid = FakeOpenId(keys={"k1": (new_key(), ["msteams"])})
    openid.hang = asyncio.Event()  # a slow network path to Bot Framework, for the first half
    await openid.start()
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    try:
        async for world in teams_world(
            bench.redis_url, clock, app_id=APP, openid_metadata=openid.metadata_url
        ):
            base = str(world.client.make_url("")).rstrip("/")
            async with aiohttp.ClientSession() as session:
                idle = await _health(session, base, count)
                stop, refused = threading.Event(), list[float]()
                attackers = threading.Thread(
                    target=_attack, args=(base, world.connector.url, stop, refused)
                )
                attackers.start()
                try:
                    hung = await _health(session, base, count // 2)
                    openid.hang.set()  # the keys arrive; the forged ones keep coming
                    attacked = hung + await _health(session, base, count - count // 2)
                finally:
                    stop.set()
                    await asyncio.to_thread(attackers.join)
            fetches = openid.fetches
    finally:
        await openid.close()
    idle_p50, idle_p99, _ = spread(idle)
    p50, p99, most = spread(attacked)
    refused_p50, refused_p99, _ = spread(refused)
    return [
        Figure(section, "/healthz p50 under forged tokens", p50, "ms", idle_p50, "idle"),
        Figure(
            section,
            "/healthz p99 under forged tokens",
            p99,
            "ms",
            idle_p99,
            "idle",
            f"< {TARGET_MS:g} ms",
            p99 < TARGET_MS,
        ),
        Figure(section, "/healthz max under forged tokens", most, "ms", idle_p99, "idle p99"),
        Figure(section, "401 for a bad token, p50", refused_p50, "ms", idle_p50, "/healthz idle"),
        Figure(section, "401 for a bad token, p99", refused_p99, "ms", idle_p99, "/healthz idle"),
        Figure(section, "bad tokens refused", len(refused), "", count, "/healthz calls"),
        Figure(section, "key fetches", fetches, "", len(refused), "bad tokens"),
    ]
