"""``carenudge doctor`` says what is fine and what to fix, in a real process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bot.doctor import diagnose
from bot.settings import Settings
from scheduler.queue import RedisFireQueue
from tests.conftest import RedisServer
from tests.fakes.login import App, FakeLogin
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


APP = "6c8f2f3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f"
SECRET = "Qx8~secret-value-never-shown"
OUR_TENANT = "9a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d"


async def teams_doctor(
    redis_server: RedisServer, login: str, timeout_s: float = 10.0, **environment: str
) -> tuple[int, str]:
    """doctor with Teams configured, signing in at ``login`` (a fake on loopback): what it
    printed, and the exit status ``carenudge doctor`` returns."""
    environ = {
        "REDIS_URL": redis_server.url,
        "CARENUDGE_ADMINS": "teams:tenant-1:29:1abc",
        "MICROSOFT_APP_ID": APP,
        "MICROSOFT_APP_PASSWORD": SECRET,
    } | environment
    settings = Settings.from_env(environ)
    assert settings.teams is not None
    teams = replace(settings.teams, login=login, sign_in_timeout_s=timeout_s)
    lines: list[str] = []
    code = await diagnose(replace(settings, teams=teams), environ, lines.append)
    out = "\n".join(lines)
    assert SECRET not in out
    return code, out


@pytest.fixture
async def login() -> AsyncIterator[FakeLogin]:
    fake = FakeLogin(apps={APP: App(secret=SECRET, home=OUR_TENANT)})
    await fake.start()
    yield fake
    await fake.close()


async def test_doctor_signs_in_to_the_bot_framework_as_the_bot_does(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    code, out = await teams_doctor(redis_server, login.url)
    assert code == 0, out
    assert "✓ Teams: signed in to the Bot Framework as app " + APP + " (MultiTenant)" in out
    [(tenant, form)] = login.requests
    assert tenant == "botframework.com"
    assert form == {
        "grant_type": "client_credentials",
        "client_id": APP,
        "client_secret": SECRET,
        "scope": "https://api.botframework.com/.default",
    }
    [token] = login.issued
    assert token not in out


async def test_a_single_tenant_bot_signs_in_through_its_own_tenant(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    login.apps[APP].multi_tenant = False
    code, out = await teams_doctor(
        redis_server,
        login.url,
        MICROSOFT_APP_TYPE="SingleTenant",
        MICROSOFT_APP_TENANT_ID=OUR_TENANT,
    )
    assert code == 0, out
    assert f"signed in to the Bot Framework as app {APP} (SingleTenant, tenant {OUR_TENANT})" in out
    assert [tenant for tenant, _ in login.requests] == [OUR_TENANT]


@pytest.mark.parametrize("expired", [False, True], ids=["wrong", "expired"])
async def test_doctor_says_the_client_secret_is_wrong_or_expired(
    redis_server: RedisServer, login: FakeLogin, expired: bool
) -> None:
    if expired:
        login.apps[APP].secret_expired = True
    else:
        login.apps[APP].secret = "the-one-in-azure"
    code, out = await teams_doctor(redis_server, login.url)
    assert code == 1
    assert "✗ Teams: Microsoft refused app " + APP + "'s client secret" in out
    assert "(AADSTS7000222)" in out if expired else "(AADSTS7000215)" in out
    assert "the client secret (MICROSOFT_APP_PASSWORD) is wrong or expired" in out
    assert "make a new one under Certificates & secrets" in out
    assert "the-one-in-azure" not in out


async def test_doctor_says_when_the_bot_framework_does_not_know_the_app(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    login.apps[APP].multi_tenant = False  # registered as single tenant, configured as multi
    code, out = await teams_doctor(redis_server, login.url)
    assert code == 1
    assert f"✗ Teams: the Bot Framework does not know app {APP} (AADSTS700016)" in out
    assert "Check MICROSOFT_APP_ID" in out
    assert "set MICROSOFT_APP_TYPE=SingleTenant and MICROSOFT_APP_TENANT_ID" in out

    code, out = await teams_doctor(redis_server, login.url, MICROSOFT_APP_ID=APP[::-1])
    assert code == 1
    assert "does not know app " + APP[::-1] in out


async def test_doctor_says_when_the_app_is_not_in_a_single_tenant_bots_tenant(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    login.tenants.add(other)
    code, out = await teams_doctor(
        redis_server, login.url, MICROSOFT_APP_TYPE="SingleTenant", MICROSOFT_APP_TENANT_ID=other
    )
    assert code == 1
    assert f"✗ Teams: app {APP} was not found in tenant {other} (AADSTS700016)" in out
    assert "MICROSOFT_APP_TENANT_ID (the Directory (tenant) ID" in out
    assert "set MICROSOFT_APP_TYPE=MultiTenant" in out


async def test_doctor_says_when_the_tenant_does_not_exist(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    code, out = await teams_doctor(
        redis_server,
        login.url,
        MICROSOFT_APP_TYPE="SingleTenant",
        MICROSOFT_APP_TENANT_ID="ward7.example.org",
    )
    assert code == 1
    assert "✗ Teams: Microsoft has no tenant ward7.example.org (AADSTS90002)" in out
    assert "MICROSOFT_APP_TENANT_ID must be the Directory (tenant) ID" in out


async def test_doctor_gives_any_other_refusal_with_its_code_and_first_line(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    login.apps[APP].disabled = True
    code, out = await teams_doctor(redis_server, login.url)
    assert code == 1
    assert (
        f"✗ Teams: Microsoft refused to sign in app {APP} (AADSTS7000112): "
        f"Application '{APP}'(CareNudge) is disabled." in out
    )
    assert "Trace ID" not in out  # only the first line of error_description


async def test_doctor_says_when_something_else_answers_for_microsoft(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    login.instead = (503, "text/html", "<html><h1>503 Service Unavailable</h1></html>")
    code, out = await teams_doctor(redis_server, login.url)
    assert code == 1
    assert "answered HTTP 503 without a Microsoft sign-in answer" in out
    assert "a proxy or firewall in the way may have answered instead" in out


async def test_doctor_never_shows_the_secret_even_if_an_answer_repeats_it(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    echo = json.dumps({"error": "invalid_request", "error_description": f"bad form: {SECRET}"})
    login.instead = (400, "application/json", echo)
    code, out = await teams_doctor(redis_server, login.url)  # asserts SECRET is not in out
    assert code == 1
    assert "(invalid_request): bad form: **********" in out


async def test_doctor_says_when_it_cannot_reach_microsofts_sign_in(
    redis_server: RedisServer,
) -> None:
    code, out = await teams_doctor(redis_server, "http://127.0.0.1:9/")
    assert code == 1
    assert (
        "✗ Teams: could not reach 127.0.0.1:9 to sign in to the Bot Framework "
        "(Connection refused)." in out
    )
    assert "Check the proxy or firewall" in out


async def test_doctor_does_not_wait_long_for_a_sign_in_that_never_answers(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    login.hang = asyncio.Event()
    started = time.monotonic()
    code, out = await teams_doctor(redis_server, login.url, timeout_s=0.3)
    assert time.monotonic() - started < 5
    assert code == 1
    assert len(login.requests) == 1
    assert f"could not reach {login.url[7:-1]} to sign in to the Bot Framework (no answer " in out
    assert "within 0.3 s)" in out


async def test_doctor_with_teams_unauthenticated_warns_and_asks_for_no_token(
    redis_server: RedisServer, login: FakeLogin
) -> None:
    environ = {"REDIS_URL": redis_server.url, "CARENUDGE_TEAMS_ANONYMOUS": "yes"}
    settings = Settings.from_env(environ)
    assert settings.teams is not None
    anonymous = replace(settings, teams=replace(settings.teams, login=login.url))
    lines: list[str] = []
    await diagnose(anonymous, environ, lines.append)
    assert any("Teams is served WITHOUT authentication" in line for line in lines)
    assert not any("signed in" in line for line in lines)
    assert login.requests == []


def test_doctor_warns_when_teams_runs_without_authentication(redis_server: RedisServer) -> None:
    code, out = doctor(REDIS_URL=redis_server.url, CARENUDGE_TEAMS_ANONYMOUS="yes")
    assert code == 0, out
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


def test_doctor_says_which_teams_transport_runs_and_its_version(redis_server: RedisServer) -> None:
    code, out = doctor(REDIS_URL=redis_server.url, CARENUDGE_TEAMS_ANONYMOUS="yes")
    assert code == 0, out
    assert f"Teams transport: botbuilder (Bot Framework SDK {version('botbuilder-core')}, " in out
    assert "no longer supported since 2025-12-31" in out
    code, out = doctor(
        REDIS_URL=redis_server.url,
        CARENUDGE_TEAMS_ANONYMOUS="yes",
        CARENUDGE_TEAMS_TRANSPORT="Agents",
    )
    assert code == 0, out
    agents = version("microsoft-agents-hosting-core")
    assert f"Teams transport: agents (Microsoft 365 Agents SDK {agents}, maintained" in out
    code, out = doctor(
        REDIS_URL=redis_server.url,
        CARENUDGE_TEAMS_ANONYMOUS="yes",
        CARENUDGE_TEAMS_TRANSPORT="bot-framework",
    )
    assert code == 1
    assert "CARENUDGE_TEAMS_TRANSPORT must be botbuilder or agents (got 'bot-framework')" in out
