"""RedisStore: every key the engine keeps, and the Lua that makes deliveries exactly-once.

Keys live under one prefix (``carenudge:`` by default) and are built only by the modules of
this package. Payloads are versioned JSON (see ``codec``). Redis errors pass through
unchanged; the loops that own the work catch them.
"""

from nudges.store.base import DELIVERY_TTL, MAX_NAME, Recipient, StoreBase
from nudges.store.cadences import CadenceKeys
from nudges.store.people import PeopleKeys
from nudges.store.prompting import Chosen, PromptKeys, Selection
from nudges.store.recognition import RecognitionKeys

__all__ = ["DELIVERY_TTL", "MAX_NAME", "Chosen", "Recipient", "RedisStore", "Selection"]


class RedisStore(CadenceKeys, PeopleKeys, PromptKeys, RecognitionKeys, StoreBase):
    """The engine's one store, assembled from its parts by feature."""
