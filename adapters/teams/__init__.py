"""The Microsoft Teams edge: Bot Framework activities in, Adaptive Cards out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adapters.teams.platform import TeamsPlatform, build

__all__ = ["TeamsPlatform", "build"]


def __getattr__(name: str) -> Any:
    # The platform (and its SDK) loads on first use, not when a small part of the package is
    # (its records of people, which every process wires for export and erasure).
    if name in __all__:
        from adapters.teams import platform

        return getattr(platform, name)
    raise AttributeError(name)
