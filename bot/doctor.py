"""``carenudge doctor``: check the configuration and the Redis connection, and say what to fix."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from urllib.parse import urlparse

from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installs import RedisInstallationStore
from adapters.slack.settings import SlackSettings
from adapters.slack.translate import PLATFORM as SLACK
from adapters.teams.settings import TeamsSettings
from adapters.teams.signin import Refused, SignedIn, Unanswered, sign_in
from adapters.teams.transport import version_of
from bot.app import connect
from bot.settings import Settings
from bot.wiring import build_core
from nudges.errors import SettingsError
from nudges.jobs import is_job
from nudges.keys import KeySpace
from nudges.planning import parse_fire_id
from nudges.settings import Secret
from scheduler.queue import RedisFireQueue

MIN_REDIS = (6, 2)  # ZMSCORE, used by the scheduler
SHOWN_ASIDE = 10
WRONG_SECRET = (7000215, 7000222)  # AADSTS: invalid, expired
APP_NOT_FOUND = 700016
TENANT_NOT_FOUND = 90002


async def check(environ: Mapping[str, str], say: Callable[[str], None]) -> int:
    """Print one line per check; returns the exit status (0: nothing to fix)."""
    try:
        settings = Settings.from_env(environ)
    except SettingsError as exc:
        say("✗ Configuration has problems:")
        for problem in exc.problems:
            say(f"    - {problem}")
        return 1
    return await diagnose(settings, environ, say)


async def diagnose(
    settings: Settings, environ: Mapping[str, str], say: Callable[[str], None]
) -> int:
    """``check`` once the configuration has been read: Redis, then each platform."""
    say("✓ Configuration reads correctly.")
    say(
        f"  Default time zone for new cadences: {settings.engine.default_tz}"
        + ("" if environ.get("CARENUDGE_TIMEZONE") else " (set CARENUDGE_TIMEZONE to change it)")
    )
    if settings.engine.admins:
        say(f"✓ {len(settings.engine.admins)} admin(s) from CARENUDGE_ADMINS.")
    else:
        say(
            "! No admins yet: set CARENUDGE_ADMINS (for example slack:U012AB3CD) so someone can "
            "appoint managers."
        )
    ok = await _check_redis(settings, say)
    if settings.slack is not None:
        ok = await _check_slack(settings.slack, say) and ok
        if settings.slack.oauth and settings.slack.secret_key is not None:
            ok = await _check_installs(settings, settings.slack.secret_key, say) and ok
    if settings.teams is not None:
        say(f"  Teams transport: {transport_line(settings.teams)}")
    if settings.teams is not None and settings.teams.anonymous:
        say(
            "! Teams is served WITHOUT authentication (CARENUDGE_TEAMS_ANONYMOUS): for local "
            "testing only. Set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD for real use."
        )
    elif settings.teams is not None:
        ok = await _check_teams(settings.teams, say) and ok
    if settings.slack is None and settings.teams is None:
        say(
            "  No chat platform configured: `carenudge run` serves health and the scheduler; "
            "`carenudge sandbox` lets you try everything."
        )
    return 0 if ok else 1


async def _check_redis(settings: Settings, say: Callable[[str], None]) -> bool:
    redis = connect(settings.redis_url)
    where = _without_password(settings.redis_url)
    try:
        await asyncio.wait_for(redis.ping(), timeout=3)
        info = await redis.info("server")
        version = tuple(int(p) for p in str(info.get("redis_version", "0.0")).split(".")[:2])
        if version < MIN_REDIS:
            say(
                f"✗ Redis at {where} is version {info.get('redis_version')}; CareNudge needs "
                f"{MIN_REDIS[0]}.{MIN_REDIS[1]} or newer."
            )
            return False
        say(f"✓ Redis answers at {where} (version {info.get('redis_version')}).")
        persistence = await redis.info("persistence")
        if not int(persistence.get("aof_enabled", 0)):
            say(
                "! Redis keeps no append-only file: a Redis restart could lose recent changes. "
                "Use appendonly yes (docker-compose.yml does)."
            )
        core = build_core(settings, redis)
        await _check_quarantine(core.queue, core.keys, say)
        return True
    except (RedisError, OSError, TimeoutError) as exc:
        say(
            f"✗ Can't reach Redis at {where} ({type(exc).__name__}). Start it (docker compose up "
            "-d redis) or set REDIS_URL."
        )
        return False
    finally:
        await redis.aclose()


async def _check_quarantine(
    queue: RedisFireQueue, keys: KeySpace, say: Callable[[str], None]
) -> None:
    aside = await queue.quarantined()
    if not aside:
        return
    say(
        f"! {len(aside)} scheduled fire(s) set aside: what they need was saved in a way this "
        "release can't read (by a newer release, or changed by hand)."
    )
    for one in aside[:SHOWN_ASIDE]:
        say(
            f"    - {one.fire_id} (key {_kept_at(keys, one.fire_id)}), since "
            f"{one.at:%Y-%m-%d %H:%M} UTC: {one.reason}"
        )
    if len(aside) > SHOWN_ASIDE:
        say(f"    - and {len(aside) - SHOWN_ASIDE} more")
    say(
        "  Everything else goes on. They are tried again whenever CareNudge starts: run the "
        "release that saved them, or repair or delete the key."
    )


def _kept_at(keys: KeySpace, fire_id: str) -> str:
    """The Redis key a fire's own payload is kept under."""
    if is_job(fire_id):
        return keys.job(fire_id)
    cadence_id, _ = parse_fire_id(fire_id)
    return keys.cadence(cadence_id)


