"""``TeamsSettings``: the bot's Azure registration, filled by ``bot.settings``."""

from __future__ import annotations

from dataclasses import dataclass

from nudges.settings import Secret

APP_TYPES = ("MultiTenant", "SingleTenant")


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    """``app_id`` empty turns Bot Framework authentication off in both directions: for local
    testing only (see ``anonymous``)."""

    app_id: str = ""
    app_password: Secret | None = None
    app_type: str = "MultiTenant"
    tenant_id: str = ""

    @property
    def anonymous(self) -> bool:
        return not self.app_id
