"""Test doubles, shipped as typed code: Fake* servers and Recording* port implementations."""
