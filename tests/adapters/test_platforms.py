"""Each platform is a unit the web app mounts without knowing which it is: its name is its
addresses' platform, its routes are what it serves, and it starts and stops on its own."""

from __future__ import annotations

from aiohttp import web
from redis.asyncio import Redis

from adapters import console, slack, teams
from adapters.platform import Host, Platform
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.settings import Settings
from bot.wiring import build_core
from nudges.settings import Secret
from tests.fakes.clock import FakeClock, utc


def served(platform: Platform) -> list[str]:
    app = web.Application()
    platform.mount(app)
    return sorted(f"{r.method} {r.resource.canonical}" for r in app.router.routes() if r.resource)


async def mounted(platform: Platform) -> list[str]:
    await platform.start()
    try:
        return served(platform)
    finally:
        await platform.stop()


async def test_each_platform_mounts_its_own_routes_and_nothing_else(redis: Redis) -> None:
    clock = FakeClock(utc(2026, 11, 30, 12, 0))
    core = build_core(Settings(), redis, clock=clock)
    host = Host(core.engine, redis, core.keys, clock)
    lines: list[str] = []
    built: list[Platform] = [
        slack.build(SlackSettings(signing_secret=Secret("s"), bot_token=Secret("xoxb-1")), host),
        teams.build(TeamsSettings(), host),
        console.build(console.ConsoleSettings(lines.append, "Europe/London"), host),
    ]
    assert [p.name for p in built] == ["slack", "teams", "sandbox"]
    assert [await mounted(p) for p in built] == [
        ["POST /slack/events"],
        ["POST /api/messages"],
        [],
    ]


async def test_slack_in_socket_mode_serves_no_events_endpoint(redis: Redis) -> None:
    clock = FakeClock(utc(2026, 11, 30, 12, 0))
    core = build_core(Settings(), redis, clock=clock)
    socket = SlackSettings(
        signing_secret=Secret(""), bot_token=Secret("xoxb-1"), app_token=Secret("xapp-1")
    )
    platform = slack.build(socket, Host(core.engine, redis, core.keys, clock))
    assert served(platform) == []
