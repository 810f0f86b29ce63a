"""The HTTPS proxy an operator names in the environment, for our own aiohttp clients.

``HTTPS_PROXY`` / ``HTTP_PROXY`` and ``NO_PROXY`` are read as Python's ``urllib`` (and so
``requests``, which MSAL and the Agents SDK's key client use) reads them, so every client of
the bot goes the same way. Not aiohttp's ``trust_env``: it also sends ``~/.netrc``'s
credentials, as Basic auth, to whatever host the file's ``default`` entry covers, which breaks
every call that carries a token of its own.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


def proxy_for(url: str) -> str | None:
    """The proxy to reach ``url`` through, or None to go direct."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme) or None
