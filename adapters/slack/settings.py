"""``SlackSettings``: what the Slack edge needs, filled by ``bot.settings`` from SLACK_*."""

from __future__ import annotations

from dataclasses import dataclass

from nudges.edge import (
    Secret,
)

SLACK_API_URL = "https://slack.com/api/"
SCOPES = ("commands", "chat:write", "im:write", "users:read", "channels:read", "groups:read")
"""The bot scopes CareNudge asks for (as in slack-manifest.yml); README.md says why each."""


@dataclass(frozen=True, slots=True)
class SlackSettings:
    """Single-workspace mode needs a bot token; multi-workspace mode needs the OAuth client
    id and secret instead. ``app_token`` switches to Socket Mode (no inbound requests)."""

    signing_secret: Secret
    bot_token: Secret | None = None
    app_token: Secret | None = None
    client_id: str | None = None
    client_secret: Secret | None = None
    secret_key: Secret | None = None
    """The Fernet key OAuth installations (with each workspace's token) are encrypted with in
    Redis (CARENUDGE_SECRET_KEY); required with OAuth."""
    api_url: str = SLACK_API_URL
    timeout_s: int = 10
    """How long one Web API call may take, in whole seconds (as slack_sdk takes it)."""
    workspace_per_s: float = 10.0
    """chat.postMessage's workspace-wide limit, which Slack does not publish ("one message per
    second per channel, while also maintaining a workspace-wide limit"): we assume 600 a
    minute and pace a little under it. A 429 holds the workspace whatever the number."""
    opens_per_minute: float = 50.0
    """conversations.open's limit per workspace (Slack's Tier 3: 50 a minute), paced under:
    the first fan-out to people new to the bot opens each one's direct messages."""
    lookups_per_minute: float = 100.0
    """users.info's limit per workspace (Tier 4: 100 a minute), for each person's time zone."""
    channel_checks_per_minute: float = 50.0
    """conversations.info's (Tier 3), to check a channel before a cadence is saved for it."""

    @property
    def oauth(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)