async def _check_slack(slack: SlackSettings, say: Callable[[str], None]) -> bool:
    mode = "Socket Mode" if slack.socket_mode else "HTTP (POST /slack/events)"
    if slack.oauth:
        say(f"✓ Slack: multi-workspace install (OAuth at /slack/install), {mode}.")
    if slack.bot_token is None:
        return True
    client = AsyncWebClient(token=slack.bot_token.reveal(), base_url=slack.api_url, timeout=10)
    try:
        answer = await client.auth_test()
    except SlackApiError as exc:
        error = exc.response.data.get("error") if isinstance(exc.response.data, dict) else None
        say(
            f"✗ Slack refused the bot token ({error or exc.response.status_code}). Copy the "
            "Bot User OAuth Token (xoxb-…) from OAuth & Permissions into SLACK_BOT_TOKEN."
        )
        return False
    except (SlackClientError, OSError, TimeoutError) as exc:
        say(
            f"✗ Can't reach Slack at {slack.api_url} ({type(exc).__name__}). Check the "
            "network or proxy, or SLACK_API_URL."
        )
        return False
    say(
        f"✓ Slack answers: signed in as {answer.get('user')} in {answer.get('team')} "
        f"({answer.get('team_id')}), {mode}."
    )
    return True


def transport_line(teams: TeamsSettings) -> str:
    """Which SDK speaks Bot Framework, its version, and what that means for support."""
    if teams.transport == "agents":
        return f"agents (Microsoft 365 Agents SDK {version_of('agents')}, maintained by Microsoft)"
    return (
        f"botbuilder (Bot Framework SDK {version_of('botbuilder')}, no longer supported "
        "since 2025-12-31; CARENUDGE_TEAMS_TRANSPORT=agents uses its maintained successor)"
    )


async def _check_teams(teams: TeamsSettings, say: Callable[[str], None]) -> bool:
    """Sign in to the Bot Framework with the app id and secret, as the bot does before it
    writes to anyone, and say what to fix if Microsoft says no."""
    try:
        answer = await sign_in(teams)
    except Unanswered as exc:
        say(
            f"✗ Teams: could not reach {exc.host} to sign in to the Bot Framework ({exc.reason})."
            " Check the proxy or firewall lets CareNudge make HTTPS requests to it."
        )
        return False
    if isinstance(answer, SignedIn):
        say(
            f"✓ Teams: signed in to the Bot Framework as app {teams.app_id} ({teams.app_type}"
            + (f", tenant {teams.tenant_id}" if teams.app_type == "SingleTenant" else "")
            + "). Teams reaches CareNudge at POST /api/messages; upload the package from "
            "`carenudge teams-package`."
        )
        return True
    say(f"✗ Teams: {_refusal(teams, answer)}")
    return False


