"""The only reader of the environment: every setting, validated at start, with one error that
lists every problem and says what to do."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from cryptography.fernet import Fernet
from dotenv import dotenv_values

from adapters.slack.settings import SLACK_API_URL, SlackSettings
from adapters.teams.settings import APP_TYPES, TRANSPORTS, TeamsSettings
from nudges.errors import SettingsError
from nudges.keys import DEFAULT_PREFIX
from nudges.model import Budget
from nudges.settings import AdminId, EngineSettings, Secret
from scheduler.runner import RunnerSettings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
KEY_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
EMAIL = re.compile(r"[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]+")
MAKE_A_KEY = (
    "python3 -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
"""The one line that prints a new CARENUDGE_SECRET_KEY (with CareNudge's own Python: in the
venv, .venv/bin/python; in Docker, docker compose run --rm --no-deps bot python)."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
SLACK_VARIABLES = (
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
)


def environment(directory: Path | None = None) -> dict[str, str]:
    """The variables every command reads: those of the ``.env`` file in ``directory`` (the
    current one unless given), if there is one, under the process's own environment, which
    wins wherever both name a variable."""
    path = (directory or Path.cwd()) / ".env"
    from_file = dotenv_values(path) if path.is_file() else {}
    return {k: v for k, v in from_file.items() if v is not None} | dict(os.environ)


@dataclass(frozen=True, slots=True)
class Settings:
    redis_url: str = DEFAULT_REDIS_URL
    redis_url_given: bool = False
    """Whether REDIS_URL was set: the sandbox then uses that Redis instead of its own."""
    key_prefix: str = DEFAULT_PREFIX
    """What every Redis key starts with (CARENUDGE_KEY_PREFIX): two CareNudges, a ward's trial
    and the hospital's, can share one Redis."""
    host: str = "127.0.0.1"
    port: int = 8080
    log_level: str = "INFO"
    engine: EngineSettings = field(default_factory=EngineSettings)
    runner: RunnerSettings = field(default_factory=RunnerSettings)
    slack: SlackSettings | None = None
    """Set when Slack is configured; otherwise Slack is simply not served."""
    teams: TeamsSettings | None = None
    """Set when Teams is configured (or anonymous for local testing); otherwise not served."""
    public_url: str | None = None
    """The https address people reach CareNudge at (CARENUDGE_PUBLIC_URL), without a trailing
    slash: the welcome links its privacy page, and the Teams package points at it."""
    contact: str | None = None
    """An email address or URL for questions (CARENUDGE_CONTACT), shown on /privacy and
    /terms."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Read and check every variable.

        Raises:
            SettingsError: Listing every missing or bad variable, and what to put there.
        """
        problems: list[str] = []

        def get(name: str, default: str) -> str:
            return environ.get(name, "").strip() or default

        redis_url = get("REDIS_URL", DEFAULT_REDIS_URL)
        parsed = urlparse(redis_url)
        if parsed.scheme not in ("redis", "rediss", "unix") or not (parsed.hostname or parsed.path):
            problems.append(
                f"REDIS_URL must look like redis://host:6379/0 (got a value with scheme "
                f"'{parsed.scheme or 'none'}')."
            )

        key_prefix = get("CARENUDGE_KEY_PREFIX", DEFAULT_PREFIX)
        if not KEY_PREFIX.fullmatch(key_prefix):
            problems.append(
                "CARENUDGE_KEY_PREFIX must be up to 40 letters, digits, '-', '_' or '.', "
                f"starting with a letter or digit (got '{key_prefix[:20]}')."
            )

        port = _int(get("PORT", "8080"), "PORT", 1, 65535, problems)
        grace = _int(
            get("CARENUDGE_GRACE_MINUTES", "15"), "CARENUDGE_GRACE_MINUTES", 1, 1440, problems
        )
        within = _int(
            get("CARENUDGE_DELIVER_WITHIN_MINUTES", "180"),
            "CARENUDGE_DELIVER_WITHIN_MINUTES",
            1,
            1440,
            problems,
        )

        per_day = _int(
            get("CARENUDGE_BUDGET_MAX_PER_DAY", "2"),
            "CARENUDGE_BUDGET_MAX_PER_DAY",
            1,
            10,
            problems,
        )
        per_week = _int(
            get("CARENUDGE_BUDGET_MAX_PER_WEEK", "7"),
            "CARENUDGE_BUDGET_MAX_PER_WEEK",
            1,
            50,
            problems,
        )

        keep_shoutouts = _int(
            get("CARENUDGE_KEEP_SHOUTOUTS_DAYS", "90"),
            "CARENUDGE_KEEP_SHOUTOUTS_DAYS",
            7,
            3650,
            problems,
        )

        tz = get("CARENUDGE_TIMEZONE", "UTC")
        try:
            ZoneInfo(tz)
        except (ValueError, KeyError):
            problems.append(
                f"CARENUDGE_TIMEZONE '{tz}' is not a time zone; use a name like Europe/London."
            )

        admins = frozenset(a.strip() for a in get("CARENUDGE_ADMINS", "").split(",") if a.strip())
        for entry in sorted(admins):
            try:
                AdminId.parse(entry)
            except ValueError as exc:
                problems.append(f"CARENUDGE_ADMINS: {exc}.")
        log_level = get("LOG_LEVEL", "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")

        public_url = _public_url(get("CARENUDGE_PUBLIC_URL", ""), problems)
        contact = _contact(get("CARENUDGE_CONTACT", ""), problems)
        slack = _slack(environ, problems)
        teams = _teams(environ, problems)
        host = get("HOST", "127.0.0.1")
        if teams is not None and teams.anonymous and host not in LOOPBACK:
            problems.append(
                "CARENUDGE_TEAMS_ANONYMOUS serves Teams with no authentication, so only on this "
                f"machine: set HOST=127.0.0.1 (got {host[:40]}), or set MICROSOFT_APP_ID."
            )
        if problems:
            raise SettingsError(problems)
        return cls(
            redis_url=redis_url,
            redis_url_given=bool(environ.get("REDIS_URL", "").strip()),
            key_prefix=key_prefix,
            host=host,
            port=port,
            log_level=log_level,
            engine=EngineSettings(
                default_tz=tz,
                admins=admins,
                grace=timedelta(minutes=grace),
                deliver_within=timedelta(minutes=within),
                budget_limit=Budget(per_day, per_week),
                keep_shoutouts=timedelta(days=keep_shoutouts),
            ),
            slack=slack,
            teams=teams,
            public_url=public_url,
            contact=contact,
        )


