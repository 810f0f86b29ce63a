"""Microsoft Teams as a platform: Bot Framework credentials (off, for local testing, without an
app id), the Bot Connector client, pacing, our own conversation records, the messenger, and
``POST /api/messages``."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from botframework.connector.auth import MicrosoftAppCredentials

from adapters.pacing import RedisPacer, interval
from adapters.platform import Host
from adapters.teams.connector import BotConnector
from adapters.teams.inbound import TeamsInbound
from adapters.teams.messenger import PLATFORM, TeamsMessenger
from adapters.teams.records import TeamsRecords
from adapters.teams.settings import TeamsSettings
from adapters.turns import Turns

log = logging.getLogger(__name__)


class TeamsPlatform:
    name = PLATFORM

    def __init__(self, settings: TeamsSettings, host: Host) -> None:
        redis, keys = host.redis, host.keys.platform(PLATFORM)
        if settings.anonymous:
            log.warning(
                "Teams is served WITHOUT authentication (no MICROSOFT_APP_ID): for local "
                "testing only; anyone who can reach /api/messages can act as anyone"
            )
        self._credentials = credentials(settings)
        pacer = RedisPacer(
            redis,
            host.clock.sleep,
            keys.pace(),
            interval(settings.conversation_per_s),
            team_interval_s=interval(settings.tenant_per_s),
        )
        self.connector = BotConnector(self._token, pacer, timeout_s=settings.timeout_s)
        self.records = TeamsRecords(redis, keys)
        self.messenger = TeamsMessenger(self.connector, self.records)
        turns = Turns("Teams", redis, keys, host.settled)
        self.inbound = TeamsInbound(
            settings,
            host.door,
            self.records,
            self.messenger,
            turns,
            privacy_url=host.privacy_url,
        )

    def routes(self) -> list[web.RouteDef]:
        return self.inbound.routes()

    async def start(self) -> None:
        if self.inbound.tokens is not None:
            await self.inbound.tokens.start()

    async def stop(self) -> None:
        # Activities already acknowledged finish before the connector (and Redis) close.
        await self.inbound.drain()
        await self.connector.close()
        if self.inbound.tokens is not None:
            await self.inbound.tokens.close()

    async def _token(self) -> str | None:
        if self._credentials is None:
            return None
        # MSAL refreshes synchronously (over the network): never on the event loop.
        return str(await asyncio.to_thread(self._credentials.get_access_token))


def credentials(settings: TeamsSettings) -> MicrosoftAppCredentials | None:
    """The SDK's credentials the bot signs in with (none without an app id). MSAL asks for the
    token where ``carenudge doctor`` does, ``settings.token_url`` (a test holds them together)."""
    if settings.anonymous:
        return None
    return MicrosoftAppCredentials(
        settings.app_id,
        settings.app_password.reveal() if settings.app_password else "",
        channel_auth_tenant=settings.tenant_id if settings.app_type == "SingleTenant" else None,
    )


def build(settings: TeamsSettings, host: Host) -> TeamsPlatform:
    return TeamsPlatform(settings, host)
