"""Multi-workspace installation: Slack's OAuth installations and OAuth state, kept in Redis
under the platform's keys (``carenudge:slack:…``), implementing slack_sdk's own store
interfaces so Bolt's OAuth flow (``/slack/install``, ``/slack/oauth_redirect``) uses them as
they are.

Installations are kept as Bolt looks them up: by Enterprise Grid org and workspace, an org-wide
install under its org alone. The engine knows a Slack person or channel by ``tenant_id``, the
org (``E…``) inside Enterprise Grid and the workspace (``T…``) outside it (see
``translate.tenant_of``), so ``bot_for`` finds the installation for a tenant: the org-wide one,
else the one of the workspace the channel or person was last seen in.

An installation holds the workspace's bot token, so every installation and bot record is
encrypted at rest with ``CARENUDGE_SECRET_KEY`` (Fernet: AES in CBC mode with an HMAC). Records
written before that (plain JSON) are still read, and are written again encrypted when read or
when Slack starts.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from redis.asyncio import Redis
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from nudges.edge import PlatformKeys, Secret

STATE_TTL_S = 600
# Replaces a record only if it is still the one that was read: a plain record being sealed
# never overwrites an installation saved meanwhile.
REPLACE_IF_SAME = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


class UnreadableInstallation(LookupError):
    """An installation record that this ``CARENUDGE_SECRET_KEY`` cannot open."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(
            f"{key} can't be read with CARENUDGE_SECRET_KEY: it was saved with another key. "
            "Put that key back, or have the workspace install CareNudge again (/slack/install)."
        )


@dataclass(frozen=True, slots=True)
class Census:
    """How the installation and bot records stand."""

    encrypted: int = 0
    plain: int = 0
    """Written before encryption (sealed the next time they are read, or when Slack starts)."""
    unreadable: tuple[str, ...] = ()
    """The keys of records saved with another key."""


def _workspace(enterprise_id: str | None, team_id: str | None, org: bool | None) -> str:
    return f"{enterprise_id or '-'}:{'-' if org else team_id or '-'}"


def _lookups(enterprise_id: str | None, team_id: str | None, org: bool | None) -> list[str]:
    """Where an installation for a request may be kept, most specific first. A workspace is
    also looked for without its org (Bolt names the org of the other side of a Slack Connect
    channel with the workspace of this one: workspace ids are unique across Slack), and a
    workspace inside an org falls back to the org-wide install."""
    if org or not team_id:
        return [_workspace(enterprise_id, None, True)] if enterprise_id else []
    found = [_workspace(enterprise_id, team_id, False)]
    if enterprise_id:
        found += [_workspace(None, team_id, False), _workspace(enterprise_id, None, True)]
    return found


def is_org(tenant_id: str) -> bool:
    """Whether a Slack tenant is an Enterprise Grid org (``E…``) rather than a workspace."""
    return tenant_id.startswith("E")


