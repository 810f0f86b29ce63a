"""The door of ``POST /slack/events``: a request is let through to Bolt only once it is signed
with our signing secret, recently, and its body is one Slack could have sent.

Bolt parses a body as it builds its request (``AsyncBoltRequest``), before its signature
middleware runs, so a malformed body that nobody signed (a non-numeric timestamp, bytes that
are not UTF-8, JSON that is a list) ended in a 500 and a traceback. Here the signature comes
first, checked on the raw bytes with slack_sdk's own ``SignatureVerifier``: an unsigned request
is refused before anything in it is read. A signed one that still cannot be a Slack request is
refused as malformed; one too large for the web app is refused before it is even read whole.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"
MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "application/json"})
"""What Slack sends: forms for slash commands and interactions, JSON for the Events API
(https://docs.slack.dev/apis/events-api/, https://docs.slack.dev/interactivity/)."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is turned away: its status, what it is told, and what the log says
    (never anything from the body)."""

    status: int
    said: str
    why: str


TOO_LARGE = Refusal(413, "too large", "larger than the web app takes")
UNSIGNED = Refusal(401, "invalid request", "not signed with our signing secret, or not lately")
NOT_SLACK_MEDIA = Refusal(415, "unsupported content type", "a content type Slack does not send")


class SlackGate:
    def __init__(self, signing_secret: str) -> None:
        self._secret = signing_secret
        self._verifier: SignatureVerifier | None = None

    @property
    def verifier(self) -> SignatureVerifier:
        # Made on first use, as Bolt does: in Socket Mode there is no signing secret (and no
        # request comes in over HTTP), and the verifier refuses an empty one.
        if self._verifier is None:
            self._verifier = SignatureVerifier(self._secret)
        return self._verifier

    async def admit(self, request: web.Request) -> AsyncBoltRequest | Refusal:
        """Bolt's request, built from what was checked; or why the request is refused."""
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return TOO_LARGE
        stamp, signature = request.headers.get(TIMESTAMP), request.headers.get(SIGNATURE)
        # The signature is checked first, before anything in the body is read.
        if not self._signed(raw, stamp, signature):
            return UNSIGNED
        if request.content_type not in MEDIA_TYPES:
            return NOT_SLACK_MEDIA
        if not raw:
            return _malformed("an empty body")
        try:
            # Slack's bodies are UTF-8 (docs.slack.dev/authentication/verifying-requests-from-slack)
            body = _readable_by_bolt(raw.decode("utf-8"), request.content_type)
            # As bolt's aiohttp adapter builds it (to_bolt_request), from the one body and the
            # headers just checked: the first of each, as aiohttp's ``get`` read them (Bolt
            # would keep the last), so that Bolt's own check of the signature agrees with ours.
            headers: dict[str, str | Sequence[str]] = {}
            for name, value in request.headers.items():
                headers.setdefault(name.lower(), value)
            bolt = AsyncBoltRequest(body=body, query=request.query_string, headers=headers)
        except Exception as exc:
            # Whatever Bolt's parsing meets: not JSON, or JSON that is not an object (Bolt reads
            # its ids from the body as it builds the request), or ids of odd types.
            return _malformed(f"a body Bolt cannot read ({type(exc).__name__})")
        return bolt

    def _signed(self, raw: bytes, stamp: str | None, signature: str | None) -> bool:
        if not stamp or not signature:
            return False
        try:
            return self.verifier.is_valid(raw, stamp, signature)
        except UnicodeDecodeError:
            # The verifier checks the timestamp first, then reads the body as text: this body
            # came in time, but is not UTF-8, so cannot be Slack's. It may still be signed (by
            # someone with the secret, to be told it is malformed): the same HMAC, on bytes.
            mac = hmac.new(
                self._secret.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256
            )
            expected = f"v0={mac.hexdigest()}".encode()
            return hmac.compare_digest(expected, signature.encode(errors="replace"))
        except (ValueError, TypeError):  # a timestamp not a number; a signature not ASCII
            return False


FORM = "application/x-www-form-urlencoded"


def _readable_by_bolt(body: str, content_type: str) -> str:
    """The body, spelt so that Bolt reads it as Slack meant. Bolt takes any form body with the
    word "payload" anywhere in it for an interaction (``payload=…``), and finds none in a slash
    command whose text holds the word ("/shoutout @sam for the payload run" came to nothing).
    There, one letter of it is sent percent-encoded: the same once decoded, and not the word
    Bolt looks for. (Bolt then cannot check the signature on what it is given: the gate has
    checked it, on the bytes Slack signed.)"""
    if content_type != FORM or "payload" not in body:
        return body
    if any(key == "payload" for key, _ in parse_qsl(body, keep_blank_values=True)):
        return body
    return body.replace("payload", "p%61yload")


def _malformed(why: str) -> Refusal:
    return Refusal(400, "malformed request", f"signed, but {why}")
