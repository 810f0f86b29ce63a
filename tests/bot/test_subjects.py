"""``carenudge export`` and ``carenudge forget``, as an admin runs them for a subject access or
an erasure request: in a real process, against the same Redis the bot uses."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from tests.conftest import RedisServer, World
from tests.nudges.test_rights import PERSON, a_busy_fortnight, naming

ROOT = Path(__file__).resolve().parents[2]


async def carenudge(
    redis_server: RedisServer, cwd: Path, *args: str, answer: str = ""
) -> tuple[int, str]:
    environment = {**os.environ, "REDIS_URL": redis_server.url}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=answer,
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**environment, "PYTHONPATH": str(ROOT)},
            timeout=60,
        )

    done = await asyncio.to_thread(run)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


async def test_export_writes_everything_held_about_a_person_to_json(
    world: World, redis_server: RedisServer, tmp_path: Path
) -> None:
    await a_busy_fortnight(world)

    code, out = await carenudge(redis_server, tmp_path, "export", "--user", f"test:{PERSON}")

    assert code == 0, out
    assert "What CareNudge holds about you" in out
    written = tmp_path / f"carenudge-test-{PERSON}.json"
    assert f"to {written.name} (JSON)" in out
    data = json.loads(written.read_text(encoding="utf-8"))
    assert data["teams"]["joined"] == ["ward-7"]
    assert len(data["shoutouts_you_gave"]) == 2
    assert data["sent_to_you"]


async def test_forget_asks_then_erases_every_trace(
    world: World, redis: Redis, redis_server: RedisServer, tmp_path: Path
) -> None:
    await a_busy_fortnight(world)

    code, out = await carenudge(
        redis_server, tmp_path, "forget", "--user", f"test:{PERSON}", answer="no\n"
    )
    assert code == 1
    assert "It can't be undone." in out
    assert "Nothing was erased." in out
    assert await naming(redis, PERSON)

    code, out = await carenudge(
        redis_server, tmp_path, "forget", "--user", f"test:T1:{PERSON}", answer="ERASE\n"
    )
    assert code == 0, out
    assert f"Erased test:T1:{PERSON}" in out
    assert await naming(redis, PERSON) == []


async def test_an_unknown_or_malformed_user_is_explained(
    world: World, redis_server: RedisServer, tmp_path: Path
) -> None:
    code, out = await carenudge(redis_server, tmp_path, "export", "--user", "test:UNOBODY")
    assert code == 1
    assert "CareNudge holds nothing about test:UNOBODY (every workspace was checked)." in out
    code, out = await carenudge(redis_server, tmp_path, "forget", "--user", "U012", "--yes")
    assert code == 1
    assert "--user takes a platform and a user id, like slack:U012AB3CD" in out
