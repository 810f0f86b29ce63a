"""Everything the engine keeps in Redis, one store per thing kept: people and teams, cadences,
prompts, deliveries (with each audience's prompt memory), shout-outs, pauses, one-off jobs, and
how each cadence's last fire went.

Keys come from ``nudges.keys``. Payloads are versioned JSON (see ``codec``). Redis errors pass
through unchanged; the loops that own the work catch them.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from nudges.keys import KeySpace
from nudges.store.base import DELIVERY_TTL, MAX_NAME, Recipient
from nudges.store.budgets import BudgetStore
from nudges.store.cadences import CadenceStore
from nudges.store.deliveries import Chosen, DeliveryStore, Selection, SentRecord
from nudges.store.evaluations import EvaluationStore
from nudges.store.jobs import JobStore
from nudges.store.pauses import PauseStore
from nudges.store.people import PeopleStore
from nudges.store.prompts import PromptStore
from nudges.store.reach import ReachStore
from nudges.store.rights import RightsStore
from nudges.store.shoutouts import ShoutoutStore

__all__ = [
    "DELIVERY_TTL",
    "MAX_NAME",
    "BudgetStore",
    "CadenceStore",
    "Chosen",
    "DeliveryStore",
    "EvaluationStore",
    "JobStore",
    "PauseStore",
    "PeopleStore",
    "PromptStore",
    "ReachStore",
    "Recipient",
    "RightsStore",
    "Selection",
    "SentRecord",
    "ShoutoutStore",
    "Stores",
]


@dataclass(frozen=True, slots=True)
class Stores:
    """The engine's stores, all on one Redis client (which the caller owns and closes)."""

    people: PeopleStore
    cadences: CadenceStore
    prompts: PromptStore
    deliveries: DeliveryStore
    shoutouts: ShoutoutStore
    pauses: PauseStore
    jobs: JobStore
    reach: ReachStore
    budgets: BudgetStore
    rights: RightsStore
    evaluations: EvaluationStore

    @classmethod
    def on(cls, redis: Redis, keys: KeySpace) -> Stores:
        return cls(
            PeopleStore(redis, keys),
            CadenceStore(redis, keys),
            PromptStore(redis, keys),
            DeliveryStore(redis, keys),
            ShoutoutStore(redis, keys),
            PauseStore(redis, keys),
            JobStore(redis, keys),
            ReachStore(redis, keys),
            BudgetStore(redis, keys),
            RightsStore(redis, keys),
            EvaluationStore(redis, keys),
        )
