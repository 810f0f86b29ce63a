"""The Microsoft Teams edge: Bot Framework activities in, Adaptive Cards out."""

from adapters.teams.platform import TeamsPlatform, build

__all__ = ["TeamsPlatform", "build"]
