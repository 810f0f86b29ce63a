"""Microsoft 365 Agents Playground, Microsoft's local Teams client, in front of a real
``carenudge run``: its own server (the Bot Connector CareNudge answers), and its own web UI in
headless Chromium, used as a person uses it, over the Chrome DevTools Protocol.

What the Playground checks, and where it says so (read from its package,
``dist/index.js`` and ``dist/client/static/js/main.*.js``, version 0.2.28):

- Its server validates every activity the bot posts to ``/_connector`` (zod schemas: the type,
  text format, attachments, mention entities) and answers 400 to one it refuses; each exchange
  is streamed, with its status and bodies, on ``/_ws/log/stream``.
- Its web UI renders each card with the Adaptive Cards SDK and writes to its log panel a
  "(!) Warning: …" for what it cannot show (a card type, a carousel, a card feature) and an
  "Error: …" for an attachment it does not know.

The UI sends what the person types to ``/_conversation/v1/conversations/{id}/messages`` and a
pressed ``Action.Submit`` as a message activity with its value; another person's message can
only be mocked ("Mock an Activity", which posts ``/_internal/v1/customActivities``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import aiohttp
import pytest

from tests.scenarios.process import ROOT, free_port

PACKAGE = ROOT / "tests" / "playground"
"""The pinned Playground: ``package.json`` and its ``package-lock.json``."""
CACHE = Path(
    os.environ.get("CARENUDGE_PLAYGROUND_CACHE")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "carenudge-playground"
)
"""Where ``npm ci`` installs it, once per lock file."""
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
KNOWN_LIMITS = (
    # CareNudge asks Teams for full-width cards (msteams.width, adapters/teams/render.py); the
    # Playground lists "Full-width control" among the card features it does not show.
    "Full width control is not supported yet in Microsoft 365 Agents playground",
)
"""Warnings about what the Playground itself cannot show, not about CareNudge's cards."""
APP = "User Application"
"""How the Playground names the bot in its log."""

T = TypeVar("T")


