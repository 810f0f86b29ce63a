"""The terminal edge, for the sandbox: typed lines in, plain-text cards out."""

from adapters.console.platform import ConsolePlatform, ConsoleSettings, build

__all__ = ["ConsolePlatform", "ConsoleSettings", "build"]
