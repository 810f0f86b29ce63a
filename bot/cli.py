"""The ``carenudge`` command: run, sandbox, doctor, teams-package, export and forget. Each
reads the ``.env`` file in the current directory too, under the real environment."""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from adapters.teams.package import package
from bot import doctor, logs, sandbox, subjects
from bot.app import build_app, tune_gc
from bot.settings import Settings, environment, package_settings
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
    pack = commands.add_parser(
        "teams-package", help="write the Teams app package to upload in the admin center"
    )
    pack.add_argument("--out", default="carenudge-teams.zip", help="where to write the zip")
    pack.add_argument(
        "--app-id", default=None, help="the bot's Microsoft App ID (default: MICROSOFT_APP_ID)"
    )
    pack.add_argument(
        "--website",
        default=None,
        help=(
            "your CareNudge's public https address, for the app's About, privacy and terms "
            "pages (default: CARENUDGE_PUBLIC_URL)"
        ),
    )
    pack.add_argument("--version", default="1.0.0", help="the app package's version")
    out = commands.add_parser(
        "export", help="write everything held about one person to a JSON file (a subject access)"
    )
    out.add_argument("--user", required=True, help="the person, e.g. slack:U012AB3CD")
    out.add_argument("--out", default=None, help="where to write it (default: named after them)")
    erase = commands.add_parser(
        "forget", help="erase everything held about one person (an erasure request)"
    )
    erase.add_argument("--user", required=True, help="the person, e.g. slack:U012AB3CD")
    erase.add_argument("--yes", action="store_true", help="don't ask to confirm")
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

    environ = environment()
    if args.command == "teams-package":  # needs the app id only, not the bot's secret
        try:
            app_id, public_url = package_settings(environ)
        except SettingsError as exc:
            print(exc)
            return 2
        return _teams_package(args, app_id, public_url)
    try:
        settings = Settings.from_env(environ)
    except SettingsError as exc:
        if args.command == "doctor":
            return asyncio.run(doctor.check(environ, print))
        print(exc)
        return 2

    if args.command == "doctor":
        return asyncio.run(doctor.check(environ, print))
    if args.command == "export":
        return asyncio.run(subjects.export(settings, args.user, args.out, print))
    if args.command == "forget":
        return asyncio.run(subjects.forget(settings, args.user, args.yes, print, input))
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
    tune_gc()
    log.info("starting on %s:%d", settings.host, settings.port)
    web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)
    return 0


def _teams_package(args: argparse.Namespace, app_id: str, public_url: str | None) -> int:
    app_id = args.app_id or app_id
    if not re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", app_id or ""):
        print(
            "The package needs the bot's Microsoft App ID (a GUID): set MICROSOFT_APP_ID or "
            "pass --app-id. It is on the Azure Bot's Configuration page."
        )
        return 2
    website = args.website or public_url
    if not website:
        print(
            "The package needs CareNudge's public https address, where Teams links its privacy "
            "and terms pages: set CARENUDGE_PUBLIC_URL or pass --website."
        )
        return 2
    if not website.startswith("https://"):
        print("--website must be an https:// address.")
        return 2
    Path(args.out).write_bytes(package(app_id, website, args.version))
    print(f"Wrote {args.out}. Upload it in the Teams admin center: Manage apps → Upload new app.")
    return 0
