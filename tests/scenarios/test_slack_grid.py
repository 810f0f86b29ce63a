"""Enterprise Grid and shared channels, with payloads in Slack's own shapes
(tests/fixtures/slack): an org-wide install and an org whose workspaces install one by one
both deliver; a person is one person across the org's workspaces and across commands, buttons
and the Home tab, including someone from another organisation in a Slack Connect channel; and
an uninstalled workspace's installation is deleted and no longer tried."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.app import ENGINE
from tests.conftest import RedisServer
from tests.fakes import ARRIVAL_S
from tests.fakes.clock import ManualClock, utc
from tests.scenarios.slack import SlackWorld, shape, slack_world, texts

pytestmark = pytest.mark.slow
ORG = "EHOSP"
ADMINS = frozenset({"slack:WADA"})


@pytest.fixture
async def grid(redis: Redis, redis_server: RedisServer) -> AsyncIterator[SlackWorld]:
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in slack_world(redis_server.url, clock, oauth=True, admins=ADMINS):
        yield world


def command(
    user: str, text: str, *, team: str, channel: str = "CWARD7", org_wide: bool
) -> dict[str, Any]:
    """A /nudge from ``user`` in workspace ``team`` of the org."""
    return shape("command.grid") | {
        "team_id": team,
        "user_id": user,
        "user_name": user.lower(),
        "channel_id": channel,
        "channel_name": channel.lower(),
        "text": text,
        "is_enterprise_install": "true" if org_wide else "false",
    }


def run_button(payload: dict[str, Any], user: str, command_words: str) -> dict[str, Any]:
    """Press one of CareNudge's shortcut buttons (the engine's ``nudge.run``), as ``user``."""
    button = payload["actions"][0] | {"action_id": "nudge.run#0", "value": command_words}
    return payload | {"user": payload["user"] | {"id": user}, "actions": [button]}


async def answered(world: SlackWorld, count: int) -> str:
    return texts((await world.api.wait_for_responses(count))[-1])


async def test_an_org_wide_install_delivers_prompts_to_every_workspace_of_the_org(
    grid: SlackWorld, redis: Redis
) -> None:
    grid.api.oauth_answer = shape("oauth.v2.access.org-wide")
    assert await grid.install() == 200
    assert await redis.exists(f"carenudge:slack:bot:{ORG}:-")

    ask = command("WADA", "manager add <@WMO|mo> to ward-7", team="TWARDS", org_wide=True)
    assert await grid.send_command(ask) == 200
    assert "now manages ward-7" in await answered(grid, 1)
    # Mo manages from another workspace of the same org.
    create = command(
        "WMO", "create daily at 13:00 to <#CWARD7|ward-7>", team="TCLINIC", org_wide=True
    )
    assert await grid.send_command(create) == 200
    await grid.api.wait_for_responses(2)
    grid.clock.set(utc(2026, 11, 30, 13, 0))
    [post] = await grid.api.wait_for("chat.postMessage")
    assert post["channel"] == "CWARD7"
    assert grid.api.tokens("chat.postMessage") == ["xoxb-hospital"]


async def test_in_an_org_a_person_is_one_person_in_every_workspace_command_button_and_tab(
    grid: SlackWorld,
) -> None:
    grid.api.oauth_answer = shape("oauth.v2.access.org-wide")
    assert await grid.install() == 200
    quiet = command("WADA", "quiet 21:00-06:00", team="TWARDS", org_wide=True)
    assert await grid.send_command(quiet) == 200
    await grid.api.wait_for_responses(1)

    elsewhere = command("WADA", "settings", team="TCLINIC", org_wide=True)
    assert await grid.send_command(elsewhere) == 200
    assert "21:00" in await answered(grid, 2)

    pressed = run_button(shape("block_actions.org-wide"), "WADA", "settings")
    status, _ = await grid.send_interaction(pressed)
    assert status == 200
    assert "21:00" in await answered(grid, 3)

    assert await grid.send_event(shape("app_home_opened.org-wide")) == 200
    [home] = await grid.api.wait_for("views.publish")
    assert home["user_id"] == "WADA"
    assert grid.api.tokens("views.publish") == ["xoxb-hospital"]


async def test_an_org_whose_workspaces_install_one_by_one_posts_with_each_ones_token(
    grid: SlackWorld, redis: Redis
) -> None:
    wards = shape("oauth.v2.access.grid-workspace")
    clinic = wards | {"access_token": "xoxb-clinic", "team": {"id": "TCLINIC", "name": "Clinic"}}
    for answer in (wards, clinic):
        grid.api.oauth_answer = answer
        assert await grid.install() == 200
    assert (
        await redis.exists(
            f"carenudge:slack:bot:{ORG}:TWARDS", f"carenudge:slack:bot:{ORG}:TCLINIC"
        )
        == 2
    )

    said = 0
    for user, text, team, channel in (
        ("WADA", "manager add <@WMO|mo> to ward-7", "TWARDS", "CWARD7"),
        ("WMO", "create daily at 13:00 to <#CWARD7|ward-7>", "TWARDS", "CWARD7"),
        ("WADA", "manager add <@WMO|mo> to clinic", "TCLINIC", "CCLINIC"),
        ("WMO", "create daily at 13:00 to <#CCLINIC|clinic> team clinic", "TCLINIC", "CCLINIC"),
        ("WMO", "quiet 22:00-06:00", "TWARDS", "CWARD7"),
    ):
        ask = command(user, text, team=team, channel=channel, org_wide=False)
        assert await grid.send_command(ask) == 200
        said += 1
        await grid.api.wait_for_responses(said)
    # Mo's own settings, made in one workspace, are theirs in the other.
    ask = command("WMO", "settings", team="TCLINIC", channel="CCLINIC", org_wide=False)
    assert await grid.send_command(ask) == 200
    assert "22:00" in await answered(grid, said + 1)

    grid.clock.set(utc(2026, 11, 30, 13, 0))
    posts = await grid.api.wait_for("chat.postMessage", 2)
    sent = {
        call.params["channel"]: call.token
        for call in grid.api.calls
        if call.method == "chat.postMessage"
    }
    assert {p["channel"] for p in posts} == {"CWARD7", "CCLINIC"}
    assert sent == {"CWARD7": "xoxb-wards", "CCLINIC": "xoxb-clinic"}


async def test_someone_from_another_organisation_in_a_shared_channel_is_one_person(
    redis: Redis, redis_server: RedisServer
) -> None:
    """Kaz, from another organisation, in a Slack Connect channel of this workspace: a
    button press names Kaz's own team and org; the command named this workspace."""
    clock = ManualClock(utc(2026, 11, 30, 12, 0))
    async for world in slack_world(redis_server.url, clock):
        quiet = command("WKAZ", "quiet 22:00-06:00", team="T1", channel="CSHARED", org_wide=False)
        assert await world.send_command(quiet | {"enterprise_id": "", "enterprise_name": ""}) == 200
        await world.api.wait_for_responses(1)
        pressed = run_button(shape("block_actions.connect"), "WKAZ", "settings")
        status, _ = await world.send_interaction(pressed)
        assert status == 200
        assert "22:00" in await answered(world, 2)


