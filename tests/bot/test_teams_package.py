"""``carenudge teams-package`` writes the zip an admin uploads to Teams."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.app import build_app
from bot.settings import Settings
from tests.conftest import RedisServer

APP_ID = "6c8f2f3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "CARENUDGE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", "teams-package", *args],
        cwd=tempfile.mkdtemp(prefix="carenudge-package-"),  # no developer's .env
        env=base | (env or {}),
        capture_output=True,
        text=True,
        timeout=60,
    )


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_package_has_the_manifest_and_both_icons(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    done = run(
        "--out",
        str(out),
        "--website",
        "https://nudge.trust.nhs.uk",
        env={"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "pw"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        assert png_size(archive.read("color.png")) == (192, 192)
        assert png_size(archive.read("outline.png")) == (32, 32)
    assert manifest["manifestVersion"] == "1.30"
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    personal = next(c for c in bot["commandLists"] if c["scopes"] == ["personal"])
    assert {"title": "nudge help", "description": "What CareNudge can do, with examples"} in (
        personal["commands"]
    )
    assert all(
        len(c["title"]) <= 32 and len(c["description"]) <= 128
        for lists in bot["commandLists"]
        for c in lists["commands"]
    )
    assert len(personal["commands"]) <= 10
    assert manifest["developer"]["privacyUrl"] == "https://nudge.trust.nhs.uk/privacy"
    assert len(manifest["name"]["short"]) <= 30
    assert len(manifest["description"]["short"]) <= 80


def test_the_package_needs_the_bots_app_id() -> None:
    done = run("--out", "/dev/null")
    assert done.returncode == 2
    assert "set MICROSOFT_APP_ID or pass --app-id" in done.stdout


async def test_the_package_links_the_privacy_and_terms_pages_the_app_serves(
    tmp_path: Path, redis_server: RedisServer, redis: Redis
) -> None:
    out = tmp_path / "app.zip"
    site = "https://nudge.trust.nhs.uk"
    done = run(
        "--out",
        str(out),
        env={
            "MICROSOFT_APP_ID": APP_ID,
            "MICROSOFT_APP_PASSWORD": "pw",
            "CARENUDGE_PUBLIC_URL": site,
        },
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with zipfile.ZipFile(out) as archive:
        developer = json.loads(archive.read("manifest.json"))["developer"]
    assert developer["websiteUrl"] == site
    settings = Settings(redis_url=redis_server.url)
    async with TestClient(TestServer(build_app(settings), host="127.0.0.1", port=0)) as client:
        for link in (developer["privacyUrl"], developer["termsOfUseUrl"]):
            assert link.startswith(site + "/")
            response = await client.get(link.removeprefix(site))
            assert response.status == 200, link
            assert response.content_type == "text/html"


def test_the_package_needs_the_public_address() -> None:
    done = run(
        "--out", "/dev/null", env={"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "pw"}
    )
    assert done.returncode == 2
    assert "set CARENUDGE_PUBLIC_URL or pass --website" in done.stdout


def test_the_package_refuses_a_plain_http_address() -> None:
    done = run(
        "--out",
        "/dev/null",
        "--website",
        "http://nudge.trust.nhs.uk",
        env={"MICROSOFT_APP_ID": APP_ID},
    )
    assert done.returncode == 2
    assert "--website must be an https:// address." in done.stdout


def test_the_package_needs_only_the_app_id_not_the_bots_secret(tmp_path: Path) -> None:
    out = tmp_path / "app.zip"
    done = run(
        "--out",
        str(out),
        "--website",
        "https://nudge.trust.nhs.uk",
        env={"MICROSOFT_APP_ID": APP_ID},  # no MICROSOFT_APP_PASSWORD: the admin packaging it
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert zipfile.is_zipfile(out)
