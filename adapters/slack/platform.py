"""Slack as a platform: its Web API clients (one token, or each workspace's installation for
OAuth), pacing, the messenger, and the Bolt app at ``POST /slack/events`` (or Socket Mode,
which dials out to Slack, for networks that take no inbound requests)."""

from __future__ import annotations

import logging

import aiohttp
from aiohttp import web
from redis.exceptions import RedisError
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RedisPacer, interval
from adapters.platform import Host
from adapters.slack.inbound import SlackInbound
from adapters.slack.installs import (
    RedisInstallationStore,
    RedisOAuthStateStore,
    UnreadableInstallation,
)
from adapters.slack.messenger import REINSTALL, SlackMessenger
from adapters.slack.settings import SCOPES, SlackSettings
from adapters.slack.translate import PLATFORM, tenant_of
from adapters.turns import Turns
from nudges.edge import ConversationGone, DeliveryError, Unreachable, Workspace

log = logging.getLogger(__name__)


class SlackPlatform:
    name = PLATFORM

    def __init__(self, settings: SlackSettings, host: Host) -> None:
        self.settings = settings
        redis, keys = host.redis, host.keys.platform(PLATFORM)
        self._clients: dict[str, AsyncWebClient] = {}
        self._session: aiohttp.ClientSession | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.installs: RedisInstallationStore | None = None
        bolt: dict[str, object] = {}
        if settings.oauth:
            assert settings.client_id is not None
            assert settings.client_secret is not None
            assert settings.secret_key is not None, "bot.settings requires it with OAuth"
            door = host.door

            async def installed(installation: Installation) -> None:
                tenant = tenant_of(installation.enterprise_id, installation.team_id, oauth=True)
                await door.installed_again(Workspace(PLATFORM, tenant))

            self.installs = RedisInstallationStore(redis, keys, settings.secret_key, installed)
            bolt["installation_store"] = self.installs
            bolt["oauth_settings"] = AsyncOAuthSettings(
                client_id=settings.client_id,
                client_secret=settings.client_secret.reveal(),
                scopes=list(SCOPES),
                user_scopes=[],
                installation_store=self.installs,
                state_store=RedisOAuthStateStore(redis, keys),
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
            )
            # Bolt's own authorize, remembering what auth.test said of each token: without that
            # every request waits for an auth.test call before it is acknowledged. A token whose
            # installation was deleted is never found, so never served from memory.
            bolt["authorize"] = AsyncInstallationStoreAuthorize(
                logger=logging.getLogger("slack_bolt"),
                client_id=settings.client_id,
                client_secret=settings.client_secret.reveal(),
                installation_store=self.installs,
                cache_enabled=True,
            )
        pacer = RedisPacer(
            redis,
            host.clock.sleep,
            keys.pace(),
            interval(1.0),
            team_interval_s=interval(settings.workspace_per_s),
        )

        def per_workspace(kind: str, per_minute: float) -> RedisPacer:
            every = interval(per_minute / 60)
            return RedisPacer(redis, host.clock.sleep, keys.pace(kind), 0.0, team_interval_s=every)

        self.messenger = SlackMessenger(
            self._client_for,
            redis,
            keys,
            pacer,
            opener=per_workspace("open", settings.opens_per_minute),
            looker=per_workspace("users", settings.lookups_per_minute),
            inspector=per_workspace("channels", settings.channel_checks_per_minute),
            # chat.update takes bursts (Tier 3): it only waits, after a 429, as Slack asks.
            editor=RedisPacer(redis, host.clock.sleep, keys.pace("update"), 0.0),
        )
        token = settings.bot_token.reveal() if settings.bot_token else None
        self.inbound = SlackInbound(
            settings,
            host.door,
            self._web_client(token),
            Turns("Slack", redis, keys, host.settled),
            self.messenger.time_zone,
            self.installs,
            **bolt,
        )

    def mount(self, app: web.Application) -> None:
        app.add_routes(self.inbound.routes(events=not self.settings.socket_mode))

    async def start(self) -> None:
        """Installations written before encryption are encrypted now; in Socket Mode,
        CareNudge dials out to Slack."""
        if self.installs is not None:
            await self._seal_installations(self.installs)
        if self.settings.app_token is None:
            return
        self._socket = AsyncSocketModeHandler(
            self.inbound.app,
            app_token=self.settings.app_token.reveal(),
            logger=logging.getLogger("slack_bolt.socket_mode"),
            web_client=AsyncWebClient(
                base_url=self.settings.api_url, timeout=self.settings.timeout_s
            ),
        )
        await self._socket.connect_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        log.info("connected to Slack in Socket Mode")

    async def _seal_installations(self, installs: RedisInstallationStore) -> None:
        try:
            census = await installs.census(seal=True)
        except (RedisError, OSError) as exc:
            log.warning("could not check the Slack installations yet (%s)", type(exc).__name__)
            return
        for key in census.unreadable:
            log.error("%s", UnreadableInstallation(key))

    async def stop(self) -> None:
        await self.inbound.turns.drain()  # the time zones still being looked up
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # untyped in slack_bolt
        if self._session is not None:
            await self._session.close()

    def _web_client(
        self,
        token: str | None,
        *,
        paced: bool = False,
        session: aiohttp.ClientSession | None = None,
    ) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            session=session,
            base_url=self.settings.api_url,
            timeout=self.settings.timeout_s,
            # By default only connection errors are retried; 429s wait out Retry-After too,
            # except for the messenger's client: its pacer holds the workspace on a 429.
            retry_handlers=[] if paced else [AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )

    async def _client_for(self, tenant_id: str, where: str) -> AsyncWebClient:
        """The messenger's client to reach ``where`` (a channel or person) of a tenant: with
        the one bot token, or (OAuth) the installation's that reaches it, looked up each time
        so that a workspace that installed again is served with its new token at once."""
        settings = self.settings
        if settings.bot_token is not None:
            secret = settings.bot_token.reveal()
        else:
            assert self.installs is not None
            try:
                bot = await self.installs.bot_for(tenant_id, where)
            except UnreadableInstallation as exc:
                # The operator's to fix (the log says how): tried again until the deadline.
                log.error("%s", exc)
                raise DeliveryError(f"Slack {tenant_id}: installation unreadable") from exc
            if bot is None:
                raise ConversationGone(
                    f"not installed in Slack {tenant_id}", Unreachable.NOT_INSTALLED, REINSTALL
                )
            secret = bot.bot_token
        if secret not in self._clients:
            if self._session is None:
                # The clients that post share one HTTP session, made on first use (in the
                # event loop): a fan-out reuses its connections to Slack rather than opening
                # one per message. slack_sdk leaves the timeout of a session it is given to it.
                timeout = aiohttp.ClientTimeout(total=settings.timeout_s)
                self._session = aiohttp.ClientSession(timeout=timeout)
            self._clients[secret] = self._web_client(secret, paced=True, session=self._session)
        return self._clients[secret]


def build(settings: SlackSettings, host: Host) -> SlackPlatform:
    return SlackPlatform(settings, host)
