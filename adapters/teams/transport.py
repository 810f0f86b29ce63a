"""What speaks Bot Framework for CareNudge (``CARENUDGE_TEAMS_TRANSPORT``): how an activity
Teams posts is read, how its token is checked, and how the bot signs in to answer. Everything
else in ``adapters.teams`` (our conversation records in Redis, the connector, the pacing, the
cards) is shared, so a bot can change transport and keep all it knew.

- ``botbuilder`` (the default): the final Bot Framework SDK, 4.17, whose support ended on
  2025-12-31. Its Activity model reads the activity; tokens are checked by ``auth`` (ours, not
  the SDK's, which fetches keys with a blocking call on the event loop); MSAL, through the SDK's
  ``MicrosoftAppCredentials``, signs the bot in.
- ``agents``: Microsoft's maintained successor, the Microsoft 365 Agents SDK. Its Activity model
  reads the activity, its aiohttp package's JWT authorization checks the token with its issuer
  allow-list on, and its ``MsalAuth`` signs the bot in. Where it differs from the Bot
  Framework's rules, ``AgentsTokens`` says so, and makes up the difference.

Both activity models have the same attribute names (``from_property``, ``channel_data``,
``members_added``…); ``translate`` reads either.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from importlib import metadata
from typing import Any, Protocol

import jwt
from aiohttp import web

from adapters.teams.auth import CALLER_ID, BotFrameworkTokens, Unauthorized
from adapters.teams.settings import TeamsSettings

log = logging.getLogger(__name__)

BOT_FRAMEWORK = "https://api.botframework.com"
SCOPE = f"{BOT_FRAMEWORK}/.default"
CHECK_TIMEOUT_S = 10.0
"""The longest the Agents SDK may take over one token (its key fetch has a 30 s timeout)."""


class Tokens(Protocol):
    """Checks the Bot Framework token on a request from Teams."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def check(self, request: web.Request, channel_id: str, service_url: str) -> str:
        """The caller id of a request whose ``Authorization`` header is good.

        Raises:
            Unauthorized: It is not, with why (for the log).
        """
        ...


class Transport(Protocol):
    name: str
    tokens: Tokens | None
    """None: no authentication (local testing only)."""

    def mount(self, app: web.Application) -> None:
        """Put on the web app what the SDK reads from it (before the app starts)."""
        ...

    def parse(self, body: Any) -> Any:
        """The activity in a request's JSON body.

        Raises:
            Exception: it is not an activity (any exception: the caller answers 400).
        """
        ...

    async def token(self) -> str | None:
        """A token for the Bot Connector, or None without credentials."""
        ...


def transport(settings: TeamsSettings) -> Transport:
    if settings.transport == "agents":
        return AgentsTransport(settings)
    return BotbuilderTransport(settings)


PACKAGES = {"botbuilder": "botbuilder-core", "agents": "microsoft-agents-hosting-core"}


def version_of(name: str) -> str:
    """The installed version of the SDK behind the transport ``name``."""
    try:
        return metadata.version(PACKAGES[name])
    except (KeyError, metadata.PackageNotFoundError):
        return "(not installed)"


# --- the Bot Framework SDK ----------------------------------------------------------------------


class BotbuilderTransport:
    name = "botbuilder"

    def __init__(self, settings: TeamsSettings) -> None:
        from botbuilder.schema import Activity

        self._activity = Activity
        self.tokens: Tokens | None = (
            None
            if settings.anonymous
            else BotFrameworkTokens(settings.app_id, settings.openid_metadata)
        )
        self._credentials = credentials(settings)

    def mount(self, app: web.Application) -> None:
        return None

    def parse(self, body: Any) -> Any:
        return self._activity().deserialize(body)

    async def token(self) -> str | None:
        if self._credentials is None:
            return None
        # MSAL refreshes synchronously (over the network): never on the event loop.
        return str(await asyncio.to_thread(self._credentials.get_access_token))


def credentials(settings: TeamsSettings) -> Any:
    """The Bot Framework SDK's credentials the bot signs in with (none without an app id).
    MSAL asks for the token where ``carenudge doctor`` does, ``settings.token_url`` (a test
    holds them together)."""
    from botframework.connector.auth import MicrosoftAppCredentials

    if settings.anonymous:
        return None
    return MicrosoftAppCredentials(
        settings.app_id,
        settings.app_password.reveal() if settings.app_password else "",
        channel_auth_tenant=settings.tenant_id if settings.app_type == "SingleTenant" else None,
    )


# --- the Microsoft 365 Agents SDK ---------------------------------------------------------------


