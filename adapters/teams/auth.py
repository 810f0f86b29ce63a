"""The Bot Framework token on each request from Teams, checked as Microsoft documents it
("Authenticate requests from the Bot Connector service"): a JWT signed with RS256 by one of the
keys in Bot Framework's OpenID metadata, endorsed for the activity's channel, issued by
``https://api.botframework.com`` to this bot's app id, in date (five minutes' skew), and naming
the activity's own ``serviceUrl``.

botframework-connector's own check is not used: it fetches the signing keys with a blocking
``requests.get`` and no timeout on the event loop, whenever an unknown key id arrives, and lets
exceptions through as 500s. Here the keys are fetched with aiohttp and a timeout, kept a day,
refreshed in the background, and a failed fetch (or a request for a key id nobody published) is
remembered for a while, so a forged request can neither freeze the bot nor make it fetch at
will. Every bad token is an ``Unauthorized`` with one plain reason for the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import jwt
from aiohttp import web

from adapters.proxies import proxy_for
from adapters.teams.settings import BOT_FRAMEWORK_METADATA

log = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
SKEW_S = 300
KEYS_KEPT_S = 24 * 3600
RETRY_AFTER_FAILURE_S = 30.0
"""After a failed fetch, the next is not tried before this (requests are refused meanwhile)."""
UNKNOWN_KID_REFRESH_S = 300.0
"""An unknown key id makes the keys be fetched again at most this often (in the background)."""
FETCH_TIMEOUT_S = 5.0
CALLER_ID = "urn:botframework:azure"
"""What the Bot Framework SDK records as the caller of a public-cloud channel's activity."""


class Unauthorized(Exception):
    """The request's token is missing or not good; ``reason`` is for the log, never a secret."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class _Key:
    key: jwt.PyJWK
    endorsements: frozenset[str]


@dataclass
class _Keys:
    by_kid: dict[str, _Key] = field(default_factory=dict)
    fetched_at: float = float("-inf")
    failed_at: float = float("-inf")
    asked_unknown_at: float = float("-inf")


class BotFrameworkTokens:
    """Checks tokens for the bot ``app_id``. ``metadata_url`` is Bot Framework's OpenID
    configuration (a test's on loopback). ``now`` is wall time for the token's dates;
    ``monotonic`` times the caches."""

    def __init__(
        self,
        app_id: str,
        metadata_url: str = BOT_FRAMEWORK_METADATA,
        *,
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app_id = app_id
        self.metadata_url = metadata_url
        self._now = now
        self._monotonic = monotonic
        self._keys = _Keys()
        self._fetching: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Fetch the keys ahead of the first request (in the background)."""
        self._refresh()

    async def close(self) -> None:
        if self._fetching is not None:
            self._fetching.cancel()
        if self._session is not None:
            await self._session.close()

    async def check(self, request: web.Request, channel_id: str, service_url: str) -> str:
        """The caller id of a request whose ``Authorization`` header is good.

        Raises:
            Unauthorized: It is not, with why.
        """
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("no Bearer token")
        try:
            header = jwt.get_unverified_header(token.strip())
        except jwt.PyJWTError:
            raise Unauthorized("not a JWT") from None
        if header.get("alg") != "RS256":
            raise Unauthorized(f"signed with {str(header.get('alg'))[:10]}, not RS256")
        kid = str(header.get("kid") or "")
        found = await self._key(kid)
        if channel_id not in found.endorsements:
            raise Unauthorized(f"key not endorsed for channel {channel_id[:20]}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(),
                found.key.key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=ISSUER,
                leeway=SKEW_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("not valid yet") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized("issued to another app") from None
        except jwt.InvalidIssuerError:
            raise Unauthorized("not issued by Bot Framework") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"no {exc.claim} claim") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid ({type(exc).__name__})") from None
        if str(claims.get("serviceUrl") or "") != service_url:
            raise Unauthorized("issued for another serviceUrl")
        return CALLER_ID

    async def endorsements(self, kid: str) -> frozenset[str]:
        """The channels the published key ``kid`` is endorsed for.

        Raises:
            Unauthorized: no such key is published (or the keys could not be fetched).
        """
        return (await self._key(kid)).endorsements

    async def _key(self, kid: str) -> _Key:
        keys = self._keys
        now = self._monotonic()
        if now - keys.fetched_at > KEYS_KEPT_S:
            self._refresh()
        if not keys.by_kid and self._fetching is not None:
            # The first keys are on their way (at start): wait for them, never long.
            await asyncio.wait([self._fetching], timeout=FETCH_TIMEOUT_S + 1)
        found = keys.by_kid.get(kid)
        if found is not None:
            return found
        if not keys.by_kid:
            raise Unauthorized("the signing keys could not be fetched")
        if now - keys.asked_unknown_at > UNKNOWN_KID_REFRESH_S:
            keys.asked_unknown_at = now  # Microsoft may have rolled its keys: look, later
            self._refresh()
        raise Unauthorized("signed with an unknown key")

    def _refresh(self) -> None:
        """Fetch the keys in the background, unless a fetch is under way or one just failed."""
        if self._fetching is not None and not self._fetching.done():
            return
        if self._monotonic() - self._keys.failed_at < RETRY_AFTER_FAILURE_S:
            return
        self._fetching = asyncio.get_running_loop().create_task(self._fetch())

    async def _fetch(self) -> None:
        try:
            if self._session is None:
                self._session = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
                )
            # Through HTTPS_PROXY when it is set (NO_PROXY honoured), as the rest of the Teams
            # side goes.
            url = self.metadata_url
            async with self._session.get(url, proxy=proxy_for(url)) as answer:
                answer.raise_for_status()
                metadata = await answer.json(content_type=None)
            url = str(metadata["jwks_uri"])
            async with self._session.get(url, proxy=proxy_for(url)) as answer:
                answer.raise_for_status()
                published = await answer.json(content_type=None)
            by_kid: dict[str, _Key] = {}
            for entry in published.get("keys", []):
                if not isinstance(entry, dict) or not entry.get("kid"):
                    continue
                try:
                    key = jwt.PyJWK(entry, algorithm="RS256")
                except jwt.PyJWTError:
                    continue
                endorsed = frozenset(str(e) for e in entry.get("endorsements") or [])
                by_kid[str(entry["kid"])] = _Key(key, endorsed)
            if not by_kid:
                raise ValueError("no usable keys")
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            self._keys.failed_at = self._monotonic()
            log.warning(
                "could not fetch Bot Framework's signing keys (%s): Teams requests are refused "
                "until they can be (tried again in %gs)",
                type(exc).__name__,
                RETRY_AFTER_FAILURE_S,
            )
            return
        self._keys.by_kid = by_kid
        self._keys.fetched_at = self._monotonic()
        log.info("fetched %d Bot Framework signing keys", len(by_kid))
