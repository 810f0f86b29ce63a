"""What a person is told when something fails on our side, with the one log line that goes
with it: Redis away ("try again in a moment"), a message that could not be delivered (why,
and what to do), anything else ("something went wrong"). The engine and every platform's edge
answer failures through here, so they all say the same."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from nudges import reach, wording
from nudges.cards import Reply
from nudges.errors import (
    CannotReach,
    CodecError,
    ConversationGone,
    DeliveryError,
    RateLimited,
    Rejected,
)

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

SLOWED = wording.message(
    "That didn't go through yet",
    "Messages are going out more slowly for a moment, so nothing was posted. Please try "
    "again in a minute.",
)
NOT_THROUGH = wording.message(
    "That didn't go through",
    "I couldn't get through to the chat service just now, so nothing was posted. Please try "
    "again in a minute.",
)
NOT_TAKEN = wording.message(
    "That couldn't be posted",
    "The chat service wouldn't take it, so nothing was posted. If it keeps happening, let your "
    "admin know.",
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
        return undelivered(exc, "", doing)
    if isinstance(exc, CodecError):
        log.warning("a stored payload could not be read while %s: %s", doing, exc)
        return Reply(CANT_READ, status="error")
    log.error("unexpected error while %s", doing, exc_info=exc)
    return Reply(SOMETHING_WRONG, status="error")


def undelivered(exc: DeliveryError, where: str, doing: str) -> Reply:
    """The answer when a message someone's request needed could not be delivered, with one
    log line: what the platform said (its error's name), never the message. ``where`` is the
    name of the channel it was for ("ward-7"), or "" if it is not known.

    Nothing here is tried again: what cannot succeed until someone acts (CareNudge not in
    the channel, its access revoked) says who can fix it; a slowdown or an outage says when
    to try again, as the platform was already waited for as long as it asked."""
    log.info("could not deliver while %s: %s (%s)", doing, type(exc).__name__, exc)
    if isinstance(exc, ConversationGone):
        gone = CannotReach(wording.channel(where), exc, posting=True)
        return Reply(reach.cannot_reach_card(gone), status="invalid")
    if isinstance(exc, RateLimited):
        return Reply(SLOWED, status="unavailable")
    if isinstance(exc, Rejected):
        return Reply(NOT_TAKEN, status="error")
    return Reply(NOT_THROUGH, status="unavailable")
