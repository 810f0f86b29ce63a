"""``build_app``: the one place where objects are built and wired, opened and closed."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping

import aiohttp
from aiohttp import web
from botframework.connector.auth import MicrosoftAppCredentials
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RedisPacer, interval
from adapters.slack.inbound import SlackInbound
from adapters.slack.installs import RedisInstallationStore, RedisOAuthStateStore
from adapters.slack.messenger import SlackMessenger
from adapters.slack.settings import SCOPES, SlackSettings
from adapters.teams.connector import BotConnector
from adapters.teams.inbound import TeamsInbound
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.records import TeamsRecords
from adapters.teams.settings import TeamsSettings
from bot import health
from bot.acks import Acknowledgements
from bot.clock import SystemClock
from bot.messengers import RoutingMessenger
from bot.settings import Settings
from nudges.engine import Engine
from nudges.errors import ConversationGone
from nudges.ports import Clock, Messenger
from nudges.store import RedisStore
from scheduler.cadence import CronTimetable
from scheduler.due import RedisDueQueue
from scheduler.runner import Runner

log = logging.getLogger(__name__)
ENGINE = web.AppKey("engine", Engine)
STOP_TIMEOUT_S = 5.0


REDIS_CONNECTIONS = 64


def connect(redis_url: str, *, wait_s: float | None = 10) -> Redis:
    """A Redis client with timeouts on every call, and at most ``REDIS_CONNECTIONS``
    connections: callers queue for one (up to ``wait_s``; None waits as long as it takes)
    instead of opening thousands when thousands of fires share an instant."""
    pool = BlockingConnectionPool.from_url(
        redis_url,
        max_connections=REDIS_CONNECTIONS,
        timeout=wait_s,
        decode_responses=True,
        # While Redis is away, a call fails within a second or two, so that people are told
        # "try again in a moment" promptly, and no call is retried inside redis-py (its
        # default, three retries with back-off up to 10 s, held a command for seconds; the
        # work's owners retry: the scheduler's loop, and people when asked to).
        socket_timeout=2,
        socket_connect_timeout=1,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
    return Redis.from_pool(pool)


GC_THRESHOLD = (10_000, 10, 10)
"""Python's default (700, 10, 10) collects the youngest objects every 700 allocations: when
10,000 fires open at 07:30, the collector ran through the burst and held 40% of the sends
back (benchmarks/lateness: p99 200-250 ms with the default, about 130 ms with this)."""


def tune_gc() -> None:
    """Collect garbage less often; for the long-running bot (the CLI's ``run``)."""
    gc.set_threshold(*GC_THRESHOLD)


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    messengers: Mapping[str, Messenger] | None = None,
) -> web.Application:
    acks = Acknowledgements()
    app = web.Application(middlewares=[acks.middleware])
    app.add_routes(health.routes())
    used_clock = clock or SystemClock()
    redis = connect(settings.redis_url)
    queue = RedisDueQueue(redis, lease=settings.runner.lease)
    served: dict[str, Messenger] = dict(messengers or {})
    router = RoutingMessenger(served)
    engine = Engine(RedisStore(redis), router, used_clock, CronTimetable(), queue, settings.engine)
    # The scheduler has connections of its own: thousands of fires finishing at 07:30 queue
    # for those, never in front of someone's slash command.
    fire_redis = connect(settings.redis_url, wait_s=None)
    fire_queue = RedisDueQueue(fire_redis, lease=settings.runner.lease)
    firing = Engine(
        RedisStore(fire_redis), router, used_clock, CronTimetable(), fire_queue, settings.engine
    )
    runner = Runner(firing, fire_queue, used_clock, settings.runner)
    app[health.REDIS] = redis
    app[health.QUEUE] = queue
    app[health.RUNNER] = runner
    app[ENGINE] = engine
    if settings.slack is not None and "slack" not in served:
        slack_messenger, inbound, close_slack = _slack(settings.slack, engine, redis, used_clock)
        inbound.settled = acks.settled
        served["slack"] = slack_messenger
        router.platforms["slack"] = slack_messenger
        app.add_routes(inbound.routes(events=not settings.slack.socket_mode))
        app.on_cleanup.append(lambda _: close_slack())
        if settings.slack.app_token is not None:
            app.cleanup_ctx.append(_socket_mode(inbound, settings.slack))
    if settings.teams is not None and "teams" not in served:
        teams_messenger, teams_inbound, connector = _teams(
            settings.teams, engine, redis, used_clock
        )
        teams_inbound.settled = acks.settled
        served["teams"] = teams_messenger
        router.platforms["teams"] = teams_messenger
        app.add_routes(teams_inbound.routes())
        # Activities already acknowledged finish before Redis and the connector close.
        app.on_shutdown.append(lambda _: teams_inbound.drain())
        app.on_cleanup.append(lambda _: connector.close())

    async def services(app: web.Application) -> AsyncIterator[None]:
        _announce_platforms(settings, served)
        task = asyncio.create_task(runner.run(), name="scheduler")
        try:
            yield
        finally:
            await _stop(runner, task)
            await fire_redis.aclose()
            await redis.aclose()

    app.cleanup_ctx.append(services)
    return app


