"""Platform edges: each turns platform input into ``nudges.events`` and renders ``nudges.cards``."""
