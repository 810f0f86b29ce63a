"""The routing messenger sends each call to the platform of its address."""

from __future__ import annotations

import pytest

from adapters.routing import RoutingMessenger
from nudges.cards import Card, Text
from nudges.errors import DeliveryError
from nudges.model import Conversation, MemberRef
from tests.fakes.messenger import RecordingMessenger

CARD = Card((Text(("hello",)),), "hello")


async def test_calls_go_to_the_platform_of_the_address() -> None:
    slack, teams = RecordingMessenger(), RecordingMessenger()
    router = RoutingMessenger({"slack": slack, "teams": teams})
    dm = await router.open_dm(MemberRef("teams", "T", "u1"))
    ref = await router.send(dm, CARD, key="k1")
    await router.update(ref, CARD)
    assert await router.was_sent(dm, "k1") is True
    assert [d.conversation for d in teams.sent] == [dm]
    assert len(teams.updates) == 1
    assert slack.sent == []


async def test_an_address_on_a_platform_not_served_is_a_delivery_error() -> None:
    router = RoutingMessenger({})
    with pytest.raises(DeliveryError, match="no messenger for platform 'slack'"):
        await router.send(Conversation("slack", "T", "C1"), CARD)
