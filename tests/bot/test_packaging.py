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