class AgentsTransport:
    name = "agents"

    def __init__(self, settings: TeamsSettings) -> None:
        from microsoft_agents.activity import Activity
        from microsoft_agents.authentication.msal import MsalAuth

        # Its error log for an activity it cannot read repeats the activity's contents (the
        # words people typed) with a traceback; the caller logs one plain line instead.
        logging.getLogger("microsoft_agents.activity.activity").setLevel(logging.CRITICAL)
        # Its error log for a refused sign-in repeats Entra's whole answer; ``signin.SignIn``
        # logs one plain line instead.
        logging.getLogger(MsalAuth.__module__).setLevel(logging.CRITICAL)
        self._activity = Activity
        self.tokens: Tokens | None = None
        self._auth = None
        self._signed_in = False
        self._configuration = None
        if not settings.anonymous:
            self._configuration = _configuration(settings)
            self.tokens = AgentsTokens(settings)
            self._auth = MsalAuth(self._configuration)

    def mount(self, app: web.Application) -> None:
        if self._configuration is None:
            return
        # Its JWT authorization reads the configuration from the app under this string key,
        # as Microsoft's samples set it (aiohttp would rather have an AppKey).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            app[SDK_CONFIGURATION] = self._configuration

    def parse(self, body: Any) -> Any:
        return self._activity.model_validate(body)

    async def token(self) -> str | None:
        if self._auth is None:
            return None
        if not self._signed_in:
            # Until it has signed in once, MsalAuth builds MSAL's client on the caller's thread,
            # and MSAL asks Entra for the tenant's OpenID configuration as it does (a blocking
            # request, with no timeout): on the event loop, that would hold the whole bot. So
            # it runs on a loop of its own, in a worker thread.
            got = await asyncio.to_thread(
                asyncio.run, self._auth.get_access_token(BOT_FRAMEWORK, [SCOPE])
            )
            self._signed_in = True
            return got
        # Then MsalAuth has its client, and runs MSAL (synchronous) in a worker thread itself.
        return await self._auth.get_access_token(BOT_FRAMEWORK, [SCOPE])


def _configuration(settings: TeamsSettings) -> Any:
    """The Agents SDK's configuration, from our settings (read from ``MICROSOFT_APP_*`` by
    ``bot.settings``, the one reader of the environment): the issuer allow-list on."""
    from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration

    return AgentAuthConfiguration(
        client_id=settings.app_id,
        tenant_id=settings.sign_in_tenant,
        client_secret=settings.app_password.reveal() if settings.app_password else None,
        authority=settings.authority,
        validate_issuer=True,
    )


SDK_CONFIGURATION = "agent_configuration"
"""Where the Agents SDK's aiohttp JWT authorization looks for its configuration on the app."""


async def _verified(request: web.Request) -> Any:
    """What the SDK's JWT authorization lets through to: the claims it verified."""
    return request["claims_identity"]


class AgentsTokens:
    """Tokens checked by the Agents SDK's own aiohttp JWT authorization (its
    ``jwt_authorization_decorator``, around the route's token check rather than the whole
    route, so that the activity is read first and its channel is known).

    Where the SDK does less than the Bot Framework asks ("Authenticate requests from the Bot
    Connector service"), or does it differently, this makes up the difference:
    - a token with no key id makes it raise ``KeyError`` (a 500) rather than answer 401; and
      its key client fetches Bot Framework's keys again for every key id it does not know, so
      forged ones could make it fetch at will; and it never reads a key's endorsements. Here a
      token reaches it only if its key id is published and endorsed for the activity's
      channel, by the keys ``auth`` keeps (fetched with a timeout, refreshed in the
      background, an unknown key id looked for at most every five minutes);
    - anything else it lets escape is a refusal here too, never a 500;
    - it does not require an expiry (``exp``): here one is required;
    - it does not check the ``serviceUrl`` claim against the activity: here it must match;
    - its key client waits up to 30 s for the keys (in a worker thread, not on the loop):
      here a check gives up after ``CHECK_TIMEOUT_S``.
    """

    def __init__(self, settings: TeamsSettings) -> None:
        from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator
        from microsoft_agents.hosting.core.authorization import jwt as sdk_jwt

        # It logs a warning of its own for each refusal; the caller logs one line for each.
        for module in (jwt_authorization_decorator.__module__, sdk_jwt.__name__):
            logging.getLogger(module).setLevel(logging.ERROR)
        # It keeps the claims on the request under a string key, which aiohttp warns of each
        # time (it would rather have a RequestKey).
        warnings.filterwarnings(
            "ignore", category=web.NotAppKeyWarning, module=r"microsoft_agents\.hosting\.aiohttp"
        )
        # (The SDK does not annotate the decorator: what it returns is awaited like _verified.)
        self._authorized = jwt_authorization_decorator(_verified)  # type: ignore[no-untyped-call]
        self._published = BotFrameworkTokens(settings.app_id, settings.openid_metadata)

    async def start(self) -> None:
        await self._published.start()

    async def close(self) -> None:
        await self._published.close()

    async def check(self, request: web.Request, channel_id: str, service_url: str) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("no Bearer token")
        try:
            kid = str(jwt.get_unverified_header(token).get("kid") or "")
        except jwt.PyJWTError:
            raise Unauthorized("not a JWT") from None
        if channel_id not in await self._published.endorsements(kid):
            raise Unauthorized(f"key not endorsed for channel {channel_id[:20]}")
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                verified = await self._authorized(request)
        except TimeoutError:
            raise Unauthorized("Bot Framework's keys did not come in time") from None
        except Exception as exc:  # the SDK lets KeyError, TypeError… out of some tokens
            raise Unauthorized(f"refused by the Agents SDK ({type(exc).__name__})") from None
        if isinstance(verified, web.StreamResponse):
            raise Unauthorized(f"refused by the Agents SDK ({verified.status})")
        claims: dict[str, Any] = verified.claims
        if "exp" not in claims:
            raise Unauthorized("no exp claim")
        if str(claims.get("serviceUrl") or "") != service_url:
            raise Unauthorized("issued for another serviceUrl")
        return CALLER_ID
