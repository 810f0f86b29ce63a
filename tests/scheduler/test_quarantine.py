"""A fire whose stored payload this release cannot read (a newer release wrote it, or someone
changed it by hand) is set aside once, with one line in the log, instead of failing every 30
seconds for ever; the rest of the team goes on, ``/nudge list`` still works, the reconciler
leaves it alone, and a replica starting gives it another chance."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from nudges.cards import plain
from tests.conftest import World
from tests.fakes.clock import utc

AT_0730 = utc(2026, 12, 1, 7, 30)


async def two_cadences_one_unreadable(world: World) -> None:
    """c1 to #ward-7 and c2 to #icu, both weekdays at 07:30; c1 then saved by 'a newer
    release' (a version this one does not know)."""
    await world.admin_makes_team("mo")
    for channel in ("ward-7", "icu"):
        reply = await world.say("mo", f"create weekdays at 07:30 to #{channel}")
        assert reply.status == "ok", plain(reply.card)
    newer = {**await world.stored("carenudge:cadence:c1"), "v": 2}
    await world.redis.set("carenudge:cadence:c1", json.dumps(newer))


async def test_an_unreadable_cadence_is_set_aside_once_and_the_rest_goes_on(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await two_cadences_one_unreadable(world)
    with caplog.at_level(logging.WARNING):
        await world.run_until(AT_0730)
        await world.run_until(AT_0730 + timedelta(minutes=5))  # well past a lease: not retried

    assert [d.conversation.channel_id for d in world.messenger.sent] == ["icu"]
    aside = await world.queue.quarantined()
    assert [a.fire_id for a in aside] == ["c:c1"]
    assert "unsupported payload version: 2" in aside[0].reason
    said = [r for r in caplog.records if "c:c1" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in said]  # said once
    assert said[0].levelno == logging.ERROR
    assert said[0].exc_info is None  # in plain words, without a traceback
    assert "carenudge doctor" in said[0].getMessage()
    assert world.runner.failures == 1


async def test_the_reconciler_leaves_a_fire_set_aside_alone(world: World) -> None:
    await two_cadences_one_unreadable(world)
    await world.run_until(AT_0730)
    assert await world.engine.reconcile() == 0
    assert await world.queue.scheduled(["c:c1"]) == [None]
    assert [a.fire_id for a in await world.queue.quarantined()] == ["c:c1"]


async def test_the_team_can_still_list_its_cadences_and_is_told_which_is_on_hold(
    world: World,
) -> None:
    await two_cadences_one_unreadable(world)
    listed = await world.say("mo", "list")
    assert listed.status == "ok"
    text = plain(listed.card)
    assert "c2 · Weekdays at 07:30 · #icu" in text
    assert "c1 · This version of CareNudge can't read how this was saved" in text
    assert "carenudge doctor" in text


async def test_showing_an_unreadable_cadence_says_so_kindly(world: World) -> None:
    await two_cadences_one_unreadable(world)
    reply = await world.say("mo", "show c1")
    assert reply.status == "error"
    assert "I can't read what I kept about that" in plain(reply.card)
    assert "Nothing was changed" in plain(reply.card)


async def test_a_replica_starting_gives_a_fire_set_aside_another_chance(world: World) -> None:
    await two_cadences_one_unreadable(world)
    await world.run_until(AT_0730 + timedelta(hours=1))
    readable = {
        **await world.stored("carenudge:cadence:c2"),
        "id": "c1",
        "audience": {"channel": ["test", "T1", "ward-7", "channel", None], "name": "ward-7"},
    }
    await world.redis.set("carenudge:cadence:c1", json.dumps(readable))  # "after an upgrade"

    assert await world.queue.release_quarantined(world.clock.now()) == 1
    assert await world.queue.quarantined() == []
    # Back at its own instant, an hour past, beyond the grace window: skipped, not sent late,
    # and its next instant planned as for any missed fire.
    await world.run_until(AT_0730 + timedelta(hours=2))
    assert [d.conversation.channel_id for d in world.messenger.sent] == ["icu"]
    await world.run_until(AT_0730 + timedelta(days=1))
    tomorrow = sorted(d.conversation.channel_id for d in world.messenger.sent[1:])
    assert tomorrow == ["icu", "ward-7"]


async def test_a_fire_planned_anew_leaves_the_quarantine(world: World) -> None:
    await two_cadences_one_unreadable(world)
    await world.run_until(AT_0730)
    await world.queue.put([("c:c1", AT_0730 + timedelta(days=1))])
    assert await world.queue.quarantined() == []


async def test_an_unreadable_one_off_job_is_set_aside_too(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.command("pause", "mo", "")
    assert reply.status == "ok", plain(reply.card)
    [job_id] = [j async for j in world.stores.jobs.ids()]
    await world.redis.set(f"carenudge:once:{job_id}", json.dumps({"v": 7, "kind": "pause-close"}))

    await world.run_until(world.clock.now() + timedelta(minutes=5))
    assert [a.fire_id for a in await world.queue.quarantined()] == [job_id]
    assert await world.engine.reconcile() == 0  # not put back in the queue behind our back