def _slack(
    settings: SlackSettings, engine: Engine, redis: Redis, clock: Clock
) -> tuple[SlackMessenger, SlackInbound, Callable[[], Awaitable[None]]]:
    def web_client(
        token: str | None, *, paced: bool = False, session: aiohttp.ClientSession | None = None
    ) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            session=session,
            base_url=settings.api_url,
            timeout=settings.timeout_s,
            # By default only connection errors are retried; 429s wait out Retry-After too,
            # except for the messenger's client: its pacer holds the workspace on a 429.
            retry_handlers=[] if paced else [AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )

    token = settings.bot_token.reveal() if settings.bot_token else None
    client = web_client(token)
    bolt: dict[str, object] = {}
    clients: dict[str, AsyncWebClient] = {}
    installs = RedisInstallationStore(redis)
    # The clients that post share one HTTP session, made on first use (in the event loop):
    # a fan-out reuses its connections to Slack rather than opening one per message.
    shared: list[aiohttp.ClientSession] = []

    async def client_for(team_id: str) -> AsyncWebClient:
        team = "" if settings.bot_token is not None else team_id
        if team not in clients:
            if settings.bot_token is None:
                bot = await installs.async_find_bot(enterprise_id=None, team_id=team_id)
                if bot is None:
                    raise ConversationGone(f"CareNudge is not installed in Slack workspace {team}")
                secret = bot.bot_token
            else:
                secret = settings.bot_token.reveal()
            if not shared:  # slack_sdk leaves the timeout of a session it is given to it
                timeout = aiohttp.ClientTimeout(total=settings.timeout_s)
                shared.append(aiohttp.ClientSession(timeout=timeout))
            clients[team] = web_client(secret, paced=True, session=shared[0])
        return clients[team]

    async def close() -> None:
        for session in shared:
            await session.close()

    if settings.oauth:
        assert settings.client_id is not None
        assert settings.client_secret is not None
        bolt["installation_store"] = installs
        bolt["oauth_settings"] = AsyncOAuthSettings(
            client_id=settings.client_id,
            client_secret=settings.client_secret.reveal(),
            scopes=list(SCOPES),
            user_scopes=[],
            installation_store=installs,
            state_store=RedisOAuthStateStore(redis),
            install_path="/slack/install",
            redirect_uri_path="/slack/oauth_redirect",
        )
    pacer = RedisPacer(
        redis,
        clock.sleep,
        interval(1.0),
        "carenudge:slack:pace",
        team_interval_s=interval(settings.workspace_per_s),
    )
    opener = RedisPacer(redis, clock.sleep, 0.0, "carenudge:slack:open")
    messenger = SlackMessenger(client_for, redis, pacer, opener)
    inbound = SlackInbound(settings, engine, client, redis, messenger.time_zone, **bolt)
    return messenger, inbound, close


def _teams(
    settings: TeamsSettings, engine: Engine, redis: Redis, clock: Clock
) -> tuple[TeamsMessenger, TeamsInbound, BotConnector]:
    if settings.anonymous:
        log.warning(
            "Teams is served WITHOUT authentication (no MICROSOFT_APP_ID): for local "
            "testing only; anyone who can reach /api/messages can act as anyone"
        )
        credentials = None
    else:
        credentials = MicrosoftAppCredentials(
            settings.app_id,
            settings.app_password.reveal() if settings.app_password else "",
            channel_auth_tenant=settings.tenant_id if settings.app_type == "SingleTenant" else None,
        )

    async def token() -> str | None:
        if credentials is None:
            return None
        # MSAL refreshes synchronously (over the network): never on the event loop.
        return str(await asyncio.to_thread(credentials.get_access_token))

    pacer = RedisPacer(
        redis,
        clock.sleep,
        interval(settings.conversation_per_s),
        "carenudge:teams:pace",
        team_interval_s=interval(settings.tenant_per_s),
    )
    connector = BotConnector(token, pacer, timeout_s=settings.timeout_s)
    records = TeamsRecords(redis)
    messenger = TeamsMessenger(connector, records)
    return messenger, TeamsInbound(settings, engine, records, messenger), connector


def _socket_mode(
    inbound: SlackInbound, settings: SlackSettings
) -> Callable[[web.Application], AsyncIterator[None]]:
    """Socket Mode: CareNudge dials out to Slack, for networks that take no inbound requests."""

    async def connected(app: web.Application) -> AsyncIterator[None]:
        assert settings.app_token is not None
        handler = AsyncSocketModeHandler(
            inbound.app,
            app_token=settings.app_token.reveal(),
            logger=logging.getLogger("slack_bolt.socket_mode"),
            web_client=AsyncWebClient(base_url=settings.api_url, timeout=settings.timeout_s),
        )
        await handler.connect_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        log.info("connected to Slack in Socket Mode")
        try:
            yield
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt

    return connected


async def _stop(runner: Runner, task: asyncio.Task[None]) -> None:
    """Stop the scheduler: ask, then cancel; never let shutdown hang on it."""
    runner.stop()
    done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
    if not done:
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=STOP_TIMEOUT_S)
    if not done:
        log.warning("the scheduler did not stop in time; leaving it to the process exit")
    elif not task.cancelled() and task.exception() is not None:
        log.error("the scheduler had stopped with an error: %r", task.exception())


def _announce_platforms(settings: Settings, served: Mapping[str, Messenger]) -> None:
    if not served:
        log.info("no chat platform is served yet: health, metrics and the scheduler are running")
    for name in sorted(served):
        log.info("serving %s", name)
    for name in settings.platforms_requested:
        log.warning(
            "%s variables are set, but this release does not include the %s adapter yet; "
            "they are ignored",
            name,
            name,
        )
