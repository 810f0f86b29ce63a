"""Turns cadences into due fires and fires into deliveries, exactly once, state in Redis."""
