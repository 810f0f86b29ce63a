"""A platform is a unit: each adapter package's ``build(settings, host)`` returns one, and
``bot.app`` mounts whichever are configured, in one loop, without naming any of them.

A platform has a name (its addresses' ``platform``), a messenger (the engine reaches its people
through it), the routes it serves on the web app, and a start and a stop (Socket Mode dials
out; Teams finishes the activities it acknowledged). What it is built with is a ``Host``: the
engine's door, Redis and the key space, the clock, the wait for acknowledgements, and where the
privacy page is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiohttp import web
from redis.asyncio import Redis

from nudges.edge import Clock, Door, KeySpace, Messenger

Settle = Callable[[], Awaitable[None]]
"""Returns once the acknowledgements in progress have gone out (``bot.acks``)."""


async def at_once() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Host:
    """What the web app gives every platform it mounts. The app owns (and closes) ``redis``."""

    door: Door
    redis: Redis
    keys: KeySpace
    clock: Clock
    settled: Settle = field(default=at_once)
    privacy_url: str | None = None
    """The address of CareNudge's privacy page, when it has a public one: what a welcome links
    to for how people's information is handled."""


class Platform(Protocol):
    """One chat platform, mounted on the web app."""

    @property
    def name(self) -> str:
        """The ``platform`` of this platform's addresses ("slack", "teams")."""
        ...

    @property
    def messenger(self) -> Messenger:
        """How the engine reaches this platform's people and channels."""
        ...

    def mount(self, app: web.Application) -> None:
        """Add what this platform serves to the web app (nothing, for one that dials out),
        and whatever its SDK reads from the app."""
        ...

    async def start(self) -> None:
        """Connect what must be connected before serving (Socket Mode, say)."""
        ...

    async def stop(self) -> None:
        """Finish the work already acknowledged (for a while), then close what was opened."""
        ...