def missing(reason: str) -> NoReturn:
    """Skip for want of a tool, unless CI asked for the Playground to run
    (``CARENUDGE_PLAYGROUND_REQUIRED``): there, a skip would be a green that checked nothing."""
    if os.environ.get("CARENUDGE_PLAYGROUND_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


def installed() -> Path:
    """The pinned Playground's ``cli.js``, installed with ``npm ci`` into the cache if it is not
    there yet. Skips the test when Node.js or npm is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing("Microsoft 365 Agents Playground needs Node.js and npm (apt-get install npm)")
    manifest = [PACKAGE / "package.json", PACKAGE / "package-lock.json"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in manifest)).hexdigest()[:16]
    home = CACHE / digest
    cli = home / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
    if cli.is_file():
        return cli
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = CACHE / f"{digest}.{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    for path in manifest:
        shutil.copy(path, staging / path.name)
    done = subprocess.run(
        [npm, "ci", "--prefix", str(staging), "--no-audit", "--no-fund", "--ignore-scripts"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.fail(f"npm ci of the Playground failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    try:
        staging.rename(home)
    except OSError:  # another run installed it first
        shutil.rmtree(staging, ignore_errors=True)
    assert cli.is_file(), f"npm ci did not install {cli}"
    return cli


def browser() -> str:
    """A Chromium to run the Playground's web UI in (``CARENUDGE_CHROMIUM`` if set). Skips the
    test when there is none."""
    for name in (os.environ.get("CARENUDGE_CHROMIUM", ""), *BROWSERS):
        found = shutil.which(name) if name else None
        if found:
            return found
    missing("the Playground's web UI needs Chromium (apt-get install chromium-headless-shell)")


def text_of(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_browser_opener(directory: Path) -> Path:
    """A folder with an ``xdg-open`` that does nothing. The Playground opens a browser at start
    unless TEAMSAPPTESTER_BROWSER=none; should that ever change, this one opens nothing."""
    bin_ = folder(directory / "bin")
    (bin_ / "xdg-open").write_text("#!/bin/sh\nexit 0\n")
    (bin_ / "xdg-open").chmod(0o755)
    return bin_


async def until(what: str, check: Callable[[], Awaitable[T | None]], seconds: float = 20) -> T:
    """Poll ``check`` until it returns something other than None, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        found = await check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


async def stop(process: asyncio.subprocess.Process, seconds: float = 15) -> None:
    """SIGTERM to the process group it leads, then SIGKILL if it is still there after
    ``seconds``."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()


# --- the Playground's server ---------------------------------------------------------------


@dataclass
class Exchange:
    """One request between the Playground and CareNudge, as its log panel lists it."""

    sender: str
    activity: str
    status: int
    request: dict[str, Any]
    response: Any

    @property
    def refused(self) -> bool:
        return not 200 <= self.status < 300

    def __str__(self) -> str:
        return (
            f"{self.sender} sent {self.activity}, answered {self.status}: "
            f"{json.dumps(self.response)[:600]}\n  request: {json.dumps(self.request)[:1500]}"
        )


@dataclass
class Playground:
    """The Playground's server: its address, the context it plays (tenant, people, chats) and
    every exchange it has logged."""

    base: str
    context: dict[str, Any]
    log_file: Path
    exchanges: list[Exchange] = field(default_factory=list)

    def sent_by_bot(self, since: int = 0) -> list[dict[str, Any]]:
        """The activities CareNudge posted to the Playground, from exchange ``since`` on."""
        return [
            e.request for e in self.exchanges[since:] if e.sender == APP and e.activity == "message"
        ]

    def refused(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.refused]

    def logged(self) -> str:
        return text_of(self.log_file)[-3000:]

    async def read(self, stream: aiohttp.ClientWebSocketResponse) -> None:
        """Keep each exchange its log stream reports (its text lines are in its log panel)."""
        async for message in stream:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            item = json.loads(message.data).get("log") or {}
            if item.get("type") == "bot":
                self.exchanges.append(
                    Exchange(
                        sender=str(item.get("from")),
                        activity=str(item.get("activityName")),
                        status=int((item.get("response") or {}).get("statusCode") or 0),
                        request=(item.get("request") or {}).get("body") or {},
                        response=(item.get("response") or {}).get("body"),
                    )
                )

    async def mock_message(
        self, http: aiohttp.ClientSession, person: dict[str, Any], chat: str, text: str
    ) -> None:
        """``person`` @mentions the bot with ``text`` in the group chat ``chat``: the
        Playground's "Mock an Activity", on the template it offers for that chat."""
        url = f"{self.base}/_internal/v1/customActivities"
        query = {"conversationId": chat, "type": "userAdded"}
        async with http.get(f"{url}/template", params=query) as answer:
            assert answer.status == 200, await answer.text()
            template = await answer.json()
        bot = self.context["bot"]
        activity = {k: v for k, v in template.items() if k != "membersAdded"}
        activity |= {
            "id": str(uuid.uuid4()),
            "type": "message",
            "from": {
                "id": person["id"],
                "name": person["name"],
                "aadObjectId": person["aadObjectId"],
            },
            "text": f"<at>{bot['name']}</at> {text}",
            "textFormat": "plain",
            "entities": [
                {"type": "mention", "text": f"<at>{bot['name']}</at>", "mentioned": bot},
            ],
        }
        async with http.post(url, json=activity) as answer:
            assert answer.status == 200, await answer.text()


@contextlib.asynccontextmanager
async def running_playground(
    cli: Path, endpoint: str, directory: Path, http: aiohttp.ClientSession
) -> AsyncIterator[Playground]:
    """The Playground's server for the bot at ``endpoint``, once it answers its ping, with its
    log stream read."""
    quiet = no_browser_opener(directory)
    port = free_port()
    out = directory / "stdout.txt"
    env = {
        **os.environ,
        "PATH": f"{quiet}{os.pathsep}{os.environ.get('PATH', '')}",
        "TEAMSAPPTESTER_BROWSER": "none",
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(directory / "playground.log"),
    }
    with out.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            shutil.which("node") or "node",
            str(cli),
            "start",
            "--app-endpoint",
            endpoint,
            "--channel-id",
            "msteams",
            "--port",
            str(port),
            "--disable-telemetry",
            # Its built-in context (people, chats, a team): no .m365agentsplayground.yml here.
            cwd=directory,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        async def listening() -> int | None:
            assert process.returncode is None, text_of(out)
            found = re.search(r"Listening on (\d+)", text_of(out))
            return int(found.group(1)) if found else None

        # It moves to another port if this one was taken meanwhile, and says which.
        port = await until("the Playground to listen", listening, 30)
        base = f"http://127.0.0.1:{port}"

        async def pong() -> bool | None:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base}/_debug/ping") as answer:
                    return True if answer.status == 200 else None
            return None

        await until("the Playground to answer /_debug/ping", pong)
        async with http.get(f"{base}/_internal/v1/testConfig") as answer:
            context = (await answer.json())["config"]
        playground = Playground(base, context, directory / "playground.log")
        stream = await http.ws_connect(f"ws://127.0.0.1:{port}/_ws/log/stream")
        reader = asyncio.create_task(playground.read(stream))
        try:
            yield playground
        finally:
            await stream.close()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
    finally:
        await stop(process)


