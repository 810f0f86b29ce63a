"""Acknowledge first, then work. Slack gives up on a request after 3 s (Teams after 15 s), and
people tend to arrive together (a shift handover, a message to the whole ward). The web app
counts the requests it is answering; the work that follows an acknowledgement, in the Slack and
Teams edges, waits until none has been in progress for ``calm_s`` (and never longer than
``max_wait_s``), so that a burst is acknowledged before any of it is worked on, rather than
each answer queueing behind the others' work on the one event loop."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.typedefs import Handler

MAX_WAIT_S = 0.25
"""Work never waits longer than this for acknowledgements, however busy the endpoints."""
CALM_S = 0.01
"""A burst's requests arrive over a few milliseconds: a gap this short is not its end."""


class Acknowledgements:
    def __init__(self, max_wait_s: float = MAX_WAIT_S, calm_s: float = CALM_S) -> None:
        self.max_wait_s = max_wait_s
        self.calm_s = calm_s
        self._answering = 0
        self._last = 0.0
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
            self._last = asyncio.get_running_loop().time()
            if not self._answering:
                self._quiet.set()

    async def settled(self) -> None:
        """Return once no request has been answered for ``calm_s``, or after ``max_wait_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        while (left := deadline - loop.time()) > 0:
            if self._answering:
                try:
                    async with asyncio.timeout(left):
                        await self._quiet.wait()
                except TimeoutError:
                    return
                continue
            calm = self._last + self.calm_s - loop.time()
            if calm <= 0:
                return
            await asyncio.sleep(min(calm, left))
