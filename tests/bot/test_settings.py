"""Configuration is read once, checked at start, and every problem is named with its fix."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from bot.logs import QUIET_SDKS, Redact, configure
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
            "CARENUDGE_ADMINS": "slack:U01, teams:tenant-1:29:abc",
            "CARENUDGE_GRACE_MINUTES": "30",
        }
    )
    assert settings.redis_url_given
    assert settings.port == 3000
    assert settings.engine.default_tz == "Europe/London"
    assert settings.engine.admins == frozenset({"slack:U01", "teams:tenant-1:29:abc"})
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


def test_a_teams_admin_must_be_named_with_their_tenant() -> None:
    """A Teams user id means nothing outside its tenant: ``teams:29:…`` alone would make
    whoever has that id in any tenant an admin."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CARENUDGE_ADMINS": "slack:U01,teams:29:1AbC,teams:"})
    problems = "\n".join(caught.value.problems)
    assert "the Teams admin teams:29:1AbC needs its tenant: teams:<tenant id>:<user id>" in problems
    assert "the Teams admin teams: needs its tenant" in problems
    assert "slack:U01" not in problems


def test_teams_needs_an_app_id_and_password_or_says_where_to_find_them() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"MICROSOFT_APP_ID": "abc", "MICROSOFT_APP_TYPE": "SingleTenant"})
    problems = "\n".join(caught.value.problems)
    assert "MICROSOFT_APP_PASSWORD is missing" in problems
    assert "MICROSOFT_APP_TENANT_ID" in problems
    settings = Settings.from_env({"MICROSOFT_APP_ID": "abc", "MICROSOFT_APP_PASSWORD": "pw"})
    assert settings.teams is not None
    assert settings.teams.app_type == "MultiTenant"
    assert not settings.teams.anonymous
    assert settings.slack is None


def test_teams_without_authentication_must_be_asked_for_by_name() -> None:
    assert Settings.from_env({"MICROSOFT_APP_ID": ""}).teams is None
    settings = Settings.from_env({"CARENUDGE_TEAMS_ANONYMOUS": "yes"})
    assert settings.teams is not None
    assert settings.teams.anonymous


def test_slack_in_one_workspace_needs_a_bot_token_and_the_signing_secret() -> None:
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": "xoxb-1-2",
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_API_URL": "http://127.0.0.1:9999/api",
        }
    )
    assert settings.slack is not None
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.reveal() == "xoxb-1-2"
    assert settings.slack.api_url == "http://127.0.0.1:9999/api/"
    assert not settings.slack.oauth
    assert not settings.slack.socket_mode
    assert "s3cret" not in repr(settings)


def test_slack_configuration_problems_say_where_to_find_the_values() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SLACK_BOT_TOKEN": "abc", "SLACK_CLIENT_ID": "1"})
    problems = "\n".join(caught.value.problems)
    assert "SLACK_BOT_TOKEN must be a bot token starting with xoxb-" in problems
    assert "set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET" in problems
    assert "SLACK_SIGNING_SECRET is missing: copy it from the app's Basic Information" in problems


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.slack is not None
    assert settings.slack.socket_mode


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


def test_debug_logging_keeps_the_sdks_from_logging_message_text() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure("DEBUG")
        assert logging.getLogger("bot").isEnabledFor(logging.DEBUG)
        for sdk in ("slack_sdk.web.async_base_client", "slack_bolt.App", "botbuilder.core"):
            assert not logging.getLogger(sdk).isEnabledFor(logging.DEBUG), sdk
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for sdk in QUIET_SDKS:
            logging.getLogger(sdk).setLevel(logging.NOTSET)


def test_the_key_prefix_is_carenudge_unless_set() -> None:
    assert Settings.from_env({}).key_prefix == "carenudge"
    assert Settings.from_env({"CARENUDGE_KEY_PREFIX": "ward7-trial"}).key_prefix == "ward7-trial"


