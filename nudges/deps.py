"""What every feature of the engine is built from, in one small record: where things are kept,
how to reach people, the queue of future fires, time, and the engine's settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nudges.ports import Clock, FireQueue, Messenger, PersonalRecords, Timetable
from nudges.settings import EngineSettings
from nudges.store import Stores


@dataclass(frozen=True, slots=True)
class Deps:
    """Built once, by ``bot.wiring.build_core``; each feature takes what it needs from it.

    ``salt`` seeds prompt choices (the sandbox's ``--seed``), so that a preview shows exactly
    what will be chosen.
    """

    stores: Stores
    messenger: Messenger
    clock: Clock
    timetable: Timetable
    queue: FireQueue
    settings: EngineSettings
    salt: str = ""
    records: Mapping[str, PersonalRecords] = field(default_factory=dict)
    """Each platform's own records of people, by platform name."""
