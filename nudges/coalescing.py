"""Calls made in the same turn of the event loop share one Redis round trip.

When thousands of cadences fire together, hundreds of them ask Redis the same kind of
question at the same moment (read a cadence, mark a delivery as sent). Each round trip costs
the client far more than the command inside it, so a ``Coalescer`` gathers the calls made
in one turn of the loop and sends them as one pipeline. A lone call goes out at the end of
the turn it was made in: nothing waits longer than it would have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

MOST = 100
"""The most calls in one round trip."""


class Coalescer(Generic[In, Out]):
    """``await coalescer(item)`` returns ``run([..., item, ...])``'s answer for ``item``.

    ``run`` gets the items of one turn (at most ``most`` at a time) and returns one answer per
    item, in order. If it raises, every caller in that round trip gets the error.
    """

    def __init__(
        self, run: Callable[[Sequence[In]], Awaitable[Sequence[Out]]], most: int = MOST
    ) -> None:
        self._run = run
        self._most = most
        self._pending: list[tuple[In, asyncio.Future[Out]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def __call__(self, item: In) -> Out:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Out] = loop.create_future()
        self._pending.append((item, answer))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await answer

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), self._most):
            task = asyncio.ensure_future(self._send(pending[start : start + self._most]))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[In, asyncio.Future[Out]]]) -> None:
        try:
            answers = await self._run([item for item, _ in batch])
            if len(answers) != len(batch):
                raise RuntimeError(f"{len(batch)} calls got {len(answers)} answers")
        except Exception as exc:  # each caller handles the error as if it had called alone
            for _, answer in batch:
                if not answer.done():
                    answer.set_exception(exc)
            return
        for (_, answer), result in zip(batch, answers, strict=True):
            if not answer.done():  # a caller that was cancelled no longer wants it
                answer.set_result(result)
