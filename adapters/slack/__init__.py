"""The Slack edge: Bolt in, Block Kit out, over the Web API at SLACK_API_URL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.slack.platform import SlackPlatform, build

__all__ = ["SlackPlatform", "build"]


def __getattr__(name: str) -> Any:
    # The platform (and its SDK) loads on first use, not when a small part of the package is
    # (its records of people, which every process wires for export and erasure).
    if name in __all__:
        from adapters.slack import platform

        return getattr(platform, name)
    raise AttributeError(name)
