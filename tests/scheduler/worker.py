"""A CareNudge scheduler process for multi-process tests: the real engine, runner and Redis
queue, delivering into a ``FileInbox`` so the test can count what was sent.

    python -m tests.scheduler.worker --redis URL --inbox PATH [--lease S] [--delay S]
        [--delay-after S] [--concurrency N] [--batch N] [--poll S] [--claims PATH]
        [--cannot-tell] [--grace S] [--down-until T] [--not-in CHANNEL]
        [--speed N --anchor-wall T --anchor-at ISO]

``--delay`` is how long each send takes before the platform has the message, ``--delay-after``
how long after it has it before the call returns: a SIGKILL can land in either. With
``--claims``, each fire this process claims is appended to PATH as ``<pid> <fire id>@<instant s>``
(the start of its delivery keys), so that a test knows what a process held when it was killed.
``--cannot-tell`` makes the platform unable to say whether a message arrived, as Slack and Teams
are: a delivery in doubt after a crash or a takeover is then sent again. ``--down-until T``
makes every send fail with a 500 until the wall clock (Unix seconds) reaches T: an outage.
``--not-in CHANNEL`` answers every send to that channel as Slack does when the bot was never
invited (``not_in_channel``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from redis.asyncio import Redis

from bot.clock import SystemClock
from bot.settings import Settings
from bot.wiring import build_core
from nudges.cards import Card
from nudges.errors import ConversationGone, DeliveryError
from nudges.model import Conversation, MessageRef, Unreachable
from nudges.ports import Clock, Fence
from nudges.settings import EngineSettings
from scheduler.queue import Claim, RedisFireQueue
from scheduler.runner import RunnerSettings
from tests.fakes.clock import ScaledClock
from tests.fakes.inbox import FileInbox

INVITE = "Invite CareNudge to the channel: type /invite @CareNudge there."


class SlowInbox(FileInbox):
    """A ``FileInbox`` whose platform also takes ``after_s`` to answer once it has a message,
    answers 500 to every send until the wall clock reaches ``down_until`` (an outage), and
    ``not_in_channel`` to every send to the channel ``not_in``."""

    def __init__(
        self,
        path: Path,
        delay_s: float,
        after_s: float,
        *,
        can_tell: bool,
        down_until: float = 0.0,
        not_in: str = "",
    ) -> None:
        super().__init__(path, delay_s, can_tell=can_tell)
        self.after_s = after_s
        self.down_until = down_until
        self.not_in = not_in

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        if time.time() < self.down_until:
            raise DeliveryError("the platform answered 500")
        if self.not_in and conversation.channel_id == self.not_in:
            raise ConversationGone("not_in_channel", Unreachable.NOT_IN_CHANNEL, INVITE)
        ref = await super().send(conversation, card, key=key, fence=fence)
        if self.after_s:
            await asyncio.sleep(self.after_s)
        return ref


class RecordingDueQueue(RedisFireQueue):
    """The Redis queue, writing down every fire it claims (one ``write`` each, O_APPEND)."""

    def __init__(self, redis: Redis, lease: timedelta, path: Path) -> None:
        super().__init__(redis, lease=lease)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    async def claim(
        self, now: datetime, limit: int, ahead: timedelta = timedelta(0)
    ) -> list[Claim]:
        dues = await super().claim(now, limit, ahead)
        if dues:
            lines = (
                f"{os.getpid()} {d.fire.id}@{int(d.fire.scheduled_at.timestamp())}\n" for d in dues
            )
            os.write(self.fd, "".join(lines).encode())
        return dues


async def main(args: argparse.Namespace) -> None:
    redis = Redis.from_url(args.redis, decode_responses=True)
    clock: Clock = SystemClock()
    if args.speed:
        clock = ScaledClock(args.anchor_wall, datetime.fromisoformat(args.anchor_at), args.speed)
    lease = timedelta(seconds=args.lease)
    settings = Settings(
        engine=EngineSettings(
            default_tz="UTC",
            fanout_concurrency=args.concurrency,
            grace=timedelta(seconds=args.grace),
        ),
        runner=RunnerSettings(batch=args.batch, lease=lease, poll_s=args.poll),
    )
    inbox = SlowInbox(
        Path(args.inbox),
        args.delay,
        args.delay_after,
        can_tell=not args.cannot_tell,
        down_until=args.down_until,
        not_in=args.not_in,
    )
    core = build_core(
        settings,
        redis,
        inbox,
        clock,
        queue=RecordingDueQueue(redis, lease, Path(args.claims)) if args.claims else None,
    )
    try:
        await core.runner.run()
    finally:
        await redis.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--inbox", required=True)
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--delay-after", type=float, default=0.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=RunnerSettings().batch)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--claims", default="")
    parser.add_argument("--cannot-tell", action="store_true", help="was_sent says None, as Slack")
    parser.add_argument("--grace", type=float, default=900.0, help="the grace window, in s")
    parser.add_argument("--down-until", type=float, default=0.0, help="sends fail until then")
    parser.add_argument("--not-in", default="", help="a channel the bot is not in")
    parser.add_argument("--speed", type=float, default=0.0)
    parser.add_argument("--anchor-wall", type=float, default=0.0)
    parser.add_argument("--ready", default="", help="touch PATH.<pid> once started")
    parser.add_argument("--anchor-file", default="", help="wait for it; it holds --anchor-wall")
    parser.add_argument("--anchor-at", default="")
    logging.basicConfig(level=logging.WARNING)
    arguments = parser.parse_args()
    if arguments.ready:  # say we are up, then wait for the test to start the shared clock
        Path(f"{arguments.ready}.{os.getpid()}").touch()
    if arguments.anchor_file:
        anchor = Path(arguments.anchor_file)
        while not anchor.exists():
            time.sleep(0.01)
        arguments.anchor_wall = float(anchor.read_text())
    asyncio.run(main(arguments))
