"""Signing in to the Bot Framework. ``SignIn`` is the running bot's (through its transport's
SDK): with a deadline, and a refusal said once, plainly, in the log. ``sign_in`` does it once,
the way the bot does, for ``carenudge doctor``: what Microsoft Entra answered is kept, the
token itself is dropped at once.

The request is the client-credentials grant that botframework-connector's
``MicrosoftAppCredentials`` has MSAL make (``authentication_constants.py``: the
``botframework.com`` tenant for a MultiTenant bot, the bot's own for a SingleTenant one, scope
``https://api.botframework.com/.default``), as Microsoft documents it in "Authentication with the
Bot Connector API" (learn.microsoft.com/azure/bot-service/rest-api/
bot-framework-rest-connector-authentication). An error answer carries ``error``,
``error_description``, ``error_codes``, ``timestamp``, ``trace_id`` and ``correlation_id``
(learn.microsoft.com/entra/identity-platform/reference-error-codes).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

import aiohttp

from adapters.proxies import proxy_for
from adapters.teams.settings import TeamsSettings
from nudges.edge import DeliveryError

log = logging.getLogger(__name__)

BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
MOST_READ = 64 * 1024
AADSTS = re.compile(r"AADSTS(\d+):?\s*")
REFUSED_FOR_S = 60.0
"""After Entra refuses the bot's sign-in, how long it is not asked again (a wrong secret stays
wrong until someone changes it): every send meanwhile fails at once."""


class SignIn:
    """The bot's sign-in, for its Bot Connector client: ``fetch`` (the transport's SDK) with
    a deadline. When it fails, the operator is told once, in the log, in plain words and with
    what to run (``carenudge doctor`` says what to change); each send fails as a
    ``DeliveryError`` (tried again, as any delivery is), and after a refusal Entra is not asked
    again for ``REFUSED_FOR_S``. Nothing the SDK's error carries is logged but Entra's AADSTS
    number: its description can repeat what was sent."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[str | None]],
        timeout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.fetch = fetch
        self.timeout_s = timeout_s
        self.clock = clock
        self._failing = False
        self._refused: DeliveryError | None = None
        self._refused_until = 0.0

    async def __call__(self) -> str | None:
        if self._refused is not None and self.clock() < self._refused_until:
            raise self._refused
        try:
            async with asyncio.timeout(self.timeout_s):
                token = await self.fetch()
        except TimeoutError:
            raise self._failed(f"no answer within {self.timeout_s:g} s", refused=False) from None
        except Exception as exc:  # MSAL and the SDKs raise what they like: ValueError…
            found = AADSTS.search(str(exc))
            if found is None:  # no answer of Entra's: unreachable, or something in the way
                why = f"no answer from Microsoft Entra ({type(exc).__name__})"
                raise self._failed(why, refused=False) from None
            why = f"Microsoft Entra refused it (AADSTS{found.group(1)})"
            raise self._failed(why, refused=True) from None
        if self._failing:
            log.info("Teams: the bot signs in to Microsoft Entra again")
            self._failing = False
        self._refused = None
        return token

    def _failed(self, why: str, *, refused: bool) -> DeliveryError:
        error = DeliveryError(f"Teams sign-in failed: {why}")
        if not self._failing:
            log.error(
                "Teams: the bot could not sign in to Microsoft Entra: %s. Nothing reaches "
                "Teams until it can; `carenudge doctor` says what to change.",
                why,
            )
            self._failing = True
        if refused:
            self._refused, self._refused_until = error, self.clock() + REFUSED_FOR_S
        return error


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Entra issued a token (not kept)."""

    expires_in_s: int | None


@dataclass(frozen=True, slots=True)
class Refused:
    """Entra (or something in the way) said no. ``error`` is Entra's OAuth error (empty when the
    answer was not one of Entra's), ``code`` its AADSTS number, ``description`` the first line
    of ``error_description`` without that number."""

    status: int
    error: str = ""
    code: int | None = None
    description: str = ""


class Unanswered(Exception):
    """The login service could not be reached, or did not answer in time."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


async def sign_in(settings: TeamsSettings) -> SignedIn | Refused:
    """Ask for a Bot Framework token with the bot's app id and client secret.

    Raises:
        Unanswered: no answer from ``settings.login`` within ``settings.sign_in_timeout_s``.
    """
    secret = settings.app_password.reveal() if settings.app_password else ""
    form = {
        "grant_type": "client_credentials",
        "client_id": settings.app_id,
        "client_secret": secret,
        "scope": BOT_FRAMEWORK_SCOPE,
    }
    host = urlparse(settings.login).netloc or settings.login
    timeout = aiohttp.ClientTimeout(total=settings.sign_in_timeout_s)
    # The bot's own sign-in (MSAL, over requests) goes through HTTPS_PROXY when it is set, so
    # this one does too.
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(
                settings.token_url,
                data=form,
                headers={"Accept": "application/json"},
                proxy=proxy_for(settings.token_url),
            ) as response,
        ):
            status = response.status
            body = await response.content.read(MOST_READ)
    except TimeoutError:
        raise Unanswered(host, f"no answer within {settings.sign_in_timeout_s:g} s") from None
    except aiohttp.ClientConnectorCertificateError as exc:
        reason = f"its certificate is not trusted: {exc.certificate_error}"
        raise Unanswered(host, reason[:200]) from None
    except aiohttp.ClientConnectorError as exc:
        raise Unanswered(host, _why(exc.os_error)) from None
    except (aiohttp.ClientError, OSError) as exc:
        raise Unanswered(host, f"{type(exc).__name__}: {exc}"[:200]) from None
    answer = _read(status, body)
    if isinstance(answer, Refused) and secret and secret in answer.description:
        # Entra never echoes the secret; whatever answers in its place might.
        return replace(answer, description=answer.description.replace(secret, "**********"))
    return answer


def _why(error: OSError) -> str:
    """Why a connection failed, in words (like Connection refused)."""
    if isinstance(error, socket.gaierror) or not error.errno:
        return error.strerror or str(error) or type(error).__name__
    return os.strerror(error.errno)


def _read(status: int, body: bytes) -> SignedIn | Refused:
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return Refused(status)
    if status == 200 and parsed.get("access_token"):
        expires = parsed.get("expires_in")
        return SignedIn(expires if isinstance(expires, int) else None)
    error = parsed.get("error")
    if not isinstance(error, str):
        return Refused(status)
    raw = parsed.get("error_description")
    first = str(raw).splitlines()[0].strip() if raw else ""
    codes = parsed.get("error_codes")
    code: int | None = None
    if isinstance(codes, list) and codes and isinstance(codes[0], int):
        code = codes[0]
    if found := AADSTS.match(first):
        code = code if code is not None else int(found.group(1))
        first = first[found.end() :]
    return Refused(status, error, code, first[:300])
