"""Rate limits and seeded faults for the fake platforms (``FakeSlackApi``, ``FakeBotConnector``).

``Window`` is a sliding-window limit ("at most 7 in any second"), the way both platforms word
theirs. ``Holds`` remembers each 429 the fake answered, so it can answer 429 again to anyone
who comes back before ``Retry-After`` is up, and count them: that is how a test sees a retry
storm. ``Faults`` decides, from a seed, which requests misbehave: each decision depends only on
the seed, the conversation and how many requests that conversation has had, never on the
order in which concurrent requests happen to arrive, so a failing run can be replayed.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import math
import random
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field


def now_s() -> float:
    return time.monotonic()


@dataclass
class Window:
    """At most ``limit`` requests per key in any ``window_s`` seconds (refused ones do not
    count)."""

    limit: int
    window_s: float = 1.0
    _seen: defaultdict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def admit(self, key: str, at: float) -> float | None:
        """Record a request at ``at`` and return None, or return how long until it would fit."""
        seen = self._seen[key]
        while seen and seen[0] <= at - self.window_s:
            seen.popleft()
        if len(seen) >= self.limit:
            return seen[0] + self.window_s - at
        seen.append(at)
        return None


def retry_after(wait_s: float) -> int:
    """``Retry-After`` in whole seconds, as both platforms send it (at least 1)."""
    return max(1, math.ceil(wait_s))


@dataclass
class Holds:
    """The 429s a fake has answered, per scope (a workspace, a tenant), and who came back
    early. A request that arrives within ``grace_s`` of the 429 was already on its way."""

    grace_s: float = 0.2
    until: dict[str, float] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)
    early: list[tuple[float, str]] = field(default_factory=list)
    """(when, scope) of each request that ignored a Retry-After the fake had given."""

    def hold(self, scope: str, at: float, seconds: float) -> None:
        if self.until.get(scope, 0.0) < at + seconds:
            self.until[scope] = at + seconds
            self.started[scope] = at

    def remaining(self, scope: str, at: float) -> float:
        """How long ``scope`` is still held at ``at`` (0 if not); counts an early comer."""
        left = self.until.get(scope, 0.0) - at
        if left <= 0:
            return 0.0
        if at - self.started[scope] > self.grace_s:
            self.early.append((at, scope))
            return left
        return 0.0  # already in flight when the 429 went out: let it through


class Fault(enum.Enum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "5xx"
    HANG = "hang"
    """The server hangs past the client's timeout and never processes the request."""
    LOST_ANSWER = "lost answer"
    """The server processes the request, then hangs: the answer never reaches the client."""


@dataclass
class Faults:
    """Seeded misbehaviour. Each rate is the chance that one request suffers that fault;
    ``gone`` is the chance that a conversation refuses the bot for good (a 403)."""

    seed: int = 0
    rate_limited: float = 0.0
    server_error: float = 0.0
    hang: float = 0.0
    lost_answer: float = 0.0
    gone: float = 0.0
    hang_s: float = 2.0
    """How long a hung request hangs: longer than the client's timeout."""
    retry_after_s: int = 1
    _counts: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    released: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the fake closes, so that hung requests end at once."""

    def draw(self, key: str) -> Fault | None:
        """The fault for the next request about ``key`` (a conversation), if any."""
        self._counts[key] += 1
        roll = random.Random(f"{self.seed}:{key}:{self._counts[key]}").random()
        for fault, rate in (
            (Fault.RATE_LIMITED, self.rate_limited),
            (Fault.SERVER_ERROR, self.server_error),
            (Fault.HANG, self.hang),
            (Fault.LOST_ANSWER, self.lost_answer),
        ):
            if roll < rate:
                return fault
            roll -= rate
        return None

    def is_gone(self, key: str) -> bool:
        return random.Random(f"{self.seed}:gone:{key}").random() < self.gone

    def pick(self, key: str, choices: tuple[str, ...]) -> str:
        return choices[random.Random(f"{self.seed}:pick:{key}").randrange(len(choices))]

    async def hang_for_good(self) -> None:
        """Hang past the client's timeout (or until the fake closes)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.released.wait(), self.hang_s)


@dataclass(frozen=True, slots=True)
class Answer:
    """One request the fake answered, for counting: when, what, about which conversation,
    and how (``ok``, ``gone``, ``limited``, or the fault's value)."""

    at: float
    method: str
    key: str
    outcome: str
