"""CareNudge in Microsoft 365 Agents Playground, Microsoft's local Teams client: a real
``carenudge run`` (Teams without authentication, on loopback), the Playground's server as its
Bot Connector, and the Playground's own web UI in headless Chromium, where a person types in
their 1:1 chat and presses a card's button. Every message and card CareNudge sends is checked
by the Playground, and anything it flags fails the test.

Run by ``make playground`` (needs Node.js, npm and Chromium; skipped without them).
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from tests.conftest import RedisServer
from tests.scenarios import process
from tests.scenarios.playground import (
    Chat,
    browser,
    installed,
    running_browser,
    running_playground,
)

pytestmark = [pytest.mark.playground, pytest.mark.timeout(300)]


async def forget(redis_url: str, prefix: str) -> None:
    """Delete every key the run wrote under its own prefix."""
    client = Redis.from_url(redis_url, decode_responses=True)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def explain(bot: process.Bot, chat: Chat) -> None:
    """Print what each side logged, for a failure's report."""
    panel: list[str] = []
    flagged: list[str] = []
    with contextlib.suppress(Exception):
        panel, flagged = await chat.log_panel(), await chat.problems()
    report = [
        f"carenudge's log:\n{bot.logged()[-3000:]}",
        f"the Playground's log:\n{chat.playground.logged()}",
        "its log panel:\n  " + "\n  ".join(panel),
        "flagged:\n  " + "\n  ".join(flagged),
    ]
    print("\n\n".join(report))  # noqa: T201 - shown with the failure


async def test_a_person_tries_carenudge_in_the_playground_and_it_flags_nothing(
    redis_server: RedisServer, tmp_path: Path, teams_transport: str
) -> None:
    cli, chromium = installed(), browser()
    prefix = f"playground-{uuid.uuid4().hex[:8]}"
    settings = {
        "CARENUDGE_KEY_PREFIX": prefix,
        "HOST": "127.0.0.1",
        "CARENUDGE_TEAMS_TRANSPORT": teams_transport,
    }
    try:
        async with (
            # Teams only: no Slack variables, so Slack is not served.
            process.running_bot(
                redis_server.url, "", tmp_path / "carenudge.log", settings=settings
            ) as bot,
            aiohttp.ClientSession() as http,
            running_playground(
                cli, f"{bot.base}/api/messages", tmp_path / "playground", http
            ) as playground,
            running_browser(chromium, tmp_path / "chromium", http) as page,
        ):
            chat = Chat(page, playground)
            try:
                await scenario(chat, http)
                flagged = await chat.problems()
                assert not flagged, "the Playground flagged:\n" + "\n".join(flagged)
            except BaseException:
                await explain(bot, chat)
                raise
            assert bot.running, bot.logged()[-2000:]
        assert bot.process.returncode == 0, bot.logged()[-2000:]
        assert "Traceback" not in bot.logged(), bot.logged()[-3000:]
    finally:
        await forget(redis_server.url, prefix)


async def scenario(chat: Chat, http: aiohttp.ClientSession) -> None:
    """Alex Wilber (the Playground's own user) adds CareNudge and tries it in their 1:1 chat."""
    playground = chat.playground
    await chat.open()

    # Opening the UI installs the app in the personal chat: the welcome arrives.
    welcome = (await chat.from_bot())[0]
    assert "Hello, I'm CareNudge" in welcome.text
    assert "I never score or rank anyone" in welcome.text
    assert "nudge stop" in welcome.text

    answer = await chat.say("nudge help")
    assert "CareNudge: small, kind acts, made easy" in answer.text
    assert "Done is counted for the team, never by name" in answer.text
    assert "Type nudge help" in answer.text  # as Teams users type it: no slash
    assert "/nudge" not in answer.text

    answer = await chat.say("nudge settings")
    assert "Your settings" in answer.text
    for line in ("Nudges\n\nOn", "Time zone\n\nUTC", "Quiet hours\n\n20:00 to 07:00"):
        assert line in answer.text
    own_id = answer.text.rsplit("CARENUDGE_ADMINS: ", 1)[-1]
    assert re.fullmatch(r"teams:[0-9a-f-]+:user-id-0", own_id), own_id  # tenant and all

    # A colleague, Megan Bowen, asks CareNudge for help in the team's group chat (mocked, the
    # Playground's "Mock an Activity": its UI only ever types as Alex). CareNudge answers
    # her privately, in a 1:1 chat of her own it opens through the Playground.
    megan = next(u for u in playground.context["users"] if u["name"] == "Megan Bowen")
    group = playground.context["groupChats"][0]["id"]
    mark = len(playground.exchanges)
    await playground.mock_message(http, megan, group, "nudge help")

    async def helped() -> bool | None:
        sent = json.dumps(playground.sent_by_bot(mark))
        return True if "CareNudge: small, kind acts, made easy" in sent else None

    await chat.wait("CareNudge's help to Megan", helped)
    assert any(e.activity == "createConversation" for e in playground.exchanges[mark:])

    # Now CareNudge knows her by name: Alex thanks her.
    mark = len(playground.exchanges)
    answer = await chat.say("shoutout Megan Bowen for covering my break during the evening rush")
    assert "Shout-out s1 sent privately" in answer.text
    assert "Tagged Helping" in answer.text
    assert {"Attending", "Understanding", "Empathising", "Helping"} <= set(answer.buttons)

    async def thanked() -> bool | None:
        sent = [json.dumps(a) for a in playground.sent_by_bot(mark)]
        to_her = [a for a in sent if "Alex Wilber recognised you" in a]
        return True if any("covering my break" in a for a in to_her) else None

    await chat.wait("the shout-out to reach Megan", thanked)

    # A card's button: Alex retags it, through the card as the Playground renders it.
    answer = await chat.press("Empathising")
    assert "Tag changed" in answer.text
    assert "s1 is now tagged Empathising" in answer.text

    # The form managers open to create a cadence.
    answer = await chat.say("nudge create")
    assert "New cadence" in answer.text
    for label in ("Who gets it", "Days", "Time of day", "Time zone", "Theme"):
        assert label in answer.text
    assert "Preview" in answer.buttons

    # Its Preview, with the form's defaults, as the Playground's renderer collects them.
    answer = await chat.press("Preview")
    assert "Weekdays at 07:30 (UTC)" in answer.text
    assert "A mix of all six" in answer.text
    assert answer.buttons == ("Save",)

    # Alex manages no team, so Save is refused, in place of the preview.
    shown = len(await chat.messages())
    answer = await chat.press("Save")
    assert "Only a team's managers can do that, and you don't manage a team yet" in answer.text
    assert len(await chat.messages()) == shown
