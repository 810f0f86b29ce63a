"""What a person is told when something fails on our side, with the one log line that goes
with it: Redis away ("try again in a moment"), anything else ("something went wrong"). The
engine and every platform's edge answer failures through here, so they all say the same."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from nudges import wording
from nudges.cards import Reply
from nudges.errors import CodecError, DeliveryError

log = logging.getLogger(__name__)

TRY_AGAIN = wording.message(
    "I couldn't reach my memory just now",
    "Nothing was changed. Please try again in a moment.",
)
SOMETHING_WRONG = wording.message(
    "Something went wrong on my side",
    "Nothing was changed. Please try again; if it keeps happening, let your admin know.",
)
CANT_READ = wording.message(
    "I can't read what I kept about that",
    "It was saved in a way this version of CareNudge doesn't know. Nothing was changed.",
    hint="Your admin can look with carenudge doctor.",
)


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means Redis is away (or too slow): worth trying again in a moment."""
    return isinstance(exc, RedisError)


def failed(exc: BaseException, doing: str) -> Reply:
    """Log ``exc`` once (a warning for Redis away, with the traceback for anything else) and
    return the kind answer for whoever was waiting. ``doing`` says what, for the log: "handling
    CommandInvoked", "answering Slack"."""
    if is_unavailable(exc):
        log.warning("redis unavailable while %s (%s)", doing, type(exc).__name__)
        return Reply(TRY_AGAIN, status="unavailable")
    if isinstance(exc, DeliveryError):
        # Ours to word, never the person's text; the platform adapter has said why, once.
        log.warning("could not deliver while %s (%s: %s)", doing, type(exc).__name__, exc)
        return Reply(SOMETHING_WRONG, status="error")
    if isinstance(exc, CodecError):
        log.warning("a stored payload could not be read while %s: %s", doing, exc)
        return Reply(CANT_READ, status="error")
    log.error("unexpected error while %s", doing, exc_info=exc)
    return Reply(SOMETHING_WRONG, status="error")
