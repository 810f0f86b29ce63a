"""``/privacy`` and ``/terms``, asked for over real HTTP from the app ``carenudge run`` serves,
with the figures the settings give, whatever platforms are configured."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.app import build_app
from bot.settings import Settings
from nudges.settings import Secret
from tests.conftest import RedisServer

Client = TestClient[web.Request, web.Application]
Serve = Callable[..., AbstractAsyncContextManager[Client]]


@pytest.fixture
def serve(redis_server: RedisServer, redis: Redis) -> Serve:
    @asynccontextmanager
    async def serving(**environ: str) -> AsyncIterator[Client]:
        settings = Settings.from_env({"REDIS_URL": redis_server.url, **environ})
        server = TestServer(build_app(settings), host="127.0.0.1", port=0)
        async with TestClient(server) as client:
            yield client

    return serving


def words(html: str) -> str:
    """What a person reads: the page without its tags, in single spaces."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


async def page(client: Client, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    return await response.text()


async def test_the_privacy_page_says_how_long_shout_outs_are_kept_as_set(serve: Serve) -> None:
    async with serve() as client:
        text = words(await page(client, "/privacy"))
    assert "The words and names of a shout-out: 90 days" in text
    assert "only anonymous counts remain" in text
    assert "What was sent to you, and when: 30 days" in text
    assert "nothing is sent to you twice: 8 days" in text
    assert "A Pause keeps no words once it closes, and its record is gone within 2 days" in text

    async with serve(CARENUDGE_KEEP_SHOUTOUTS_DAYS="30") as client:
        text = words(await page(client, "/privacy"))
    assert "The words and names of a shout-out: 30 days" in text
    assert "90 days" not in text


async def test_the_privacy_page_says_what_is_kept_who_sees_it_and_how_to_erase_it(
    serve: Serve,
) -> None:
    async with serve() as client:
        text = words(await page(client, "/privacy"))
    assert "Never anything about patients." in text
    assert "never who did what" in text
    assert "Nobody sees who was held back" in text
    assert "/nudge my data" in text
    assert "/nudge forget me" in text
    assert "In Teams, type the same words in your 1:1 chat" in text
    assert "carenudge export --user slack:U…" in text
    assert "carenudge forget --user slack:U…" in text


async def test_both_pages_stand_alone_on_a_phone(serve: Serve) -> None:
    async with serve() as client:
        for path, other in (("/privacy", "/terms"), ("/terms", "/privacy")):
            response = await client.get(path)
            html = await response.text()
            assert '<meta name="viewport" content="width=device-width' in html
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
            assert not re.search(r"(src|href)=\"(https?:)?//", html), "nothing from elsewhere"
            assert f'href="{other}"' in html


async def test_the_terms_say_who_runs_it_and_what_it_is_not_for(serve: Serve) -> None:
    async with serve() as client:
        text = words(await page(client, "/terms"))
    assert "The hospital or organisation that installed it here (the operator) runs it" in text
    assert "Not for clinical or patient information" in text
    assert 'provided "as is", without warranty of any kind' in text
    assert "Ask your hospital's IT or information governance team" in text


async def test_the_contact_is_on_both_pages_when_set(serve: Serve) -> None:
    async with serve(CARENUDGE_CONTACT="wellbeing-it@trust.nhs.uk") as client:
        for path in ("/privacy", "/terms"):
            html = await page(client, path)
            assert (
                '<a href="mailto:wellbeing-it@trust.nhs.uk">wellbeing-it@trust.nhs.uk</a>' in html
            )
    async with serve(CARENUDGE_CONTACT="https://intranet.trust.nhs.uk/carenudge") as client:
        html = await page(client, "/terms")
        assert 'href="https://intranet.trust.nhs.uk/carenudge"' in html


async def test_the_pages_are_served_whatever_platforms_are_configured(
    redis_server: RedisServer, redis: Redis
) -> None:
    for platforms in (
        {"slack": SlackSettings(signing_secret=Secret("s"), bot_token=Secret("xoxb-1"))},
        {"teams": TeamsSettings(app_id="")},
    ):
        settings = Settings(redis_url=redis_server.url, **platforms)
        server = TestServer(build_app(settings), host="127.0.0.1", port=0)
        async with TestClient(server) as client:
            assert "/nudge my data" in await page(client, "/privacy")
            assert "Terms of use" in await page(client, "/terms")
