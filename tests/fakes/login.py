"""Microsoft Entra's token endpoint on loopback, answering the client-credentials grant as
Entra does, for the app registrations it is given, and each tenant's OpenID configuration,
which MSAL reads first (tenant discovery) to learn where to post that grant.

The answers' shapes are Microsoft's: a token as in "Microsoft identity platform and the OAuth
2.0 client credentials flow" (learn.microsoft.com/entra/identity-platform/
v2-oauth2-client-creds-grant-flow, "Successful response": ``token_type``, ``expires_in``,
``access_token``), and an error as in both that page's "Error response" and "Microsoft Entra
authentication and authorization error codes" (learn.microsoft.com/entra/identity-platform/
reference-error-codes): ``error``, ``error_description`` (``AADSTSnnn: …`` then trace id,
correlation id and timestamp lines, joined with CRLF), ``error_codes``, ``timestamp``,
``trace_id``, ``correlation_id`` and ``error_uri``. The AADSTS codes and their ``error`` values
are the reference's: 90002 (``invalid_request``, tenant not found), 700016
(``unauthorized_client``, application not found in the directory), 7000215 and 7000222
(``invalid_client``, a wrong or an expired secret), 7000112 (``unauthorized_client``, the
application is disabled) and 70011 (``invalid_scope``). The descriptions follow Entra's
wording; Microsoft says the wording may change, so nothing should depend on more than the
code.

Entra answers ``invalid_client`` with 401 and the others with 400, and so does the fake.

The OpenID configuration (``/{tenant}/v2.0/.well-known/openid-configuration``) has the fields
and values of Microsoft's ("OpenID Connect on the Microsoft identity platform",
learn.microsoft.com/entra/identity-platform/v2-protocols-oidc, "Fetch the OpenID configuration
document"), its endpoints under ``https://login.microsoftonline.com/{tenant}/``, so that MSAL,
reaching this through ``tls_proxy``, posts the grant back through it. (Entra names the tenant
by its GUID there, whatever name it was asked by; here the tenant keeps the name it was asked
by.) A tenant that does not exist is Entra's 400 with AADSTS90002 (``invalid_tenant``, as MSAL
and the Azure CLI have reported it from there).

Instance discovery (``/common/discovery/instance?api-version=1.1``), which MSAL asks after a
token request is refused (for the aliases a cached token might be under), answers as Entra
does: the tenant's discovery endpoint, and the aliases of each of Microsoft's clouds
(learn.microsoft.com, MSAL.NET "Custom authority aliases").
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlparse

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes import ARRIVAL_S

BOT_FRAMEWORK_TENANT = "botframework.com"
SCOPE = "https://api.botframework.com/.default"
ENTRA = "https://login.microsoftonline.com"


@dataclass
class App:
    """An app registration: ``home`` is the tenant it is registered in; a multi-tenant one
    can also sign in through the Bot Framework's tenant."""

    secret: str
    home: str
    multi_tenant: bool = True
    secret_expired: bool = False
    disabled: bool = False


