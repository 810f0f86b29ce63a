"""Acknowledge first, then work. Slack gives up on a request after 3 s (Teams after 15 s), and
people tend to arrive together (a shift handover, a message to the whole ward). The web app
counts the requests it is answering; the work that follows an acknowledgement, in the Slack and
Teams edges, waits until none is in progress (for at most ``max_wait_s``), so that a burst is
acknowledged before any of it is worked on, rather than each answer queueing behind the others'
work on the one event loop."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web
from aiohttp.typedefs import Handler

MAX_WAIT_S = 0.25
"""Work never waits longer than this for acknowledgements, however busy the endpoints."""


class Acknowledgements:
    def __init__(self, max_wait_s: float = MAX_WAIT_S) -> None:
        self.max_wait_s = max_wait_s
        self._answering = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self._answering += 1
        self._quiet.clear()
        try:
            return await handler(request)
        finally:
            self._answering -= 1
            if not self._answering:
                self._quiet.set()

    async def settled(self) -> None:
        """Return once no request is being answered, or after ``max_wait_s``."""
        if self._answering:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.max_wait_s):
                    await self._quiet.wait()