class RedisInstallationStore(AsyncInstallationStore):
    """Stored as slack_sdk's own FileInstallationStore stores them, the objects' fields as JSON
    (``to_dict`` holds datetimes, made for SQL stores), then encrypted with ``secret_key``."""

    def __init__(
        self,
        redis: Redis,
        keys: PlatformKeys,
        secret_key: Secret,
        saved: Callable[[Installation], Awaitable[None]] | None = None,
    ) -> None:
        self.redis = redis
        self.keys = keys
        self._fernet = Fernet(secret_key.reveal())
        self._replace = redis.register_script(REPLACE_IF_SAME)
        self._logger = logging.getLogger(__name__)
        self.saved = saved
        """Told of each installation saved (an install, or an install again)."""

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def _seal(self, fields: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(fields).encode()).decode()

    async def _load(self, key: str) -> dict[str, Any] | None:
        """The record's fields; a plain one is sealed on the way.

        Raises:
            UnreadableInstallation: The record was encrypted with another key.
        """
        raw: str | None = await self.redis.get(key)
        if raw is None:
            return None
        if raw.startswith("{"):
            fields: dict[str, Any] = json.loads(raw)
            await self._replace(keys=[key], args=[raw, self._seal(fields)])
            return fields
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(raw.encode()))
        except InvalidToken:
            raise UnreadableInstallation(key) from None
        return opened

    async def _load_for_bolt(self, keys: list[str]) -> dict[str, Any] | None:
        """What Bolt is given: the first record found, or nothing for a record this key cannot
        open (the person is told CareNudge isn't installed), with the fix in the log."""
        for key in keys:
            try:
                fields = await self._load(key)
            except UnreadableInstallation as exc:
                self._logger.error("%s", exc)
                return None
            if fields is not None:
                return fields
        return None

    async def async_save(self, installation: Installation) -> None:
        where = _workspace(
            installation.enterprise_id, installation.team_id, installation.is_enterprise_install
        )
        await self.redis.set(self.keys.installation(where), self._seal(vars(installation)))
        await self.async_save_bot(installation.to_bot())
        if self.saved is not None:
            try:
                await self.saved(installation)
            except Exception as exc:  # the install stands whatever becomes of the welcome
                self._logger.warning("could not welcome an installation (%s)", type(exc).__name__)

    async def async_save_bot(self, bot: Bot) -> None:
        where = _workspace(bot.enterprise_id, bot.team_id, bot.is_enterprise_install)
        await self.redis.set(self.keys.bot(where), self._seal(vars(bot)))

    async def bot_for(self, tenant_id: str, where: str = "") -> Bot | None:
        """The bot that reaches ``where`` (a channel or person) for the messenger: a
        workspace's own; in an Enterprise Grid org, the org-wide one, else that of the
        workspace ``where`` was last seen in, else any of the org's.

        Raises:
            UnreadableInstallation: Its record was encrypted with another key.
        """
        if not is_org(tenant_id):
            fields = await self._load(self.keys.bot(_workspace(None, tenant_id, False)))
            return Bot(**fields) if fields else None
        keys = [self.keys.bot(_workspace(tenant_id, None, True))]
        if where:
            team = await self.redis.hget(self.keys.workspaces(tenant_id), where)
            if team:
                keys.append(self.keys.bot(_workspace(tenant_id, as_text(team), False)))
        for key in keys:
            fields = await self._load(key)
            if fields:
                return Bot(**fields)
        async for key in self.redis.scan_iter(match=self.keys.bot(f"{tenant_id}:*"), count=500):
            fields = await self._load(as_text(key))
            if fields:
                return Bot(**fields)
        return None

    async def seen_in(self, enterprise_id: str, team_id: str, *where: str) -> None:
        """Inside an org whose workspaces installed CareNudge one by one: ``where`` (channels
        and people) were last seen in workspace ``team_id``."""
        if where:
            await self.redis.hset(
                self.keys.workspaces(enterprise_id), mapping=dict.fromkeys(where, team_id)
            )

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        keys = _lookups(enterprise_id, team_id, is_enterprise_install)
        fields = await self._load_for_bolt([self.keys.bot(k) for k in keys])
        return Bot(**fields) if fields else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        keys = _lookups(enterprise_id, team_id, is_enterprise_install)
        fields = await self._load_for_bolt([self.keys.installation(k) for k in keys])
        return Installation(**fields) if fields else None

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """(Bolt, on ``tokens_revoked``.) The installation record holds the same bot token,
        and CareNudge has no other: both go, or Bolt would go on trying the revoked one. For
        an org-wide install Bolt has no workspace."""
        where = _workspace(enterprise_id, team_id, not team_id)
        await self.redis.delete(self.keys.installation(where), self.keys.bot(where))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """(Bolt, on ``app_uninstalled`` and ``tokens_revoked``.) CareNudge asks for no user
        tokens, so a person's installation is the workspace's: all of it goes."""
        where = _workspace(enterprise_id, team_id, not team_id)
        await self.redis.delete(self.keys.installation(where), self.keys.bot(where))

    async def _installations_of(self, tenant_id: str) -> list[str]:
        if not is_org(tenant_id):
            return [self.keys.installation(_workspace(None, tenant_id, False))]
        pattern = self.keys.installation(f"{tenant_id}:*")
        return [as_text(k) async for k in self.redis.scan_iter(match=pattern, count=500)]

    async def installed_by(self, tenant_id: str, user_id: str) -> bool:
        """Whether ``user_id`` installed CareNudge for the tenant (kept in its record)."""
        for key in await self._installations_of(tenant_id):
            fields = await self._load(key)
            if fields is not None and fields.get("user_id") == user_id:
                return True
        return False

    async def forget_installer(self, tenant_id: str, user_id: str) -> bool:
        """Take the person who installed CareNudge out of the tenant's records (their id and
        any user token), keeping the bot's token so that the workspace goes on working."""
        forgot = False
        for key in await self._installations_of(tenant_id):
            fields = await self._load(key)
            if not fields or fields.get("user_id") != user_id:
                continue
            for name in (
                "user_token",
                "user_refresh_token",
                "user_token_expires_at",
                "user_scopes",
            ):
                if name in fields:
                    fields[name] = None
            fields["user_id"] = ""
            await self.redis.set(key, self._seal(fields))
            forgot = True
        return forgot

    async def census(self, *, seal: bool = False) -> Census:
        """Every installation and bot record: encrypted, plain or unreadable. With ``seal``,
        the plain ones are encrypted (and counted as encrypted)."""
        encrypted, plain, unreadable = 0, 0, []
        for pattern in (self.keys.installation("*"), self.keys.bot("*")):
            async for key in self.redis.scan_iter(match=pattern, count=500):
                raw: str | None = await self.redis.get(key)
                if raw is None:
                    continue
                if raw.startswith("{"):
                    if seal:
                        await self._load(key)
                        encrypted += 1
                    else:
                        plain += 1
                    continue
                try:
                    self._fernet.decrypt(raw.encode())
                except InvalidToken:
                    unreadable.append(key)
                    continue
                encrypted += 1
        return Census(encrypted, plain, tuple(sorted(unreadable)))


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


def as_text(value: bytes | str) -> str:
    """A value from Redis as text (these clients may hand back bytes)."""
    return value.decode() if isinstance(value, bytes) else value