@dataclass
class FakeLogin:
    """``apps``: app id -> registration. ``tenants``: the tenants that exist besides the Bot
    Framework's and the apps' own. ``hang``: while set, requests (for a configuration or a
    token) wait (a path that swallows packets). ``instead``: (status, content type, body) to
    answer every request with, as something in the way might (a proxy's error page)."""

    apps: dict[str, App] = field(default_factory=dict)
    tenants: set[str] = field(default_factory=set)
    hang: asyncio.Event | None = None
    instead: tuple[int, str, str] | None = None
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """Each token request: its tenant and its form."""
    discovered: list[str] = field(default_factory=list)
    """The tenants whose OpenID configuration was asked for, in order."""
    issued: list[str] = field(default_factory=list)
    """The access tokens handed out."""
    server: TestServer | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._configuration)
        app.router.add_get("/common/discovery/instance", self._instance)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self.url

    async def close(self) -> None:
        if self.hang is not None:
            self.hang.set()
        if self.server is not None:
            await self.server.close()

    @property
    def url(self) -> str:
        """Where to log in, as ``TeamsSettings.login`` takes it."""
        assert self.server is not None
        return str(self.server.make_url("/"))

    async def asked(self, count: int = 1, within_s: float = ARRIVAL_S) -> None:
        """Until ``count`` requests (for a configuration or a token) have come."""
        try:
            async with asyncio.timeout(within_s), self._changed:
                await self._changed.wait_for(
                    lambda: len(self.discovered) + len(self.requests) >= count
                )
        except TimeoutError:
            raise AssertionError(f"waited {within_s:g} s for {count} sign-in requests") from None

    async def _arrived(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _known(self, tenant: str) -> bool:
        return tenant in {
            BOT_FRAMEWORK_TENANT,
            *self.tenants,
            *(a.home for a in self.apps.values()),
        }

    async def _answered(self) -> web.Response | None:
        """What every request meets first: it is counted as arrived, waits while ``hang`` is
        set, and gets ``instead`` if something is in the way; None to answer as Entra does."""
        await self._arrived()
        if self.hang is not None:
            await self.hang.wait()
        if self.instead is None:
            return None
        status, content_type, text = self.instead
        return web.Response(status=status, content_type=content_type, text=text)

    async def _configuration(self, request: web.Request) -> web.Response:
        """A tenant's OpenID configuration, as Entra publishes it (v2.0)."""
        tenant = request.match_info["tenant"]
        self.discovered.append(tenant)
        if (instead := await self._answered()) is not None:
            return instead
        if not self._known(tenant):
            return _not_found(tenant, "invalid_tenant")
        at = f"{ENTRA}/{tenant}"
        return web.json_response(
            {
                "token_endpoint": f"{at}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{at}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{at}/v2.0",
                "request_uri_parameter_supported": False,
                "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
                "authorization_endpoint": f"{at}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{at}/oauth2/v2.0/devicecode",
                "http_logout_supported": True,
                "frontchannel_logout_supported": True,
                "end_session_endpoint": f"{at}/oauth2/v2.0/logout",
                "claims_supported": [
                    "sub",
                    "iss",
                    "cloud_instance_name",
                    "cloud_instance_host_name",
                    "cloud_graph_host_name",
                    "msgraph_host",
                    "aud",
                    "exp",
                    "iat",
                    "auth_time",
                    "acr",
                    "nonce",
                    "preferred_username",
                    "name",
                    "tid",
                    "ver",
                    "at_hash",
                    "c_hash",
                    "email",
                ],
                "kerberos_endpoint": f"{at}/kerberos",
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "cloud_graph_host_name": "graph.windows.net",
                "msgraph_host": "graph.microsoft.com",
                "rbac_url": "https://pas.windows.net",
            }
        )

    async def _instance(self, request: web.Request) -> web.Response:
        """Where a tenant's configuration is, and which hosts are one cloud."""
        asked = urlparse(request.query.get("authorization_endpoint", ""))
        tenant = asked.path.strip("/").split("/")[0] or "common"
        clouds = [
            ("login.microsoftonline.com", "login.windows.net", ["login.microsoftonline.com",
             "login.windows.net", "login.microsoft.com", "sts.windows.net"]),
            ("login.partner.microsoftonline.cn", "login.partner.microsoftonline.cn",
             ["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"]),
            ("login.microsoftonline.us", "login.microsoftonline.us",
             ["login.microsoftonline.us", "login.usgovcloudapi.net"]),
            ("login-us.microsoftonline.com", "login-us.microsoftonline.com",
             ["login-us.microsoftonline.com"]),
        ]  # fmt: skip
        return web.json_response(
            {
                "tenant_discovery_endpoint": (
                    f"{ENTRA}/{tenant}/v2.0/.well-known/openid-configuration"
                ),
                "api-version": "1.1",
                "metadata": [
                    {"preferred_network": network, "preferred_cache": cache, "aliases": aliases}
                    for network, cache, aliases in clouds
                ],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.requests.append((tenant, form))
        if (instead := await self._answered()) is not None:
            return instead
        if not self._known(tenant):
            return _not_found(tenant, "invalid_request")
        if form.get("grant_type") != "client_credentials":
            return _error(
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            )
        client_id = form.get("client_id", "")
        app = self.apps.get(client_id)
        directory = "Bot Framework" if tenant == BOT_FRAMEWORK_TENANT else tenant
        if app is None or not (
            app.home == tenant or (app.multi_tenant and tenant == BOT_FRAMEWORK_TENANT)
        ):
            return _error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{directory}'. This can happen if the application has not been installed by "
                "the administrator of the tenant or consented to by any user in the tenant. You "
                "may have sent your authentication request to the wrong tenant.",
            )
        if form.get("client_secret") != app.secret:
            return _error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )
        if app.secret_expired:
            return _error(
                401,
                "invalid_client",
                7000222,
                f"The provided client secret keys for app '{client_id}' are expired. Visit the "
                "Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, "
                "or consider using certificate credentials for added security: "
                "https://aka.ms/certCreds.",
            )
        if app.disabled:
            return _error(
                400,
                "unauthorized_client",
                7000112,
                f"Application '{client_id}'(CareNudge) is disabled.",
            )
        if form.get("scope") != SCOPE:
            return _error(
                400,
                "invalid_scope",
                70011,
                "The provided value for the input parameter 'scope' is not valid. The scope "
                f"{form.get('scope')} is not valid.",
            )
        token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + secrets.token_urlsafe(48)
        self.issued.append(token)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            }
        )


def _not_found(tenant: str, error: str) -> web.Response:
    """No such tenant: ``invalid_tenant`` from its OpenID configuration, ``invalid_request``
    from its token endpoint."""
    return _error(
        400,
        error,
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )


def _error(status: int, error: str, code: int, text: str) -> web.Response:
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return web.json_response(
        {
            "error": error,
            "error_description": (
                f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}"
                f"\r\nTimestamp: {now}"
            ),
            "error_codes": [code],
            "timestamp": now,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        },
        status=status,
    )
