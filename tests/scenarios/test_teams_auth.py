"""Bot Framework tokens at ``POST /api/messages``, signed with test keys that a loopback
server publishes as Bot Framework publishes its own: a good token is let in; every kind of bad
one is a 401 with one log line and no traceback; and fetching the keys never holds the event
loop, however many forged requests arrive. And the other way: the bot signs in to Microsoft
Entra (a loopback one, behind a TLS-inspecting proxy) for the token its answers carry."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from redis.asyncio import Redis

from adapters.teams.settings import BOT_FRAMEWORK_TENANT, TeamsSettings
from nudges.settings import Secret
from tests.conftest import RedisServer
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.clock import ManualClock, utc
from tests.fakes.login import SCOPE, App, FakeLogin
from tests.fakes.openid import FakeOpenId, new_key, token
from tests.fakes.tls_proxy import FakeHttpsProxy
from tests.scenarios import process
from tests.scenarios.teams import TENANT, TeamsWorld, teams_activity, teams_world

pytestmark = pytest.mark.slow
APP = "6a1d2c3b-0000-4000-8000-00000000c0de"
SECRET = "Zq8~the-bots-client-secret-value"
AGENTS_KID, AGENTS_KEY = "k-agents", new_key()
"""The key good tokens are signed with on the Agents SDK: one for the whole run, because the
SDK keeps the keys it fetched for the process (and, like PyJWT's key client, fetches again
for an unknown key id only after a cooldown)."""


@pytest.fixture
async def openid() -> AsyncIterator[FakeOpenId]:
    fake = FakeOpenId(keys={"k1": (new_key(), ["msteams"]), "k-other": (new_key(), ["slack"])})
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def secured(
    redis: Redis, redis_server: RedisServer, openid: FakeOpenId
) -> AsyncIterator[TeamsWorld]:
    async for world in secured_on(redis_server, openid, "botbuilder"):
        yield world


@pytest.fixture
async def secured_each(
    redis: Redis, redis_server: RedisServer, openid: FakeOpenId, teams_transport: str
) -> AsyncIterator[TeamsWorld]:
    """``secured``, on each transport, for refusals (a good token on the Agents SDK needs the
    proxy its key client reaches the keys through: see ``behind_proxy``)."""
    async for world in secured_on(redis_server, openid, teams_transport):
        yield world


async def secured_on(
    redis_server: RedisServer, openid: FakeOpenId, transport: str
) -> AsyncIterator[TeamsWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in teams_world(
        redis_server.url,
        clock,
        app_id=APP,
        openid_metadata=openid.metadata_url,
        transport=transport,
    ):
        yield world


def behind_proxy(monkeypatch: pytest.MonkeyPatch, proxy: FakeHttpsProxy) -> None:
    """As an operator behind a TLS-inspecting proxy sets the process up: the Agents SDK's key
    client (urllib) and MSAL (requests, which reads ``REQUESTS_CA_BUNDLE``, not
    ``SSL_CERT_FILE``) go through it and trust its authority; loopback goes direct."""
    monkeypatch.setenv("https_proxy", proxy.url)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("SSL_CERT_FILE", proxy.authority)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", proxy.authority)


def hello(world: TeamsWorld) -> dict[str, Any]:
    activity = teams_activity(world.connector.url, f"a{time.monotonic_ns()}", "29:jo")
    return activity | {"type": "message", "text": "nudge help"}


def good(openid: FakeOpenId, world: TeamsWorld, **changes: Any) -> str:
    return token(openid.keys["k1"][0], "k1", app_id=APP, service_url=world.connector.url, **changes)


async def test_a_good_token_is_let_in(secured: TeamsWorld, openid: FakeOpenId) -> None:
    assert await secured.post(hello(secured), token=good(openid, secured)) == 201


def _none_signed(openid: FakeOpenId, world: TeamsWorld) -> str:
    body = {"iss": "https://api.botframework.com", "aud": APP, "serviceUrl": world.connector.url}
    return jwt.encode(body, None, algorithm="none", headers={"kid": "k1"})  # type: ignore[arg-type]


BAD: dict[str, Callable[[FakeOpenId, TeamsWorld], str]] = {
    "not a JWT": lambda o, w: "not.a.jwt",
    "garbage": lambda o, w: "garbage",
    "no iss": lambda o, w: good(o, w, drop=("iss",)),
    "another issuer": lambda o, w: good(o, w, iss="https://sts.windows.net/someone/"),
    "alg none": _none_signed,
    "HS256": lambda o, w: token(
        b"a-shared-secret-nobody-should-use!",
        "k1",
        app_id=APP,
        service_url=w.connector.url,
        algorithm="HS256",
    ),
    "expired": lambda o, w: good(o, w, exp=int(time.time()) - 3600, nbf=int(time.time()) - 7200),
    "not yet valid": lambda o, w: good(o, w, nbf=int(time.time()) + 3600),
    "unknown kid": lambda o, w: token(
        new_key(), "k-nobody", app_id=APP, service_url=w.connector.url
    ),
    "known kid, wrong signature": lambda o, w: token(
        new_key(), "k1", app_id=APP, service_url=w.connector.url
    ),
    "key endorsed for another channel": lambda o, w: token(
        o.keys["k-other"][0], "k-other", app_id=APP, service_url=w.connector.url
    ),
    "another app": lambda o, w: good(o, w, aud="11111111-2222-3333-4444-555555555555"),
    "another serviceUrl": lambda o, w: good(o, w, serviceUrl="https://evil.example/"),
    "no exp": lambda o, w: good(o, w, drop=("exp",)),
    # No key id: the Agents SDK's own middleware lets a KeyError out of this (a 500).
    "no kid": lambda o, w: jwt.encode(
        {"iss": "https://api.botframework.com", "aud": APP, "serviceUrl": w.connector.url},
        o.keys["k1"][0],
        algorithm="RS256",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD))
async def test_every_bad_token_is_a_401_with_one_line_and_no_traceback(
    secured_each: TeamsWorld, openid: FakeOpenId, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    world = secured_each
    caplog.set_level(logging.INFO)
    assert await world.post(hello(world), token=BAD[kind](openid, world)) == 401
    refused = [r for r in caplog.records if "refused a request to /api/messages" in r.message]
    assert len(refused) == 1
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert world.connector.sent == []


async def test_no_token_or_another_scheme_is_a_401(secured_each: TeamsWorld) -> None:
    world = secured_each
    assert await world.post(hello(world)) == 401
    response = await world.client.post(
        "/api/messages", json=hello(world), headers={"Authorization": "Basic am86eA=="}
    )
    assert response.status == 401


@pytest.fixture
async def login() -> AsyncIterator[FakeLogin]:
    """Microsoft Entra, where the bot's app is registered in ``TENANT`` (as MultiTenant)."""
    fake = FakeLogin(apps={APP: App(secret=SECRET, home=TENANT)})
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def proxy(openid: FakeOpenId, login: FakeLogin) -> AsyncIterator[FakeHttpsProxy]:
    """Between the bot and Microsoft: Bot Framework's keys, and Entra's sign-in."""
    fake = FakeHttpsProxy(
        {"login.botframework.com": openid.base_url, "login.microsoftonline.com": login.url}
    )
    await fake.start()
    yield fake
    await fake.close()


