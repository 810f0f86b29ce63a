"""What restoring Redis from a snapshot does, as the README says: the deliveries made since
the snapshot are forgotten, so a fire since then that is still within the grace window goes
to everyone again; started with a short grace window, the restored bot skips it instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from nudges.model import Member, MemberRef, MemberSettings, Role
from tests.conftest import RedisServer, World, build_world, start_redis
from tests.fakes.clock import FakeClock, utc

pytestmark = pytest.mark.slow

PEOPLE = 100
AT = utc(2026, 12, 1, 7, 30)


@pytest.fixture
async def snapshotting(tmp_path: Path) -> AsyncIterator[tuple[RedisServer, Path]]:
    """A Redis of this test's own, whose snapshot file it can restore."""
    server = start_redis(tmp_path)
    yield server, tmp_path
    server.stop()


async def a_team_due_at_0730(world: World) -> None:
    await world.admin_makes_team("mo")
    people = world.stores.people
    for i in range(PEOPLE):
        ref = MemberRef("test", "T1", f"m{i:03d}")
        await people.set_role(ref.workspace, "ward-7", Role.MEMBER, ref, True)
        await people.save_member(Member(ref, ref.user_id, MemberSettings(quiet_off=True)))
    assert (await world.say("mo", "create daily at 07:30 to team")).status == "ok"


async def restored(server: RedisServer, folder: Path) -> RedisServer:
    """Redis stopped without saving, and started again from the snapshot on disk."""
    assert server.process is not None
    server.process.kill()
    server.process.wait(timeout=10)
    return start_redis(folder, server.port)


@pytest.mark.parametrize(
    ("grace", "restart_at", "sent_again"),
    [
        (timedelta(minutes=15), AT + timedelta(minutes=1), PEOPLE),
        (timedelta(minutes=1), AT + timedelta(minutes=5), 0),
    ],
    ids=["within the grace window", "started with a short grace window"],
)
async def test_a_restored_snapshot_forgets_the_deliveries_made_since(
    snapshotting: tuple[RedisServer, Path],
    grace: timedelta,
    restart_at: datetime,
    sent_again: int,
) -> None:
    server, folder = snapshotting
    redis = Redis.from_url(server.url, decode_responses=True)
    world = build_world(redis, FakeClock(utc(2026, 12, 1, 7, 0)), default_tz="UTC")
    await a_team_due_at_0730(world)
    await redis.save()  # the nightly backup, taken before the fan-out
    await world.run_until(AT)
    assert len(world.messenger.sent) == PEOPLE
    await redis.aclose()

    again = await restored(server, folder)
    redis = Redis.from_url(again.url, decode_responses=True)
    try:
        clock = FakeClock(restart_at)
        after = build_world(redis, clock, default_tz="UTC", grace=grace)
        await after.runner.tick()
        assert len(after.messenger.sent) == sent_again
    finally:
        await redis.aclose()
        again.stop()