def package_settings(environ: Mapping[str, str]) -> tuple[str, str | None]:
    """What ``carenudge teams-package`` needs, and nothing more (no client secret): the bot's
    app id and CareNudge's public address.

    Raises:
        SettingsError: CARENUDGE_PUBLIC_URL is set but not an https address.
    """
    problems: list[str] = []
    public_url = _public_url(environ.get("CARENUDGE_PUBLIC_URL", "").strip(), problems)
    if problems:
        raise SettingsError(problems)
    return environ.get("MICROSOFT_APP_ID", "").strip(), public_url


def _public_url(raw: str, problems: list[str]) -> str | None:
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme != "https" or not parsed.hostname or parsed.query or parsed.fragment:
        problems.append(
            "CARENUDGE_PUBLIC_URL must be the https address people reach CareNudge at, like "
            f"https://carenudge.example.org (got '{raw[:40]}')."
        )
        return None
    return raw.rstrip("/")


def _contact(raw: str, problems: list[str]) -> str | None:
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme in ("http", "https") and parsed.hostname and not any(c.isspace() for c in raw):
        return raw
    if EMAIL.fullmatch(raw):
        return raw
    problems.append(
        "CARENUDGE_CONTACT must be an email address (like it-help@hospital.example) or an "
        f"http(s) address of a page, shown on /privacy and /terms (got '{raw[:40]}')."
    )
    return None


