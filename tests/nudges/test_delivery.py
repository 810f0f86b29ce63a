"""A delivery is waited out through an outage, given up only at the fire's deadline or on a
definitive answer, and a fan-out begun before a takeover is finished however late it is."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from nudges.cards import Card
from nudges.model import Conversation, MemberRef, MessageRef
from nudges.planning import fire_id
from nudges.ports import Fence
from tests.conftest import World, build_world
from tests.fakes.clock import FakeClock, utc
from tests.fakes.messenger import RecordingMessenger

AT_0730 = utc(2026, 12, 1, 7, 30)
FIRE_KEY = f"{fire_id('c1')}@{int(AT_0730.timestamp())}"


class Unfenced:
    """A hold with no lease: what a replica that has since died marked its deliveries with."""

    fire_id = fire_id("c1")
    token = ""

    async def until(self, at: object) -> None:
        return None

    def check(self) -> None:
        return None


async def channel_cadence(world: World) -> None:
    await world.admin_makes_team("mo")
    assert (await world.say("mo", "create daily at 07:30 to #ward-7")).status == "ok"


async def test_a_long_platform_outage_is_waited_out_not_given_up(world: World) -> None:
    await channel_cadence(world)
    world.messenger.failures = 40  # about half an hour of 5xx at the back-off's pace
    await world.run_until(AT_0730)
    assert len(world.messenger.to("ward-7")) == 1
    assert world.messenger.attempts == 41  # each failure waited out, none given up
    states = await world.stores.deliveries.delivery_states(FIRE_KEY)
    assert states == {"ch:test:T1:ward-7": "sent"}


async def test_an_outage_past_the_fires_deadline_is_given_up_once_and_said(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await channel_cadence(world)
    world.messenger.failures = 100_000
    with caplog.at_level(logging.WARNING):
        await world.run_until(AT_0730)
    assert world.messenger.to("ward-7") == []
    # Tried for the three hours of deliver_within, a minute or so apart once backed off.
    assert 150 < world.messenger.attempts < 400
    states = await world.stores.deliveries.delivery_states(FIRE_KEY)
    assert states == {"ch:test:T1:ward-7": "failed"}
    said = [r.getMessage() for r in caplog.records if "gave up a delivery" in r.getMessage()]
    assert said == [
        f"gave up a delivery at the fire's deadline: fire={FIRE_KEY} error=DeliveryError"
    ]


async def test_a_definitive_refusal_ends_the_delivery_at_once(world: World) -> None:
    await channel_cadence(world)
    world.messenger.rejections = 1
    await world.run_until(AT_0730)
    assert world.messenger.attempts == 1  # not tried again: it would only be refused again
    states = await world.stores.deliveries.delivery_states(FIRE_KEY)
    assert states == {"ch:test:T1:ward-7": "rejected"}


async def test_a_fanout_begun_before_a_takeover_is_finished_however_late(world: World) -> None:
    """Its replica died mid fan-out; the takeover comes an hour later, past the grace window,
    and still finishes it: grace is for fires that never began."""
    names = ["ana", "ben", "cy", "dee", "eve"]
    await world.admin_makes_team("mo", members=tuple(names))
    assert (await world.say("mo", "create daily at 07:30 to team")).status == "ok"
    begun = [f"m:{MemberRef('test', 'T1', n).key}" for n in names[:3]]
    store = world.stores.deliveries
    await store.begin_deliveries(FIRE_KEY, begun, AT_0730, Unfenced())
    for done in begun[:2]:  # ana and ben had theirs; cy's was on its way
        await store.finish_delivery(FIRE_KEY, done, "sent")

    await world.run_until(AT_0730 + timedelta(hours=1))
    got = sorted(d.conversation.channel_id.removeprefix("D-") for d in world.messenger.sent)
    assert got == ["cy", "dee", "eve"]
    states = await store.delivery_states(FIRE_KEY)
    assert set(states.values()) == {"sent"}
    assert len(states) == 5


async def test_a_fire_that_never_began_is_still_skipped_past_the_grace_window(
    world: World,
) -> None:
    await channel_cadence(world)
    world.clock.set(AT_0730 + timedelta(hours=1))
    await world.runner.tick()
    assert world.messenger.sent == []


class Watching(RecordingMessenger):
    """Counts, at each message the platform gets, how many it has that Redis does not yet
    record as sent: what a crash at that moment could send a second time."""

    def __init__(self, redis: Redis) -> None:
        super().__init__()
        self.redis = redis
        self.most_unrecorded = 0

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        ref = await super().send(conversation, card, key=key, fence=fence)
        arrived = {d.key.partition("/")[2] for d in self.sent}
        states = await self.redis.hgetall(f"carenudge:delivery:{FIRE_KEY}")
        # Still not kept once Redis answers: all of these were out unrecorded at once.
        unrecorded = sum(states.get(recipient) != "sent" for recipient in arrived)
        self.most_unrecorded = max(self.most_unrecorded, unrecorded)
        return ref


async def test_no_more_messages_are_out_unrecorded_than_the_fanout_sends_at_once(
    redis: Redis, clock: FakeClock
) -> None:
    """A crash's window: the messages a replica could die having sent before it kept that
    it did. It is never wider than the fan-out's concurrency, which the README promises."""
    messenger = Watching(redis)
    world = build_world(redis, clock, messenger, fanout_concurrency=4)
    members = tuple(f"m{i:03d}" for i in range(200))
    await world.admin_makes_team("mo", members=members)
    await world.say("mo", "create daily at 07:30 to team")
    await world.run_until(AT_0730)
    assert len(messenger.sent) == len(members)
    assert 1 <= messenger.most_unrecorded <= 4
