"""What an operator deploys: the compose file keeps secrets out and ports on loopback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_every_published_port_is_bound_to_loopback() -> None:
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} to the network"


def test_redis_keeps_its_data_and_reports_health() -> None:
    redis = compose()["services"]["redis"]
    assert "--appendonly" in redis["command"]
    assert any(str(v).endswith(":/data") for v in redis["volumes"])
    assert "redis-cli ping" in redis["healthcheck"]["test"][-1]


def interpolate(value: str, env: dict[str, str]) -> str:
    """What docker compose makes of ``${NAME:?message}`` and ``${NAME}``: the variable, which
    must be set and not empty for the first (or compose stops with the message)."""

    def one(found: re.Match[str]) -> str:
        name, required = found.group(1), found.group(2)
        if required is not None and not env.get(name):
            raise LookupError(required)
        return env.get(name, "")

    return re.sub(r"\$\{(\w+)(?::\?([^}]*))?\}", one, value)


def test_redis_is_not_published_and_needs_the_password_the_bot_connects_with() -> None:
    services = compose()["services"]
    redis, bot = services["redis"], services["bot"]
    assert "ports" not in redis, "Redis is reached on the compose network only"

    command = redis["command"]
    password = command[command.index("--requirepass") + 1]
    assert password.startswith("${REDIS_PASSWORD:?")
    with pytest.raises(LookupError, match=r"Set REDIS_PASSWORD in \.env"):
        interpolate(password, {})
    env = {"REDIS_PASSWORD": "5f0c3b9e2a7d41c6"}
    assert interpolate(password, env) == "5f0c3b9e2a7d41c6"

    # The healthcheck's redis-cli signs in with the same password (REDISCLI_AUTH).
    assert interpolate(redis["environment"]["REDISCLI_AUTH"], env) == "5f0c3b9e2a7d41c6"

    url = interpolate(bot["environment"]["REDIS_URL"], env)
    parsed = urlparse(url)
    assert (parsed.hostname, parsed.port, parsed.password) == ("redis", 6379, "5f0c3b9e2a7d41c6")
    assert Settings.from_env({"REDIS_URL": url}).redis_url == url
    with pytest.raises(LookupError):
        interpolate(bot["environment"]["REDIS_URL"], {"REDIS_PASSWORD": ""})


def test_the_env_example_names_every_setting_in_the_readme() -> None:
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Configuration") :]
    table = table[: table.index("\n\n", table.index("| variable |"))]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    names = {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}
    missing = sorted(n for n in names if not re.search(rf"^#? ?{n}=", example, re.M))
    assert not missing, f".env.example does not show {missing}"
    assert re.search(r"^REDIS_PASSWORD=", example, re.M), "compose needs it"


def test_the_bot_waits_for_a_healthy_redis_and_reads_secrets_from_an_ignored_env_file() -> None:
    bot = compose()["services"]["bot"]
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert bot["env_file"][0]["path"] == ".env"
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert "TOKEN" not in (ROOT / "docker-compose.yml").read_text()


def test_the_image_runs_as_a_user_and_serves_carenudge_run() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "USER carenudge" in dockerfile
    assert 'CMD ["carenudge", "run"]' in dockerfile


def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "slack-manifest.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_the_slack_manifest_asks_for_the_fewest_scopes_and_each_is_explained() -> None:
    scopes = manifest()["oauth_config"]["scopes"]["bot"]
    assert sorted(scopes) == [
        "channels:read",
        "chat:write",
        "commands",
        "groups:read",
        "im:write",
        "users:read",
    ]
    readme = (ROOT / "README.md").read_text()
    for scope in scopes:
        assert f"`{scope}`" in readme, f"README does not say why CareNudge needs {scope}"
    # Never a scope that reads messages: only who someone is and what a channel is.
    assert not any("history" in s for s in scopes)
    assert all(s in ("users:read", "channels:read", "groups:read") for s in scopes if "read" in s)


def test_the_slack_manifest_has_the_three_commands_on_one_url_with_escaping() -> None:
    data = manifest()
    commands = {c["command"]: c for c in data["features"]["slash_commands"]}
    assert set(commands) == {"/nudge", "/shoutout", "/pause"}
    urls = {c["url"] for c in commands.values()}
    urls |= {
        data["settings"]["event_subscriptions"]["request_url"],
        data["settings"]["interactivity"]["request_url"],
    }
    assert len(urls) == 1
    assert urls.pop().endswith("/slack/events")
    assert all(c["should_escape"] for c in commands.values())
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    # The Home tab, and being uninstalled or having its token revoked (so an installation
    # that cannot work is deleted, not tried for ever).
    assert data["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked",
    ]


def test_the_slack_manifest_lets_an_enterprise_grid_org_install_it_org_wide() -> None:
    assert manifest()["settings"]["org_deploy_enabled"] is True


def test_the_slack_messages_tab_shows_what_carenudge_sends_and_takes_no_messages() -> None:
    """CareNudge reads no messages (no history scope, no message events), so a person can't
    type to it there and be ignored; what it sends still arrives there. The fields are those
    of Slack's manifest schema, version 1 (https://github.com/slackapi/manifest-schema)."""
    app_home = manifest()["features"]["app_home"]
    assert app_home == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": True,
    }
