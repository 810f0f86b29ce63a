"""The terminal as a platform, for the sandbox: nothing mounted on a web app (the sandbox reads
typed lines itself, with ``inbound.from_line``), and a messenger that prints cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from adapters.console.inbound import PLATFORM
from adapters.console.messenger import ConsoleMessenger
from adapters.platform import Host


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    """Where the terminal's lines go, and the time zone its clock is shown in."""

    write: Callable[[str], None]
    tz: str


class ConsolePlatform:
    name = PLATFORM

    def __init__(self, settings: ConsoleSettings, host: Host) -> None:
        self.messenger = ConsoleMessenger(settings.write, host.clock, settings.tz)

    def mount(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def build(settings: ConsoleSettings, host: Host) -> ConsolePlatform:
    return ConsolePlatform(settings, host)
