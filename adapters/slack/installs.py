"""Multi-workspace installation: Slack's OAuth installations and OAuth state, kept in Redis
under the platform's keys (``carenudge:slack:…``), implementing slack_sdk's own store
interfaces so Bolt's OAuth flow (``/slack/install``, ``/slack/oauth_redirect``) uses them as
they are."""

from __future__ import annotations

import json
import logging
import secrets

from redis.asyncio import Redis
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from nudges.edge import PlatformKeys

STATE_TTL_S = 600


def _workspace(enterprise_id: str | None, team_id: str | None, org: bool | None) -> str:
    return f"{enterprise_id or '-'}:{'-' if org else team_id or '-'}"


class RedisInstallationStore(AsyncInstallationStore):
    """Stored as slack_sdk's own FileInstallationStore stores them: the objects' fields as JSON
    (``to_dict`` holds datetimes, made for SQL stores)."""

    def __init__(self, redis: Redis, keys: PlatformKeys) -> None:
        self.redis = redis
        self.keys = keys
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        where = _workspace(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        await self.redis.set(self.keys.installation(where), json.dumps(vars(installation)))
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        where = _workspace(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        await self.redis.set(self.keys.bot(where), json.dumps(vars(bot)))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        raw = await self.redis.get(
            self.keys.bot(_workspace(enterprise_id, team_id, is_enterprise_install))
        )
        return Bot(**json.loads(raw)) if raw else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        raw = await self.redis.get(
            self.keys.installation(_workspace(enterprise_id, team_id, is_enterprise_install))
        )
        return Installation(**json.loads(raw)) if raw else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.redis.delete(self.keys.bot(_workspace(enterprise_id, team_id, False)))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        where = _workspace(enterprise_id, team_id, False)
        await self.redis.delete(self.keys.installation(where), self.keys.bot(where))


class RedisOAuthStateStore(AsyncOAuthStateStore):
    """One-time ``state`` values for the OAuth round trip, valid for ten minutes."""

    def __init__(self, redis: Redis, keys: PlatformKeys) -> None:
        self.redis = redis
        self.keys = keys
        self._logger = logging.getLogger(__name__)

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        state = secrets.token_urlsafe(24)
        await self.redis.set(self.keys.oauth_state(state), "1", ex=STATE_TTL_S)
        return state

    async def async_consume(self, state: str) -> bool:
        return bool(await self.redis.getdel(self.keys.oauth_state(state)))
