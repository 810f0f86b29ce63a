"""Configuration is read once, checked at start, and every problem is named with its fix."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.logs import Redact
from bot.settings import Settings
from nudges.errors import SettingsError
from nudges.settings import Secret


def test_defaults_need_no_configuration() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.redis_url_given is False
    assert settings.port == 8080
    assert settings.engine.default_tz == "UTC"
    assert settings.engine.grace == timedelta(minutes=15)


def test_values_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "REDIS_URL": "redis://redis:6379/2",
            "PORT": "3000",
            "CARENUDGE_TIMEZONE": "Europe/London",
            "CARENUDGE_ADMINS": "slack:U01, teams:abc",
            "CARENUDGE_GRACE_MINUTES": "30",
        }
    )
    assert settings.redis_url_given
    assert settings.port == 3000
    assert settings.engine.default_tz == "Europe/London"
    assert settings.engine.admins == frozenset({"slack:U01", "teams:abc"})
    assert settings.engine.grace == timedelta(minutes=30)


def test_every_problem_is_listed_at_once_with_what_to_do() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(
            {
                "PORT": "eighty",
                "CARENUDGE_TIMEZONE": "Mars/Olympus",
                "REDIS_URL": "http://x",
                "LOG_LEVEL": "LOUD",
            }
        )
    problems = caught.value.problems
    assert len(problems) == 4
    assert any("PORT" in p and "whole number" in p for p in problems)
    assert any("CARENUDGE_TIMEZONE" in p and "Europe/London" in p for p in problems)
    assert any("REDIS_URL" in p for p in problems)
    assert any("LOG_LEVEL" in p for p in problems)


def test_platform_variables_are_noticed() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert settings.platforms_requested == ("Slack",)


def test_secrets_never_show_in_a_repr() -> None:
    token = Secret("xoxb-123-456")
    assert "xoxb" not in repr(token)
    assert "xoxb" not in f"{token}"
    assert token.reveal() == "xoxb-123-456"


def test_log_lines_have_tokens_scrubbed() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "auth failed for %s", ("xoxb-9-9",), None
    )
    Redact().filter(record)
    assert "xoxb" not in record.getMessage()
    assert "[redacted]" in record.getMessage()
