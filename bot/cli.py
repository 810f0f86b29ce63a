"""The ``carenudge`` command: run, sandbox, doctor."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from bot import doctor, logs, sandbox
from bot.app import build_app
from bot.settings import Settings
from nudges.errors import SettingsError

log = logging.getLogger("carenudge")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="carenudge",
        description="CareNudge: small acts of compassionate leadership, made easy.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve the web app (health, metrics) and the scheduler")
    commands.add_parser("doctor", help="check the configuration and Redis, and say what to fix")
    box = commands.add_parser("sandbox", help="try CareNudge in this terminal, no accounts needed")
    box.add_argument("--as", dest="you", default="sam", help="who you are (default: sam)")
    box.add_argument("--in", dest="where", default="ward-7", help="the channel you start in")
    box.add_argument(
        "--speed",
        type=float,
        default=None,
        help="run the clock this many times faster (default 1; 0 in scripts)",
    )
    box.add_argument(
        "--start", default=None, help="start the clock at this local time, e.g. 2026-12-01T07:00"
    )
    box.add_argument("--seed", type=int, default=None, help="make prompt choices repeatable")
    box.add_argument("--tz", default=sandbox.SANDBOX_TZ, help="the sandbox's time zone")
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env(os.environ)
    except SettingsError as exc:
        if args.command == "doctor":
            return asyncio.run(doctor.check(os.environ, print))
        print(exc)
        return 2

    if args.command == "doctor":
        return asyncio.run(doctor.check(os.environ, print))
    if args.command == "sandbox":
        logs.configure("WARNING")
        try:
            tz = ZoneInfo(args.tz)
            start = datetime.fromisoformat(args.start).replace(tzinfo=tz) if args.start else None
        except (ValueError, KeyError):
            print("Use --tz like Europe/London and --start like 2026-12-01T07:00.")
            return 2
        options = sandbox.Options(
            args.you, args.where.lstrip("#"), args.speed, start, args.seed, args.tz
        )
        try:
            return asyncio.run(sandbox.run(settings, options))
        except KeyboardInterrupt:
            return 0
    logs.configure(settings.log_level)
    log.info("starting on %s:%d", settings.host, settings.port)
    web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)
    return 0