async def test_on_the_agents_sdk_its_own_validator_lets_a_good_token_in(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    proxy: FakeHttpsProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The Agents SDK fetches Bot Framework's keys from login.botframework.com itself (not
    from a setting): behind a TLS-inspecting proxy, as in many hospitals, it reaches this
    test's keys. A good token is let in by it; one whose signature or audience is wrong, and
    whose key id our gate lets by, is refused by it."""
    kid = AGENTS_KID
    openid.keys[kid] = (AGENTS_KEY, ["msteams"])
    behind_proxy(monkeypatch, proxy)
    async for world in secured_on(redis_server, openid, "agents"):
        url = world.connector.url
        signed = token(openid.keys[kid][0], kid, app_id=APP, service_url=url)
        assert await world.post(typing(world), token=signed) == 201  # the SDK found the key
        forged = token(new_key(), kid, app_id=APP, service_url=url)  # the id, not the key
        assert await world.post(typing(world), token=forged) == 401
        elsewhere = token(openid.keys[kid][0], kid, app_id="another-app", service_url=url)
        assert await world.post(typing(world), token=elsewhere) == 401


def typing(world: TeamsWorld) -> dict[str, Any]:
    """Typing: nothing to answer, so nothing to sign in for (that is tested elsewhere)."""
    return hello(world) | {"type": "typing"}


async def test_while_the_keys_are_slow_to_come_the_bot_still_answers(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
) -> None:
    openid.hang = asyncio.Event()  # a slow network path to Bot Framework
    async for world in secured_on(redis_server, openid, teams_transport):
        waiting = asyncio.create_task(world.post(typing(world), token=signed_for(world)))
        health = await world.client.get("/healthz")
        assert health.status == 200
        assert not waiting.done()  # the request waits for the keys; nothing else does
        openid.hang.set()
        assert await waiting == 201


async def test_forged_key_ids_cannot_make_the_bot_fetch_keys_at_will(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    proxy: FakeHttpsProxy,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
) -> None:
    async for world in secured_on(redis_server, openid, teams_transport):
        assert await world.post(typing(world), token=signed_for(world)) == 201
        by_the_sdk = proxy.tunnels.get("login.botframework.com", 0)
        stranger = new_key()
        for i in range(30):
            forged = token(stranger, f"k-forged-{i}", app_id=APP, service_url=world.connector.url)
            assert await world.post(typing(world), token=forged) == 401
        assert openid.fetches <= 2  # at start, and once more in case Microsoft rolled its keys
        # On the Agents SDK, its own key client (through the proxy) is not reached either.
        assert proxy.tunnels.get("login.botframework.com", 0) == by_the_sdk


# --- tenancy --------------------------------------------------------------------------------


async def tenancy_world(
    redis_server: RedisServer, openid: FakeOpenId, transport: str, **settings: Any
) -> AsyncIterator[TeamsWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    chosen = TeamsSettings(
        app_id=APP, openid_metadata=openid.metadata_url, transport=transport, **settings
    )
    async for world in teams_world(redis_server.url, clock, teams=chosen):
        yield world


@pytest.fixture
def signed_for(
    openid: FakeOpenId,
    proxy: FakeHttpsProxy,
    teams_transport: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[[TeamsWorld], str]:
    """A good token on either transport, signed with ``AGENTS_KEY``, which the Agents SDK
    fetches through the proxy."""
    kid = AGENTS_KID
    openid.keys[kid] = (AGENTS_KEY, ["msteams"])
    if teams_transport == "agents":
        behind_proxy(monkeypatch, proxy)
    key = openid.keys[kid][0]
    return lambda world: token(key, kid, app_id=APP, service_url=world.connector.url)


def from_tenant(world: TeamsWorld, tenant: str) -> dict[str, Any]:
    """Typing, from ``tenant``."""
    activity = typing(world)
    activity["channelData"] = {"tenant": {"id": tenant}}
    activity["conversation"]["tenantId"] = tenant
    return activity


async def test_a_single_tenant_bot_answers_only_its_own_tenant(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
) -> None:
    async for world in tenancy_world(
        redis_server, openid, teams_transport, app_type="SingleTenant", tenant_id="tenant-1"
    ):
        signed = signed_for(world)
        assert await world.post(from_tenant(world, "tenant-1"), token=signed) == 201
        assert await world.post(from_tenant(world, "someone-else"), token=signed) == 403


async def test_a_multi_tenant_bot_with_an_allow_list_answers_only_those_tenants(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
) -> None:
    allowed = frozenset({"ours", "tenant-1"})
    async for world in tenancy_world(redis_server, openid, teams_transport, tenants=allowed):
        signed = signed_for(world)
        assert await world.post(from_tenant(world, "ours"), token=signed) == 201
        assert await world.post(from_tenant(world, "theirs"), token=signed) == 403


# --- signing in -----------------------------------------------------------------------------


@pytest.mark.parametrize("app_type", ["SingleTenant", "MultiTenant"])
async def test_an_answer_reaches_teams_with_the_token_the_bot_signed_in_for(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    login: FakeLogin,
    proxy: FakeHttpsProxy,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
    monkeypatch: pytest.MonkeyPatch,
    app_type: str,
) -> None:
    """A person who writes to the bot gets its answer: the bot signs in to Microsoft Entra
    with its app id and client secret, through the hospital's TLS-inspecting proxy, in the
    tenant its app type says (the Bot Framework's for MultiTenant; its own for SingleTenant,
    whose app Entra knows nowhere else), for the Bot Framework's scope, and its answer reaches
    Teams carrying the token Entra issued."""
    login.apps[APP].multi_tenant = app_type == "MultiTenant"
    behind_proxy(monkeypatch, proxy)
    own = {"tenant_id": TENANT} if app_type == "SingleTenant" else {}
    async for world in tenancy_world(
        redis_server,
        openid,
        teams_transport,
        app_type=app_type,
        app_password=Secret(SECRET),
        **own,
    ):
        assert await world.post(hello(world), token=signed_for(world)) == 201
        [answer] = await world.connector.wait_for(1)
    assert login.issued
    assert answer.token in {f"Bearer {issued}" for issued in login.issued}
    tenant = TENANT if app_type == "SingleTenant" else BOT_FRAMEWORK_TENANT
    assert login.discovered == [tenant]  # MSAL's tenant discovery, once
    assert {(at, form.get("client_id"), form.get("scope")) for at, form in login.requests} == {
        (tenant, APP, SCOPE)
    }
    assert proxy.tunnels.get("login.microsoftonline.com", 0) >= 2  # discovery, then the token


async def test_while_entra_is_slow_to_answer_the_bot_still_answers_others(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    login: FakeLogin,
    proxy: FakeHttpsProxy,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow path to Microsoft Entra (a proxy that holds the request) holds only the answer
    that waits for the bot to sign in, never the bot: it still answers health checks and
    acknowledges Teams, and once Entra answers, the answer goes out."""
    login.hang = asyncio.Event()
    behind_proxy(monkeypatch, proxy)
    async for world in tenancy_world(
        redis_server, openid, teams_transport, app_password=Secret(SECRET)
    ):
        signed = signed_for(world)
        assert await world.post(hello(world), token=signed) == 201
        await login.asked()  # the bot is signing in, and Entra has not answered
        assert (await world.client.get("/healthz")).status == 200
        assert await world.post(typing(world), token=signed) == 201
        assert world.connector.sent == []
        login.hang.set()
        [answer] = await world.connector.wait_for(1)
    assert answer.token in {f"Bearer {issued}" for issued in login.issued}


