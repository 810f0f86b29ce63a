"""Bot Framework's OpenID metadata and signing keys, served on loopback, and tokens signed the
way the Bot Connector signs them (RS256, ``kid`` in the header, the claims Microsoft documents
for a channel's request), so that the bot's check of them is exercised for real."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

ISSUER = "https://api.botframework.com"


def new_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeOpenId:
    """``keys``: kid -> (private key, endorsements) published in the JWKS. ``hang``: while
    set, metadata requests wait (a slow network path)."""

    keys: dict[str, tuple[RSAPrivateKey, list[str]]] = field(default_factory=dict)
    fetches: int = 0
    hang: asyncio.Event | None = None
    server: TestServer | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/v1/.well-known/openidconfiguration", self._metadata)
        app.router.add_get("/v1/keys", self._jwks)
        # Where login.botframework.com publishes the same keys, for a client that goes there
        # whatever the metadata says (the Agents SDK's, through ``tls_proxy``).
        app.router.add_get("/v1/.well-known/keys", self._jwks)
        self.server = TestServer(app, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self.metadata_url

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    @property
    def metadata_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1/.well-known/openidconfiguration"))

    async def _metadata(self, request: web.Request) -> web.Response:
        self.fetches += 1
        if self.hang is not None:
            await self.hang.wait()
        assert self.server is not None
        return web.json_response(
            {"issuer": ISSUER, "jwks_uri": str(self.server.make_url("/v1/keys"))}
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        published = []
        for kid, (key, endorsements) in self.keys.items():
            entry = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            published.append({**entry, "kid": kid, "use": "sig", "endorsements": endorsements})
        return web.json_response({"keys": published})


def token(
    key: RSAPrivateKey | bytes | None,
    kid: str,
    *,
    app_id: str,
    service_url: str,
    algorithm: str = "RS256",
    drop: tuple[str, ...] = (),
    **claims: Any,
) -> str:
    """A token as the Bot Connector sends one, changed by ``claims`` (and without ``drop``)."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": ISSUER,
        "aud": app_id,
        "serviceUrl": service_url,
        "nbf": now - 60,
        "exp": now + 3600,
        **claims,
    }
    for name in drop:
        body.pop(name, None)
    return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})  # type: ignore[arg-type]
