"""``carenudge doctor`` says what is fine and what to fix, in a real process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from redis.asyncio import Redis

from scheduler.queue import RedisFireQueue
from tests.conftest import RedisServer
from tests.fakes.slack_api import FakeSlackApi

NOWHERE = tempfile.mkdtemp(prefix="carenudge-doctor-")
"""Where the commands run: an empty directory, so that no ``.env`` of the developer's counts."""


def doctor(*, cwd: str | Path = NOWHERE, **environment: str) -> tuple[int, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDIS_", "CARENUDGE_", "SLACK_", "MICROSOFT_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=base | environment,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


def test_doctor_reads_the_env_file_in_its_directory_and_the_real_environment_wins(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        "# as .env.example has it\n"
        f"REDIS_URL={redis_server.url}\n"
        "CARENUDGE_TIMEZONE=Europe/London\n"
        "CARENUDGE_ADMINS=slack:U01,slack:U02\n"
    )
    code, out = doctor(cwd=tmp_path)
    assert code == 0, out
    assert "Default time zone for new cadences: Europe/London" in out
    assert "✓ 2 admin(s) from CARENUDGE_ADMINS." in out

    code, out = doctor(cwd=tmp_path, CARENUDGE_TIMEZONE="America/New_York")
    assert code == 0, out
    assert "Default time zone for new cadences: America/New_York" in out
    assert "✓ 2 admin(s) from CARENUDGE_ADMINS." in out


def test_doctor_passes_with_a_reachable_redis(redis_server: RedisServer) -> None:
    code, out = doctor(REDIS_URL=redis_server.url, CARENUDGE_ADMINS="slack:U01")
    assert code == 0, out
    assert "✓ Configuration reads correctly." in out
    assert "✓ Redis answers at 127.0.0.1" in out
    assert "✓ 1 admin(s) from CARENUDGE_ADMINS." in out
    assert "appendonly" in out  # the test Redis keeps no AOF: doctor says so


def test_doctor_says_how_to_fix_an_unreachable_redis() -> None:
    code, out = doctor(REDIS_URL="redis://127.0.0.1:9/0")
    assert code == 1
    assert "✗ Can't reach Redis at 127.0.0.1:9/0" in out
    assert "set REDIS_URL" in out
    assert "No admins yet: set CARENUDGE_ADMINS" in out


def test_doctor_lists_every_configuration_problem() -> None:
    code, out = doctor(PORT="x", CARENUDGE_TIMEZONE="Nowhere/Land")
    assert code == 1
    assert "PORT must be a whole number" in out
    assert "CARENUDGE_TIMEZONE 'Nowhere/Land' is not a time zone" in out


def test_run_refuses_to_start_with_bad_configuration() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("CARENUDGE_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=NOWHERE,
        env=base | {"CARENUDGE_GRACE_MINUTES": "0"},
        timeout=60,
    )
    assert done.returncode == 2
    assert "CARENUDGE_GRACE_MINUTES must be between 1 and 1440" in done.stdout
    assert "Traceback" not in done.stderr


async def adoctor(**environment: str) -> tuple[int, str]:
    """doctor in a child process while this test's loop keeps a fake Slack answering."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDIS_", "CARENUDGE_", "SLACK_", "MICROSOFT_"))
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "doctor",
        cwd=NOWHERE,
        env=base | environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert b"Traceback" not in err, err.decode()
    return process.returncode or 0, out.decode()


async def test_doctor_checks_the_slack_token(redis_server: RedisServer) -> None:
    api = FakeSlackApi()
    await api.start()
    try:
        code, out = await adoctor(
            REDIS_URL=redis_server.url,
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=api.api_url,
        )
    finally:
        await api.close()
    assert code == 0, out
    assert "✓ Slack answers: signed in as carenudge in Ward 7 (T1), HTTP" in out
    assert "No chat platform configured" not in out


async def test_doctor_says_where_to_find_a_working_slack_token(redis_server: RedisServer) -> None:
    code, out = await adoctor(
        REDIS_URL=redis_server.url,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        SLACK_API_URL="http://127.0.0.1:9/api/",
    )
    assert code == 1
    assert "Can't reach Slack at http://127.0.0.1:9/api/" in out


def test_doctor_reports_teams_and_warns_when_it_runs_without_authentication(
    redis_server: RedisServer,
) -> None:
    code, out = doctor(
        REDIS_URL=redis_server.url,
        MICROSOFT_APP_ID="6c8f2f3e-app",
        MICROSOFT_APP_PASSWORD="pw",
        MICROSOFT_APP_TYPE="MultiTenant",
    )
    assert code == 0, out
    assert "✓ Teams: bot 6c8f2f3e-app (MultiTenant) at POST /api/messages" in out
    _, out = doctor(REDIS_URL=redis_server.url, CARENUDGE_TEAMS_ANONYMOUS="yes")
    assert "Teams is served WITHOUT authentication" in out


async def test_doctor_lists_the_fires_set_aside_and_where_they_are_kept(
    redis: Redis, redis_server: RedisServer
) -> None:
    queue = RedisFireQueue(redis)
    now = datetime.now(UTC)
    await queue.put([("c:c3", now), ("c:c4", now)])
    [claim, _] = await queue.claim(now, 10)
    assert await queue.quarantine(claim, "unsupported payload version: 2", now)

    code, out = await adoctor(REDIS_URL=redis_server.url, CARENUDGE_ADMINS="slack:U01")
    assert code == 0, out
    assert "! 1 scheduled fire(s) set aside" in out
    assert f"- {claim.fire.id} (key carenudge:cadence:{claim.fire.id[2:]}), since" in out
    assert "unsupported payload version: 2" in out
    assert "tried again whenever CareNudge starts" in out


async def test_doctor_says_nothing_of_a_quarantine_when_there_is_none(
    redis: Redis, redis_server: RedisServer
) -> None:
    _, out = await adoctor(REDIS_URL=redis_server.url)
    assert "set aside" not in out


async def test_doctor_says_whether_slack_installations_are_encrypted(
    redis: Redis, redis_server: RedisServer
) -> None:
    key = Fernet.generate_key().decode()
    oauth = {
        "REDIS_URL": redis_server.url,
        "CARENUDGE_ADMINS": "slack:U01",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "c",
        "SLACK_SIGNING_SECRET": "s",
        "CARENUDGE_SECRET_KEY": key,
    }
    await redis.set("carenudge:slack:bot:-:T1", Fernet(key).encrypt(b'{"team_id": "T1"}').decode())
    code, out = await adoctor(**oauth)
    assert code == 0, out
    assert "✓ Slack installations are kept encrypted with CARENUDGE_SECRET_KEY (1 record(s))" in out

    await redis.set("carenudge:slack:bot:-:T2", '{"team_id": "T2", "bot_token": "xoxb-2"}')
    _, out = await adoctor(**oauth)
    assert "! 1 Slack installation record(s) from before encryption are still plain" in out

    other = Fernet.generate_key().decode()
    code, out = await adoctor(**(oauth | {"CARENUDGE_SECRET_KEY": other}))
    assert code == 1
    assert "✗ 1 Slack installation record(s) can't be read with this CARENUDGE_SECRET_KEY" in out
    assert "- carenudge:slack:bot:-:T1" in out
    assert key not in out
    assert other not in out
