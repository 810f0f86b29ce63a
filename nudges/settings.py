"""The engine's settings, with their defaults in this one place. ``bot.settings`` fills them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from nudges.model import Budget, MemberRef, Workspace

BUDGET_LIMIT = Budget(per_day=2, per_week=7)


class Secret:
    """A token or password: printable only on purpose (``reveal``), never in a repr or log."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """How the engine behaves.

    ``admins`` are the first admins, from configuration, as ``AdminId.parse`` reads them.
    """

    default_tz: str = "UTC"
    admins: frozenset[str] = field(default_factory=frozenset)
    grace: timedelta = timedelta(minutes=15)
    """A fire missed by more than this (the bot was down) is skipped, unless it had begun."""
    deliver_within: timedelta = timedelta(hours=3)
    """How long after its instant a delivery the platform keeps failing is still tried."""
    close_within: timedelta = timedelta(minutes=10)
    """The same for the closing words of a Pause, which mean little much later."""
    snooze_for: timedelta = timedelta(hours=2)
    budget_limit: Budget = BUDGET_LIMIT
    """The most any team's managers may set its attention budget to (an admin's limit)."""
    budget_apart: timedelta = timedelta(hours=1)
    """Two nudges to one person are never closer than this: the second is held back."""
    keep_deleted: timedelta = timedelta(days=30)
    keep_shoutouts: timedelta = timedelta(days=90)
    """How long a shout-out's words and names are kept; after that only the counts remain."""
    keep_sent: timedelta = timedelta(days=30)
    """How long each person's record of what was sent to them (and when) is kept."""
    fanout_concurrency: int = 16


TENANT_SCOPED = frozenset({"teams"})
"""Platforms whose user ids say nothing without their tenant: an admin id there must name it."""


@dataclass(frozen=True, slots=True)
class AdminId:
    """One entry of the configured admins: ``slack:U012AB3CD`` (a platform and user id),
    ``slack:T01:U012AB3CD`` (with the workspace), a bare Slack or sandbox id, or, for Teams,
    always with the tenant: ``teams:<tenant id>:29:1AbC…`` (a Teams user id means nothing
    outside its tenant, and a bot installed in many tenants must not take another's word)."""

    platform: str | None
    tenant_id: str | None
    user_id: str

    @classmethod
    def parse(cls, entry: str) -> AdminId:
        """Raises:
        ValueError: the entry is empty, or a Teams one without its tenant (said plainly)."""
        entry = entry.strip()
        platform, sep, rest = entry.partition(":")
        if not sep:
            if not entry:
                raise ValueError("an empty admin id")
            return cls(None, None, entry)
        tenant, sep, user = rest.partition(":")
        if platform in TENANT_SCOPED:
            if not sep or not user or not tenant or tenant.isdigit():
                raise ValueError(
                    f"the Teams admin {entry[:60]} needs its tenant: "
                    f"{platform}:<tenant id>:<user id>, as their /nudge settings shows it"
                )
            return cls(platform, tenant, user)
        if not rest:
            raise ValueError(f"the admin id {entry[:60]} has no user id after '{platform}:'")
        return cls(platform, tenant, user) if sep and user else cls(platform, None, rest)

    @staticmethod
    def of(ref: MemberRef) -> str:
        """How to name ``ref`` in the admins setting."""
        if ref.platform in TENANT_SCOPED:
            return ref.key
        return f"{ref.platform}:{ref.user_id}"

    def names(self, ref: MemberRef) -> bool:
        return self.user_id == ref.user_id and self.within(ref.workspace)

    def within(self, ws: Workspace) -> bool:
        """Whether this entry can name someone in ``ws``."""
        if self.platform is None:
            return ws.platform not in TENANT_SCOPED
        return self.platform == ws.platform and self.tenant_id in (None, ws.tenant_id)
