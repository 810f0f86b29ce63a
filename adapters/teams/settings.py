"""``TeamsSettings``: the bot's Azure registration, filled by ``bot.settings``."""

from __future__ import annotations

from dataclasses import dataclass

from nudges.edge import (
    Secret,
)

APP_TYPES = ("MultiTenant", "SingleTenant")
TRANSPORTS = ("botbuilder", "agents")
"""What speaks Bot Framework for CareNudge: the final Bot Framework SDK (botbuilder, the
default) or Microsoft's maintained successor, the Microsoft 365 Agents SDK (agents)."""
BOT_FRAMEWORK_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
LOGIN = "https://login.microsoftonline.com/"
"""Microsoft Entra's public cloud, where a bot signs in for its Bot Framework token."""
BOT_FRAMEWORK_TENANT = "botframework.com"
"""The tenant a MultiTenant bot signs in through (a SingleTenant bot uses its own)."""


@dataclass(frozen=True, slots=True)
class TeamsSettings:
    """``app_id`` empty turns Bot Framework authentication off in both directions: for local
    testing only (see ``anonymous``)."""

    app_id: str = ""
    app_password: Secret | None = None
    app_type: str = "MultiTenant"
    tenant_id: str = ""
    timeout_s: float = 15.0
    """How long one Bot Connector call may take."""
    tenant_per_s: float = 30.0
    """Requests a second to keep under in a tenant (Microsoft publishes 50 per app)."""
    conversation_per_s: float = 7.0
    """Requests a second to keep under in one conversation (Microsoft's per-thread limit)."""
    openid_metadata: str = BOT_FRAMEWORK_METADATA
    """Where Bot Framework publishes the keys its tokens are signed with."""
    tenants: frozenset[str] = frozenset()
    """The tenants a MultiTenant bot answers (``CARENUDGE_TEAMS_TENANTS``); none: any."""
    login: str = LOGIN
    """Where the bot asks Microsoft Entra for its token (``carenudge doctor`` asks there)."""
    sign_in_timeout_s: float = 10.0
    """How long ``carenudge doctor`` waits for that answer."""
    transport: str = "botbuilder"
    """``CARENUDGE_TEAMS_TRANSPORT``, one of ``TRANSPORTS`` (see ``adapters.teams.transport``)."""

    @property
    def sign_in_tenant(self) -> str:
        """The tenant the bot signs in through: the Bot Framework's for a MultiTenant bot, its
        own for a SingleTenant one (as botframework-connector does)."""
        return self.tenant_id if self.app_type == "SingleTenant" else BOT_FRAMEWORK_TENANT

    @property
    def authority(self) -> str:
        return f"{self.login.rstrip('/')}/{self.sign_in_tenant}"

    @property
    def token_url(self) -> str:
        """Where the client-credentials grant is posted."""
        return f"{self.authority}/oauth2/v2.0/token"

    @property
    def allowed_tenants(self) -> frozenset[str]:
        """Whose activities are answered: a SingleTenant bot's own tenant only, a MultiTenant
        bot's allow-list (empty: every tenant)."""
        if self.app_type == "SingleTenant" and self.tenant_id:
            return frozenset({self.tenant_id})
        return self.tenants

    @property
    def anonymous(self) -> bool:
        return not self.app_id
