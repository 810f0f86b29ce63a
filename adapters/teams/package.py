"""The Teams app package an admin uploads (Teams admin center → Manage apps → Upload): a
manifest with the bot and its command lists, and the two icons Teams requires (colour 192x192,
white outline on transparent 32x32), drawn here so the repository holds no binaries."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any

MANIFEST_VERSION = "1.30"
"""The newest generally available app manifest version (tests/fixtures/teams/README.md says
where its schema, which the tests check the manifest against, came from)."""
MANIFEST_SCHEMA = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/"
    f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
ACCENT = (0x2C, 0x5F, 0x5D)
COMMANDS = (
    ("nudge help", "What CareNudge can do, with examples"),
    ("nudge settings", "Your quiet hours, shifts, snooze and time zone"),
    ("nudge snooze 3 days", "A few days without nudges"),
    ("nudge join ward-7", "Get your team's nudges by direct message"),
    ("nudge create", "A new cadence for your team (managers)"),
    ("nudge list", "Your teams' cadences"),
    ("shoutout", "Recognise a colleague for what they did"),
    ("pause", "A moment of silence for the team, after a death"),
)


def manifest(app_id: str, website: str, version: str = "1.0.0") -> dict[str, Any]:
    site = website.rstrip("/")
    commands = [{"title": title, "description": text} for title, text in COMMANDS]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "CareNudge",
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": "CareNudge", "full": "CareNudge: compassionate teamwork"},
        "description": {
            "short": "Small, kind acts of compassionate leadership, made easy.",
            "full": (
                "CareNudge sends your team short, doable nudges (a check-in, a thank-you, a "
                "pause) at times your managers choose, keeps shout-outs and the Pause easy, and "
                "can be snoozed or stopped by anyone. Done is counted for the team, never by "
                "name, and it never asks for anything about the people in your care."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": commands},
                    {"scopes": ["team", "groupChat"], "commands": commands[-2:]},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def package(app_id: str, website: str, version: str = "1.0.0") -> bytes:
    """The zip to upload: manifest.json, color.png and outline.png at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(app_id, website, version), indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def color_icon(size: int = 192) -> bytes:
    """A teal square with a white ring: full colour, as Teams shows it in the app store."""
    return _png(size, lambda x, y: (255, 255, 255, 255) if _ring(x, y, size) else (*ACCENT, 255))


def outline_icon(size: int = 32) -> bytes:
    """A white ring on transparent, as Teams requires for the activity bar."""
    return _png(size, lambda x, y: (255, 255, 255, 255) if _ring(x, y, size) else (0, 0, 0, 0))


def _ring(x: int, y: int, size: int) -> bool:
    centre = (size - 1) / 2
    distance = float(((x - centre) ** 2 + (y - centre) ** 2) ** 0.5)
    return size * 0.28 <= distance <= size * 0.40


def _png(size: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )
