"""Requests to ``POST /slack/events`` that Slack would never send: each is refused with a 4xx
and one plain log line, before anything in it reaches Bolt's parser or the engine. Unsigned,
it is a 401 whatever is in it; signed (by someone with the secret) but malformed, a 400."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from redis.asyncio import Redis

from tests.conftest import RedisServer
from tests.fakes.clock import ManualClock, utc
from tests.scenarios.slack import SECRET, SlackWorld, slack_world, texts

pytestmark = pytest.mark.slow

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MARKER = "Marker-in-the-body"
"""Words in each body: none of them may ever reach the log."""
TOO_LARGE = 1024**2 + 1
"""One byte over what aiohttp's web app takes by default (``client_max_size``)."""


@pytest.fixture
async def slack(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in slack_world(redis_server.url, clock):
        yield world


@dataclass(frozen=True)
class Shape:
    name: str
    body: bytes
    content_type: str = FORM
    stamp: str | None = "now"
    signed: int = 400
    """The status when it is signed (401: it cannot be, whoever sends it)."""


SHAPES = [
    Shape("empty body", b""),
    Shape("payload= that is not JSON", f"payload=%7B{MARKER}".encode()),
    Shape("payload= that is a JSON list", f"payload=%5B%22{MARKER}%22%5D".encode()),
    Shape("JSON that is a list", f'["{MARKER}"]'.encode(), JSON),
    Shape("JSON that is a string", f'"{MARKER}"'.encode(), JSON),
    Shape("JSON that is not JSON", f"{{{MARKER}".encode(), JSON),
    Shape("a form sent as JSON", f"command=%2Fnudge&text={MARKER}".encode(), JSON),
    Shape("an id of the wrong type", f'{{"team": 7, "type": "{MARKER}"}}'.encode(), JSON),
    Shape("a content type Slack does not send", f"text={MARKER}".encode(), "text/csv", signed=415),
    Shape("bytes that are not UTF-8", b"command=%2Fnudge&text=\xff\xfe" + MARKER.encode()),
    Shape("a timestamp that is not a number", f"text={MARKER}".encode(), stamp="soon", signed=401),
    Shape("no timestamp", f"text={MARKER}".encode(), stamp=None, signed=401),
    Shape("a body over the size limit", b"text=" + b"x" * TOO_LARGE, signed=413),
]


def signature_of(body: bytes, stamp: str) -> str:
    """As Slack signs a request: HMAC-SHA256 over ``v0:<timestamp>:<body bytes>``."""
    mac = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return f"v0={mac.hexdigest()}"


async def send(slack: SlackWorld, shape: Shape, *, signed: bool) -> int:
    stamp = str(int(time.time())) if shape.stamp == "now" else shape.stamp
    headers = {"Content-Type": shape.content_type}
    if stamp is not None:
        headers["X-Slack-Request-Timestamp"] = stamp
    headers["X-Slack-Signature"] = (
        signature_of(shape.body, stamp or "") if signed else "v0=" + "0" * 64
    )
    body = io.BytesIO(shape.body)  # aiohttp warns of a large body given as bytes
    response = await slack.client.post("/slack/events", data=body, headers=headers)
    return response.status


def logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    # The access log is the web server's (silenced in production by bot.logs).
    return [r for r in caplog.records if r.name != "aiohttp.access"]


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
@pytest.mark.parametrize("shape", SHAPES, ids=[s.name for s in SHAPES])
async def test_a_request_slack_would_never_send_is_refused_in_one_plain_line(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, shape: Shape, signed: bool
) -> None:
    expected = shape.signed if signed or shape.signed == 413 else 401
    with caplog.at_level(logging.DEBUG):
        status = await send(slack, shape, signed=signed)
    assert status == expected
    [line] = logged(caplog)
    assert line.levelno == logging.INFO
    assert line.exc_info is None
    assert f"({expected})" in line.getMessage()
    assert MARKER not in line.getMessage()
    assert "\n" not in line.getMessage()

    # Nothing reached the engine: a command sent next is the only thing answered.
    assert await slack.command("USAM", "help") == 200
    [reply] = await slack.api.wait_for_responses(1)
    assert "CareNudge: small, kind acts" in texts(reply)
    assert slack.api.called("chat.postMessage") == []
    assert MARKER not in caplog.text
