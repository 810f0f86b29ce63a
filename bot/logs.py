"""Logging: one line per event, key=value friendly, with tokens scrubbed as a last defence.

We never log message text or anything that could name a patient; the code logs ids and counts
only. The filter here catches a token that slips into an exception message.
"""

from __future__ import annotations

import logging
import re
import sys

_TOKENS = re.compile(r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+[A-Za-z0-9._~+/=-]+)")


QUIET_SDKS = ("slack_sdk", "slack_bolt", "botbuilder", "botframework", "msrest", "aiohttp.client")
"""Libraries whose DEBUG lines carry message text or tokens."""


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKENS.sub("[redacted]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    handler.addFilter(Redact())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG the SDKs log whole requests and payloads, message text included: never ours.
    for sdk in QUIET_SDKS:
        logging.getLogger(sdk).setLevel(max(logging.INFO, root.level))