def _refusal(teams: TeamsSettings, answer: Refused) -> str:
    """What Microsoft Entra's refusal means for this configuration, and what to change."""
    app, single = teams.app_id, teams.app_type == "SingleTenant"
    code = f"AADSTS{answer.code}" if answer.code is not None else answer.error
    if answer.code in WRONG_SECRET:
        return (
            f"Microsoft refused app {app}'s client secret ({code}): the client secret "
            "(MICROSOFT_APP_PASSWORD) is wrong or expired: make a new one under Certificates & "
            "secrets in the app registration, and put its Value (not its Secret ID) in "
            "MICROSOFT_APP_PASSWORD."
        )
    if answer.code == APP_NOT_FOUND and single:
        return (
            f"app {app} was not found in tenant {teams.tenant_id} ({code}). Check "
            "MICROSOFT_APP_ID (the Microsoft App ID on the Azure Bot's Configuration page) and "
            "MICROSOFT_APP_TENANT_ID (the Directory (tenant) ID on the app registration's "
            "Overview page). If the app is registered as multi tenant in another organisation's "
            "tenant, set MICROSOFT_APP_TYPE=MultiTenant."
        )
    if answer.code == APP_NOT_FOUND:
        return (
            f"the Bot Framework does not know app {app} ({code}). Check MICROSOFT_APP_ID (the "
            "Microsoft App ID on the Azure Bot's Configuration page). If the app is registered "
            "as single tenant (the Azure Bot's type is Single Tenant), set "
            "MICROSOFT_APP_TYPE=SingleTenant and MICROSOFT_APP_TENANT_ID to its Directory "
            "(tenant) ID."
        )
    if answer.code == TENANT_NOT_FOUND and single:
        return (
            f"Microsoft has no tenant {teams.tenant_id} ({code}): MICROSOFT_APP_TENANT_ID must "
            "be the Directory (tenant) ID on the app registration's Overview page."
        )
    if not answer.error:
        return (
            f"{_host(teams)} answered HTTP {answer.status} without a Microsoft sign-in answer: "
            "a proxy or firewall in the way may have answered instead (check it), or "
            "Microsoft's sign-in is down for a while (try again later)."
        )
    said = f": {answer.description}" if answer.description else "."
    return f"Microsoft refused to sign in app {app} ({code}){said}"


def _host(teams: TeamsSettings) -> str:
    return urlparse(teams.login).netloc or teams.login


async def _check_installs(
    settings: Settings, secret_key: Secret, say: Callable[[str], None]
) -> bool:
    redis = connect(settings.redis_url)
    store = RedisInstallationStore(redis, KeySpace(settings.key_prefix).platform(SLACK), secret_key)
    try:
        census = await asyncio.wait_for(store.census(), timeout=10)
    except (RedisError, OSError, TimeoutError):
        return True  # the Redis check has said what to fix
    finally:
        await redis.aclose()
    say(
        f"✓ Slack installations are kept encrypted with CARENUDGE_SECRET_KEY "
        f"({census.encrypted} record(s))."
    )
    if census.plain:
        say(
            f"! {census.plain} Slack installation record(s) from before encryption are still "
            "plain: `carenudge run` encrypts them when it starts."
        )
    if census.unreadable:
        say(
            f"✗ {len(census.unreadable)} Slack installation record(s) can't be read with this "
            "CARENUDGE_SECRET_KEY: they were saved with another key. Put that key back, or have "
            "those workspaces install CareNudge again (/slack/install)."
        )
        for key in census.unreadable[:SHOWN_ASIDE]:
            say(f"    - {key}")
        return False
    return True


def _without_password(url: str) -> str:
    """host:port/db, for messages: never the password a URL may carry."""
    parsed = urlparse(url)
    if not parsed.hostname:
        return parsed.path
    return f"{parsed.hostname}:{parsed.port or 6379}{parsed.path}"
