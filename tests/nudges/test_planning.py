"""Planning again (a member's time zone, shift or team changes) never moves a fire that is
already due and waiting to be taken."""

from __future__ import annotations

from nudges.cards import plain
from tests.conftest import World
from tests.fakes.clock import utc


async def test_a_change_at_the_very_instant_of_a_fire_does_not_skip_it(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "nina"))
    reply = await world.say("mo", "create daily at 08:00 to team local time")
    assert reply.status == "ok", plain(reply.card)
    world.clock.set(utc(2026, 12, 1, 8, 0))  # the fire is due; the runner has not taken it
    moved = await world.say("nina", "tz America/New_York", where="dm")  # her fires move
    assert moved.status == "ok", plain(moved.card)
    await world.runner.tick()
    assert [d.conversation.channel_id for d in world.messenger.sent] == ["D-sam"]
    await world.run_until(utc(2026, 12, 1, 13, 0))  # 08:00 in New York
    assert [d.conversation.channel_id for d in world.messenger.sent] == ["D-sam", "D-nina"]
