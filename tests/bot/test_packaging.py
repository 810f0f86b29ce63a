"""What an operator deploys: the compose file keeps secrets out and ports on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

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
    assert redis["healthcheck"]["test"][-1] == "ping"


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
    assert data["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