# --- its web UI, in a browser --------------------------------------------------------------


class DevTools:
    """One page of the browser, over the Chrome DevTools Protocol (JSON on a websocket). Keeps
    what the page throws or logs as an error."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.errors: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            data = json.loads(message.data)
            if "id" in data:
                waiting = self.waiting.pop(data["id"], None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(data)
            elif data.get("method") == "Runtime.exceptionThrown":
                details = data["params"]["exceptionDetails"]
                thrown = (details.get("exception") or {}).get("description") or details["text"]
                self.errors.append(f"uncaught: {thrown}"[:1000])
            elif data.get("method") == "Runtime.consoleAPICalled" and data["params"]["type"] in (
                "error",
                "assert",
            ):
                words = [str(a.get("value", a.get("description"))) for a in data["params"]["args"]]
                self.errors.append(f"console.error: {' '.join(words)}"[:1000])
        for waiting in self.waiting.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError("the browser closed its DevTools socket"))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        answer = self.waiting[number] = asyncio.get_running_loop().create_future()
        await self.socket.send_json({"id": number, "method": method, "params": params})
        data = await asyncio.wait_for(answer, 15)
        assert "error" not in data, f"{method}: {data['error']}"
        result: dict[str, Any] = data["result"]
        return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    async def close(self) -> None:
        await self.socket.close()
        self.reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.reader


@contextlib.asynccontextmanager
async def running_browser(
    binary: str, directory: Path, http: aiohttp.ClientSession
) -> AsyncIterator[DevTools]:
    """Headless Chromium, offline (every host but this machine's unresolvable), with its one
    page's DevTools connected."""
    profile = folder(directory / "profile")
    with (directory / "chromium.log").open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--window-size=1600,1000",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        async def debugging_port() -> int | None:
            assert process.returncode is None, text_of(directory / "chromium.log")
            lines = text_of(profile / "DevToolsActivePort").split()
            return int(lines[0]) if lines else None

        port = await until("Chromium's DevTools port", debugging_port)

        async def page() -> str | None:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/json/list") as answer:
                    pages = [t for t in await answer.json() if t["type"] == "page"]
                    return str(pages[0]["webSocketDebuggerUrl"]) if pages else None
            return None

        socket = await http.ws_connect(await until("a page in Chromium", page), max_msg_size=0)
        tools = DevTools(socket)
        try:
            await tools.call("Runtime.enable")
            yield tools
        finally:
            await tools.close()
    finally:
        await stop(process)


@dataclass(frozen=True)
class Message:
    """A message in the open chat, as the person sees it."""

    from_bot: bool
    text: str
    buttons: tuple[str, ...]


MESSAGES = """[...document.querySelectorAll('[aria-label="Message header"]')].map(header => {
  const body = header.nextElementSibling;
  return {
    bot: header.querySelector('[aria-label="Message author"]') !== null,
    text: body ? body.innerText : "",
    buttons: body ? [...body.querySelectorAll("button")].map(b => b.innerText.trim())
      .filter(Boolean) : [],
  };
})"""
LOG_PANEL = """(() => {
  const panel = document.querySelector('[contenteditable="true"]:not([role="textbox"])');
  return panel ? [...panel.children].map(item => item.innerText.trim()).filter(Boolean) : null;
})()"""
COMPOSE = 'document.querySelector(\'[role="textbox"][contenteditable="true"]\')'
BUTTON = """((label) => {
  const bodies = [...document.querySelectorAll('[aria-label="Message header"]')]
    .map(header => header.nextElementSibling);
  for (let i = bodies.length - 1; i >= 0; i--) {
    const button = bodies[i] && [...bodies[i].querySelectorAll("button")]
      .find(b => b.innerText.trim() === label);
    if (button) {
      button.scrollIntoView({block: "center"});
      const box = button.getBoundingClientRect();
      return {message: i, x: box.x + box.width / 2, y: box.y + box.height / 2};
    }
  }
  return null;
})"""


@dataclass
class Chat:
    """The Playground's web UI on its personal chat with the bot: a person types and presses
    buttons there, and reads what arrives."""

    page: DevTools
    playground: Playground

    async def open(self) -> None:
        """Load the UI (which installs the app in the personal chat, as Teams does) and wait
        for its compose box."""
        await self.page.call("Page.navigate", url=self.playground.base + "/")

        async def ready() -> bool | None:
            return True if await self.page.evaluate(f"{COMPOSE} !== null") else None

        await until("the Playground's compose box", ready, 30)

    async def messages(self) -> list[Message]:
        found = await self.page.evaluate(MESSAGES)
        return [Message(m["bot"], m["text"], tuple(m["buttons"])) for m in found or []]

    async def log_panel(self) -> list[str]:
        return list(await self.page.evaluate(LOG_PANEL) or [])

    async def wait(self, what: str, check: Callable[[], Awaitable[T | None]]) -> T:
        """``until``, failing at once if the Playground refuses what the bot sends."""

        async def checked() -> T | None:
            refused = self.playground.refused()
            assert not refused, "the Playground refused:\n" + "\n".join(map(str, refused))
            return await check()

        return await until(what, checked)

    async def from_bot(self, since: int = 0, count: int = 1) -> list[Message]:
        """The bot's messages from message ``since`` on, once there are ``count``."""

        async def arrived() -> list[Message] | None:
            found = [m for m in (await self.messages())[since:] if m.from_bot]
            return found if len(found) >= count else None

        return await self.wait(f"{count} message(s) from the bot", arrived)

    async def say(self, text: str) -> Message:
        """Type ``text`` in the compose box and press Enter; the bot's answer."""
        before = len(await self.messages())
        assert await self.page.evaluate(f"{COMPOSE}.innerText.trim()") == "", "compose box in use"
        await self.page.evaluate(f"{COMPOSE}.focus()")
        await self.page.call("Input.insertText", text=text)
        for kind in ("keyDown", "keyUp"):
            await self.page.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Enter",
                code="Enter",
                windowsVirtualKeyCode=13,
                **({"text": "\r"} if kind == "keyDown" else {}),
            )

        async def answered() -> Message | None:
            new = (await self.messages())[before:]
            mine = [i for i, m in enumerate(new) if not m.from_bot and m.text.strip() == text]
            answers = [m for m in new[mine[0] :] if m.from_bot] if mine else []
            return answers[0] if answers else None

        return await self.wait(f"an answer to {text!r}", answered)

    async def press(self, label: str) -> Message:
        """Click the button ``label`` on the newest card that has one; the bot's answer: a new
        message, or that card as the bot changed it in place."""
        shown = await self.messages()
        where = await self.page.evaluate(f"{BUTTON}({json.dumps(label)})")
        assert where is not None, f"no button {label!r} on any card"
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            await self.page.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=where["x"],
                y=where["y"],
                button="left",
                clickCount=1,
            )
        pressed = shown[where["message"]]

        async def answered() -> Message | None:
            now = await self.messages()
            new = [m for m in now[len(shown) :] if m.from_bot]
            changed = now[where["message"]]
            return new[0] if new else changed if changed.text != pressed.text else None

        return await self.wait(f"an answer to pressing {label!r}", answered)

    async def problems(self) -> list[str]:
        """Everything the Playground flagged: each exchange it refused or that failed, each
        warning or error in its log panel other than ``KNOWN_LIMITS``, and what its page threw
        or logged as an error."""
        flagged = [str(e) for e in self.playground.refused()]
        for line in await self.log_panel():
            if ("(!) Warning:" in line or "(\u00d7) Error:" in line) and not any(
                limit in line for limit in KNOWN_LIMITS
            ):
                flagged.append(line)
        return flagged + self.page.errors
