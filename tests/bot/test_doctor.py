"""``carenudge doctor`` says what is fine and what to fix, in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import RedisServer

ROOT = Path(__file__).resolve().parents[2]


def doctor(**environment: str) -> tuple[int, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REDIS_", "CARENUDGE_", "SLACK_", "MICROSOFT_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "doctor"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=base | environment,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


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
        cwd=ROOT,
        env=base | {"CARENUDGE_GRACE_MINUTES": "0"},
        timeout=60,
    )
    assert done.returncode == 2
    assert "CARENUDGE_GRACE_MINUTES must be between 1 and 1440" in done.stdout
    assert "Traceback" not in done.stderr