@pytest.mark.parametrize("prefix", ["with space", "a:b", "{tag}", "-leading", "x" * 41])
def test_a_key_prefix_that_would_break_the_key_space_is_refused(prefix: str) -> None:
    with pytest.raises(SettingsError) as found:
        Settings.from_env({"CARENUDGE_KEY_PREFIX": prefix})
    assert "CARENUDGE_KEY_PREFIX must be up to 40 letters" in str(found.value)


def test_how_long_deliveries_are_tried_through_an_outage_is_a_setting() -> None:
    assert Settings.from_env({}).engine.deliver_within == timedelta(hours=3)
    settings = Settings.from_env({"CARENUDGE_DELIVER_WITHIN_MINUTES": "45"})
    assert settings.engine.deliver_within == timedelta(minutes=45)
    with pytest.raises(SettingsError) as found:
        Settings.from_env({"CARENUDGE_DELIVER_WITHIN_MINUTES": "0"})
    assert "CARENUDGE_DELIVER_WITHIN_MINUTES must be between 1 and 1440" in str(found.value)


def test_the_public_address_and_contact_are_read_and_checked() -> None:
    settings = Settings.from_env(
        {
            "CARENUDGE_PUBLIC_URL": "https://nudge.trust.nhs.uk/",
            "CARENUDGE_CONTACT": "wellbeing-it@trust.nhs.uk",
        }
    )
    assert settings.public_url == "https://nudge.trust.nhs.uk"
    assert settings.contact == "wellbeing-it@trust.nhs.uk"
    assert Settings.from_env({}).public_url is None
    assert Settings.from_env({}).contact is None
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(
            {"CARENUDGE_PUBLIC_URL": "http://nudge.trust.nhs.uk", "CARENUDGE_CONTACT": "ask Sam"}
        )
    [address, contact] = caught.value.problems
    assert "CARENUDGE_PUBLIC_URL must be the https address" in address
    assert "CARENUDGE_CONTACT must be an email address" in contact


def test_slack_oauth_needs_a_secret_key_and_says_how_to_make_one() -> None:
    oauth = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(oauth)
    [problem] = caught.value.problems
    assert "CARENUDGE_SECRET_KEY is missing" in problem
    assert "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" in (
        problem
    )
    key = Fernet.generate_key().decode()
    settings = Settings.from_env(oauth | {"CARENUDGE_SECRET_KEY": key})
    assert settings.slack is not None
    assert settings.slack.secret_key == Secret(key)
    assert key not in repr(settings)


def test_a_secret_key_that_is_not_one_is_refused_without_showing_it() -> None:
    wrong = "not-a-fernet-key-but-still-secret"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(
            {
                "SLACK_CLIENT_ID": "111.222",
                "SLACK_CLIENT_SECRET": "c",
                "SLACK_SIGNING_SECRET": "s",
                "CARENUDGE_SECRET_KEY": wrong,
            }
        )
    [problem] = caught.value.problems
    assert "CARENUDGE_SECRET_KEY is not a key CareNudge can use" in problem
    assert wrong not in str(caught.value)


def test_a_multi_tenant_teams_bot_can_be_limited_to_some_tenants() -> None:
    settings = Settings.from_env(
        {
            "MICROSOFT_APP_ID": "app",
            "MICROSOFT_APP_PASSWORD": "pw",
            "CARENUDGE_TEAMS_TENANTS": "tenant-a, tenant-b",
        }
    )
    assert settings.teams is not None
    assert settings.teams.allowed_tenants == {"tenant-a", "tenant-b"}
    single = Settings.from_env(
        {
            "MICROSOFT_APP_ID": "app",
            "MICROSOFT_APP_PASSWORD": "pw",
            "MICROSOFT_APP_TYPE": "SingleTenant",
            "MICROSOFT_APP_TENANT_ID": "ours",
        }
    )
    assert single.teams is not None
    assert single.teams.allowed_tenants == {"ours"}


def test_teams_without_authentication_is_refused_off_this_machine() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"CARENUDGE_TEAMS_ANONYMOUS": "yes", "HOST": "0.0.0.0"})
    [problem] = caught.value.problems
    assert "set HOST=127.0.0.1 (got 0.0.0.0)" in problem
    assert Settings.from_env({"CARENUDGE_TEAMS_ANONYMOUS": "yes"}).teams is not None