@pytest.mark.parametrize("event", ["app_uninstalled", "tokens_revoked"])
async def test_an_uninstalled_workspace_is_deleted_and_no_longer_tried(
    grid: SlackWorld, redis: Redis, event: str
) -> None:
    assert await grid.install() == 200  # Ward 9, T9
    assert await grid.command_in("T9", "WADA", "manager add <@UMO|mo> to ward-9") == 200
    await grid.api.wait_for_responses(1)
    assert await grid.command_in("T9", "UMO", "create daily at 13:00 to <#C9|ward-9>") == 200
    await grid.api.wait_for_responses(2)

    assert await grid.send_event(shape(event)) == 200
    await gone(redis, "carenudge:slack:installation:-:T9", "carenudge:slack:bot:-:T9")
    assert await grid.command_in("T9", "UMO", "list") == 200
    [*_, answer] = await grid.api.wait_for_responses(3)
    assert "isn't installed in this workspace" in texts(answer)

    # While it is away its cadence stops: nothing is tried with the old token.
    tried = len(grid.api.calls)
    grid.clock.set(utc(2026, 11, 30, 13, 0))
    await last_fire_recorded(grid, "c1")
    assert not [c for c in grid.api.calls[tried:] if c.method == "chat.postMessage"]

    # Installed again: Mo, who manages it, is told once that it is back.
    assert await grid.install() == 200
    [told] = await grid.api.wait_for_posts("DUMO")
    assert "CareNudge is back, and so is c1" in texts(told)
    assert "couldn't reach #ward-9" in texts(told)
    assert grid.api.tokens("chat.postMessage")[-1] == "xoxb-ward-9"
    # ... and it goes out again from its next time.
    grid.clock.set(utc(2026, 12, 1, 13, 0))
    [prompt] = await grid.api.wait_for_posts("C9")
    assert prompt["channel"] == "C9"


async def last_fire_recorded(world: SlackWorld, cadence: str) -> None:
    """Until the cadence's last fire is recorded (one that could send nothing makes no call
    to wait for)."""
    reach = world.client.app[ENGINE].stores.reach
    async with asyncio.timeout(ARRIVAL_S):
        while not (await reach.summaries([cadence])).get(cadence):  # noqa: ASYNC110 - Redis
            await asyncio.sleep(0.02)


async def gone(redis: Redis, *keys: str) -> None:
    """Until ``keys`` are deleted: an event is acknowledged before it is acted on."""
    async with asyncio.timeout(ARRIVAL_S):
        while await redis.exists(*keys):  # noqa: ASYNC110 - a delete in Redis: nothing to await
            await asyncio.sleep(0.02)


async def test_a_request_from_an_installed_workspace_does_not_wait_for_auth_test_each_time(
    grid: SlackWorld,
) -> None:
    assert await grid.install() == 200
    for said in (1, 2, 3):
        assert await grid.command_in("T9", "WADA", "help") == 200
        await grid.api.wait_for_responses(said)
    # One when it was installed, one for the first request: Bolt remembers the answer.
    assert len(grid.api.called("auth.test")) == 2