def _slack(environ: Mapping[str, str], problems: list[str]) -> SlackSettings | None:
    given = {k: environ.get(k, "").strip() for k in SLACK_VARIABLES}
    if not any(given.values()):
        return None
    token, app_token = given["SLACK_BOT_TOKEN"], given["SLACK_APP_TOKEN"]
    client_id, client_secret = given["SLACK_CLIENT_ID"], given["SLACK_CLIENT_SECRET"]
    if bool(client_id) != bool(client_secret):
        problems.append(
            "For Slack OAuth set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "(from the app's Basic Information page)."
        )
    if not token and not (client_id and client_secret):
        problems.append(
            "Slack needs SLACK_BOT_TOKEN (xoxb-…, from OAuth & Permissions), or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install in many workspaces."
        )
    if token and not token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
    if app_token and not app_token.startswith("xapp-"):
        problems.append(
            "SLACK_APP_TOKEN (Socket Mode) must be an app-level token starting with xapp-."
        )
    if not given["SLACK_SIGNING_SECRET"] and not app_token:
        problems.append(
            "SLACK_SIGNING_SECRET is missing: copy it from the app's Basic "
            "Information page (or use Socket Mode with SLACK_APP_TOKEN)."
        )
    raw_key = environ.get("CARENUDGE_SECRET_KEY", "").strip()
    secret_key = _secret_key(raw_key, problems)
    if client_id and client_secret and not raw_key:
        problems.append(
            "CARENUDGE_SECRET_KEY is missing: with Slack OAuth, each workspace's installation "
            "(and its token) is kept in Redis encrypted with this key. Make one with "
            f"{MAKE_A_KEY} and keep it safe: without it, every workspace has to install again."
        )
    api_url = given["SLACK_API_URL"] or SLACK_API_URL
    if not urlparse(api_url).scheme.startswith("http"):
        problems.append("SLACK_API_URL must be an http(s) URL, like https://slack.com/api/.")
    return SlackSettings(
        signing_secret=Secret(given["SLACK_SIGNING_SECRET"]),
        bot_token=Secret(token) if token else None,
        app_token=Secret(app_token) if app_token else None,
        client_id=client_id or None,
        client_secret=Secret(client_secret) if client_secret else None,
        secret_key=secret_key,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
    )


def _secret_key(raw: str, problems: list[str]) -> Secret | None:
    if not raw:
        return None
    try:
        Fernet(raw)
    except ValueError:
        # Never the value itself in the message: it is a secret, even a wrong one.
        problems.append(
            "CARENUDGE_SECRET_KEY is not a key CareNudge can use (32 url-safe base64-encoded "
            f"bytes, 44 characters). Make one with {MAKE_A_KEY}"
        )
        return None
    return Secret(raw)


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _teams(environ: Mapping[str, str], problems: list[str]) -> TeamsSettings | None:
    app_id = environ.get("MICROSOFT_APP_ID", "").strip()
    password = environ.get("MICROSOFT_APP_PASSWORD", "").strip()
    app_type = environ.get("MICROSOFT_APP_TYPE", "").strip() or "MultiTenant"
    tenant = environ.get("MICROSOFT_APP_TENANT_ID", "").strip()
    anonymous = environ.get("CARENUDGE_TEAMS_ANONYMOUS", "").strip().lower() in ("1", "yes")
    if not app_id and not anonymous:
        if password or tenant:
            problems.append(
                "MICROSOFT_APP_ID is missing: copy the Microsoft App ID from the "
                "Azure Bot's Configuration page."
            )
        return None
    if app_id and not password:
        problems.append(
            "MICROSOFT_APP_PASSWORD is missing: create a client secret for the "
            "app registration (Certificates & secrets) and put its value here."
        )
    if app_type not in APP_TYPES:
        problems.append(
            f"MICROSOFT_APP_TYPE must be {' or '.join(APP_TYPES)} (got '{app_type[:20]}')."
        )
    if app_type == "SingleTenant" and app_id and not tenant:
        problems.append(
            "A SingleTenant bot needs MICROSOFT_APP_TENANT_ID: your Microsoft Entra "
            "tenant id (Directory ID)."
        )
    tenants = frozenset(
        t.strip() for t in environ.get("CARENUDGE_TEAMS_TENANTS", "").split(",") if t.strip()
    )
    transport = environ.get("CARENUDGE_TEAMS_TRANSPORT", "").strip().lower() or TRANSPORTS[0]
    if transport not in TRANSPORTS:
        problems.append(
            f"CARENUDGE_TEAMS_TRANSPORT must be {' or '.join(TRANSPORTS)} (got "
            f"'{transport[:20]}'): botbuilder is the final Bot Framework SDK, agents the "
            "maintained Microsoft 365 Agents SDK."
        )
    if tenants and app_type == "SingleTenant":
        problems.append(
            "CARENUDGE_TEAMS_TENANTS is for a MultiTenant bot: a SingleTenant bot answers only "
            "MICROSOFT_APP_TENANT_ID's tenant."
        )
    return TeamsSettings(
        app_id=app_id,
        app_password=Secret(password) if password else None,
        app_type=app_type,
        tenant_id=tenant,
        tenants=tenants,
        transport=transport,
    )


def _int(raw: str, name: str, low: int, high: int, problems: list[str]) -> int:
    try:
        value = int(raw)
    except ValueError:
        problems.append(
            f"{name} must be a whole number between {low} and {high} (got '{raw[:20]}')."
        )
        return low
    if not low <= value <= high:
        problems.append(f"{name} must be between {low} and {high} (got {value}).")
    return value
