"""The nudge engine: cadences, prompts, members and their settings, in CareNudge's own words.

Nothing here knows Slack or Teams; adapters translate at the edge (see ../README.md).
"""
