"""Test doubles, shipped as typed code: Fake* servers and Recording* port implementations."""

ARRIVAL_S = 20.0
"""How long a test waits for something the bot is about to send: generous, for a loaded 2-core
CI machine; a passing test never waits it out, so it costs nothing."""
