"""``build_core``: the one place the engine, the fire queue and the scheduler's runner are built
from settings. The web app, the sandbox, ``doctor``, the benchmarks and the tests all ask it."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from adapters.routing import RoutingMessenger
from adapters.slack.records import SlackRecords
from adapters.teams.records import TeamsRecords
from bot.clock import SystemClock
from bot.settings import Settings
from nudges.deps import Deps
from nudges.engine import Engine
from nudges.keys import KeySpace
from nudges.ports import Clock, Messenger
from nudges.store import Stores
from scheduler.queue import RedisFireQueue
from scheduler.runner import Runner
from scheduler.timetable import CronTimetable


@dataclass(frozen=True, slots=True)
class Core:
    """The engine (for what people do), the queue of fires, and the runner that fires them."""

    engine: Engine
    queue: RedisFireQueue
    runner: Runner
    keys: KeySpace
    clock: Clock
    fire_engine: Engine
    """The engine the runner fires with (``engine`` itself unless given a Redis of its own)."""

    @property
    def stores(self) -> Stores:
        return self.engine.stores


def build_core(
    settings: Settings,
    redis: Redis,
    messenger: Messenger | None = None,
    clock: Clock | None = None,
    *,
    fire_redis: Redis | None = None,
    queue: RedisFireQueue | None = None,
    salt: str = "",
) -> Core:
    """Wire the engine to ``redis`` and ``messenger`` (by default none: every send is a
    ``DeliveryError``, for callers that only read, like ``doctor``).

    ``fire_redis``, if given, is a client of its own for the runner's engine: thousands of
    fires finishing at 07:30 then queue for its connections, never in front of someone's slash
    command. ``queue`` replaces the runner's queue (a test's, recording what it claims).
    """
    keys = KeySpace(settings.key_prefix)
    used_messenger = messenger or RoutingMessenger()
    used_clock = clock or SystemClock()

    def engine_on(client: Redis, its_queue: RedisFireQueue | None) -> tuple[Engine, RedisFireQueue]:
        fires = its_queue or RedisFireQueue(client, keys, lease=settings.runner.lease)
        deps = Deps(
            Stores.on(client, keys),
            used_messenger,
            used_clock,
            CronTimetable(),
            fires,
            settings.engine,
            salt,
            # Each platform's own records of people, for their export and erasure: they need
            # only Redis, so an admin's `carenudge forget` reaches them with no platform set.
            {
                "slack": SlackRecords(
                    client,
                    keys.platform("slack"),
                    settings.slack.secret_key if settings.slack else None,
                ),
                "teams": TeamsRecords(client, keys.platform("teams")),
            },
        )
        return Engine(deps), fires

    engine, requests_queue = engine_on(redis, None if fire_redis else queue)
    fire_engine, fire_queue = (
        engine_on(fire_redis, queue) if fire_redis is not None else (engine, requests_queue)
    )
    runner = Runner(fire_engine, fire_queue, used_clock, settings.runner)
    return Core(engine, requests_queue, runner, keys, used_clock, fire_engine)
