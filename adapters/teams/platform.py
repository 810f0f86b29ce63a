"""Microsoft Teams as a platform: Bot Framework credentials (off, for local testing, without an
app id), the Bot Connector client, pacing, our own conversation records, the messenger, and
``POST /api/messages``."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.pacing import RedisPacer, interval
from adapters.platform import Host
from adapters.teams.connector import BotConnector
from adapters.teams.inbound import TeamsInbound
from adapters.teams.messenger import PLATFORM, TeamsMessenger
from adapters.teams.records import TeamsRecords
from adapters.teams.settings import TeamsSettings
from adapters.teams.signin import SignIn
from adapters.teams.transport import transport
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
        self.transport = transport(settings)
        pacer = RedisPacer(
            redis,
            host.clock.sleep,
            keys.pace(),
            interval(settings.conversation_per_s),
            team_interval_s=interval(settings.tenant_per_s),
        )
        token = SignIn(self.transport.token, settings.sign_in_timeout_s)
        self.connector = BotConnector(token, pacer, timeout_s=settings.timeout_s)
        self.records = TeamsRecords(redis, keys)
        self.messenger = TeamsMessenger(self.connector, self.records)
        turns = Turns("Teams", redis, keys, host.settled)
        self.inbound = TeamsInbound(
            settings,
            host.door,
            self.records,
            self.messenger,
            turns,
            self.transport,
            privacy_url=host.privacy_url,
        )

    def mount(self, app: web.Application) -> None:
        app.add_routes(self.inbound.routes())
        self.transport.mount(app)

    async def start(self) -> None:
        if self.inbound.tokens is not None:
            await self.inbound.tokens.start()

    async def stop(self) -> None:
        # Activities already acknowledged finish before the connector (and Redis) close.
        await self.inbound.drain()
        await self.connector.close()
        if self.inbound.tokens is not None:
            await self.inbound.tokens.close()


def build(settings: TeamsSettings, host: Host) -> TeamsPlatform:
    return TeamsPlatform(settings, host)