async def test_with_a_wrong_secret_nothing_is_sent_and_the_log_says_why(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    login: FakeLogin,
    proxy: FakeHttpsProxy,
    teams_transport: str,
    signed_for: Callable[[TeamsWorld], str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bot whose client secret is wrong (an old one, or its id pasted for its value) cannot
    sign in: Teams is sent nothing, the operator is told once, in one plain line with Entra's
    reason (AADSTS7000215) and what to run, never the secret and no traceback; and Entra is
    not asked again for every message."""
    caplog.set_level(logging.INFO)
    behind_proxy(monkeypatch, proxy)
    wrong = "Zq8~an-old-secret-value-pasted-in"
    async for world in tenancy_world(
        redis_server, openid, teams_transport, app_password=Secret(wrong)
    ):
        for _ in range(2):
            assert await world.post(hello(world), token=signed_for(world)) == 201
    # The world has stopped, which waits for what it acknowledged to be worked on.
    assert len(login.requests) == 1
    assert not login.issued
    assert world.connector.sent == []
    told = [r for r in caplog.records if "could not sign in to Microsoft Entra" in r.message]
    assert len(told) == 1
    assert "AADSTS7000215" in told[0].message
    assert "carenudge doctor" in told[0].message
    assert not [r for r in caplog.records if r.exc_info]
    assert wrong not in caplog.text


async def test_behind_a_proxy_the_whole_teams_side_goes_through_it(
    redis: Redis,
    redis_server: RedisServer,
    openid: FakeOpenId,
    login: FakeLogin,
    teams_transport: str,
    tmp_path: Path,
) -> None:
    """``carenudge run`` as an operator behind a TLS-inspecting proxy starts it, with
    ``HTTPS_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE`` and ``REQUESTS_CA_BUNDLE`` in its
    environment: Bot Framework's keys, the bot's sign-in and its answer to Teams all go
    through the proxy (a process of its own, because aiohttp reads ``SSL_CERT_FILE`` when it is
    imported). A ``.netrc`` with a default entry, as a shared service account may have, is
    not sent to Microsoft (it would take the place of the bot's own token)."""
    netrc = tmp_path / "netrc"
    netrc.write_text("default login someone password not-for-microsoft\n")
    netrc.chmod(0o600)
    connector = FakeBotConnector()
    await connector.start()
    # The proxy keeps the path, and the fake Bot Connector answers at its root.
    teams = "https://smba.trafficmanager.net/"
    proxy = FakeHttpsProxy(
        {
            "login.botframework.com": openid.base_url,
            "login.microsoftonline.com": login.url,
            "smba.trafficmanager.net": connector.url,
        }
    )
    await proxy.start()
    settings = {
        "HOST": "127.0.0.1",
        "MICROSOFT_APP_ID": APP,
        "MICROSOFT_APP_PASSWORD": SECRET,
        "CARENUDGE_TEAMS_ANONYMOUS": "",
        "CARENUDGE_TEAMS_TRANSPORT": teams_transport,
        "https_proxy": proxy.url,
        "no_proxy": "127.0.0.1,localhost",
        "SSL_CERT_FILE": proxy.authority,
        "REQUESTS_CA_BUNDLE": proxy.authority,
        "NETRC": str(netrc),
    }
    activity = teams_activity(teams, "in-1", "29:jo") | {"type": "message", "text": "nudge help"}
    signed = token(openid.keys["k1"][0], "k1", app_id=APP, service_url=teams)
    try:
        async with (
            process.running_bot(
                redis_server.url, "", tmp_path / "bot.log", settings=settings
            ) as bot,
            aiohttp.ClientSession() as http,
        ):
            async with http.post(
                f"{bot.base}/api/messages",
                json=activity,
                headers={"Authorization": f"Bearer {signed}"},
            ) as response:
                assert response.status == 201, bot.logged()[-2000:]
            [answer] = await connector.wait_for(1)
            logged = bot.logged()
    finally:
        await proxy.close()
        await connector.close()
    assert answer.token in {f"Bearer {issued}" for issued in login.issued}
    assert {(at, form.get("scope")) for at, form in login.requests} == {
        (BOT_FRAMEWORK_TENANT, SCOPE)
    }
    assert set(proxy.tunnels) == {
        "login.botframework.com",
        "login.microsoftonline.com",
        "smba.trafficmanager.net",
    }
    assert "Traceback" not in logged


async def test_without_authentication_only_a_teams_client_on_this_machine_is_answered(
    teams_anonymous: TeamsWorld,
) -> None:
    activity = hello(teams_anonymous)
    assert await teams_anonymous.post(activity) == 201
    activity = hello(teams_anonymous) | {"serviceUrl": "https://smba.trafficmanager.net/amer/"}
    assert await teams_anonymous.post(activity) == 403


@pytest.fixture
async def teams_anonymous(redis: Redis, redis_server: RedisServer) -> AsyncIterator[TeamsWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in teams_world(redis_server.url, clock):
        yield world
