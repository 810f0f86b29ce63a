"""``carenudge doctor`` signs in where, and for what, the bot itself does (through the Bot
Framework SDK's credentials)."""

from __future__ import annotations

import pytest

from adapters.teams.settings import TeamsSettings
from adapters.teams.signin import BOT_FRAMEWORK_SCOPE
from adapters.teams.transport import credentials
from nudges.edge import Secret

APP = "6c8f2f3e-1b2a-4c5d-9e8f-0a1b2c3d4e5f"
TENANT = "9a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d"


@pytest.mark.parametrize(
    ("app_type", "tenant", "expected"),
    [
        (
            "MultiTenant",
            "",
            "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token",
        ),
        (
            "SingleTenant",
            TENANT,
            f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token",
        ),
    ],
)
def test_doctor_asks_for_the_token_the_bot_asks_for(
    app_type: str, tenant: str, expected: str
) -> None:
    settings = TeamsSettings(
        app_id=APP, app_password=Secret("pw"), app_type=app_type, tenant_id=tenant
    )
    sdk = credentials(settings)
    assert sdk is not None
    assert settings.token_url == expected
    # MSAL posts to the authority's /oauth2/v2.0/token, for the scope plus /.default.
    assert f"{sdk.oauth_endpoint}/oauth2/v2.0/token" == settings.token_url
    assert f"{sdk.oauth_scope}/.default" == BOT_FRAMEWORK_SCOPE


def test_without_an_app_id_there_is_nothing_to_sign_in_with() -> None:
    assert credentials(TeamsSettings()) is None
