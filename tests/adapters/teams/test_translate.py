"""Teams activities as Teams really sends them, read into commands: mentions split into one tag
per part of a name (the payload in microsoft/botframework-sdk#6617), names HTML-escaped in the
text but not in the entity, and channel messages keyed on the channel, not the thread (the
payload in microsoft/teams.net's own TeamsActivityTests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from adapters.teams.settings import TRANSPORTS, TeamsSettings
from adapters.teams.translate import conversation_of, from_message, place_of, thread_of
from adapters.teams.transport import transport
from nudges.edge import CommandInvoked, Mention

SAM = "29:1tYwtgp56UKjOlsdfsefs3fsesfsfVP78kWJ-x5Nr9OKj1Ls50S06Gq_cNs3VPyjiGyMGvZk4k6e8OHey9yJDw"
BOT = "28:0b6fe6d1-fece-44f7-9a48-56465e2d5ab8"
CHANNEL = "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
TENANT = "50612dbb-0237-4969-b378-8d42590f9c00"


Read = Callable[[dict[str, Any]], Any]


@pytest.fixture(params=TRANSPORTS)
def read(request: pytest.FixtureRequest) -> Read:
    """An activity read by each transport's own model (the Bot Framework SDK's, the Agents
    SDK's): what is read from it must not depend on which."""
    return transport(TeamsSettings(transport=request.param)).parse


def message(read: Read, text: str, entities: list[dict[str, Any]], **changes: Any) -> Any:
    body: dict[str, Any] = {
        "type": "message",
        "channelId": "msteams",
        "text": text,
        "id": "1759944781430",
        "serviceUrl": f"https://smba.trafficmanager.net/amer/{TENANT}/",
        "channelData": {
            "teamsChannelId": CHANNEL,
            "teamsTeamId": "19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2",
            "channel": {"id": CHANNEL},
            "team": {"id": "19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2"},
            "tenant": {"id": TENANT},
        },
        "from": {"id": "29:17bUvCasIPKfQIXHvNzcPjD86fwm6GkWc1PvCGP2", "name": "rido"},
        "recipient": {"id": BOT, "name": "CareNudge"},
        "conversation": {
            "id": f"{CHANNEL};messageid=1759881511856",
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
        },
        "entities": entities,
        "textFormat": "plain",
        **changes,
    }
    return read(body)


def mention(text: str, user: str, name: str) -> dict[str, Any]:
    return {"mentioned": {"id": user, "name": name}, "text": text, "type": "mention"}


def people(command: CommandInvoked | None) -> list[tuple[str, str]]:
    assert command is not None
    return [(a.member.user_id, a.name) for a in command.args if isinstance(a, Mention)]


def test_one_person_split_into_tags_sharing_an_id_is_one_person(read: Read) -> None:
    split = [
        mention("<at>CareNudge</at>", BOT, "CareNudge"),
        mention("<at>Zzzz</at>", SAM, "Zzzz"),
        mention("<at>Ee</at>", SAM, "Ee"),
        mention("<at>Aaaa</at>", SAM, "Aaaa"),
    ]
    text = "<at>CareNudge</at> shoutout <at>Zzzz</at> <at>Ee</at> <at>Aaaa</at> for the handover"
    command = from_message(message(read, text, split))
    assert people(command) == [(SAM, "Zzzz Ee Aaaa")]
    assert command is not None
    assert [a for a in command.args if isinstance(a, str)] == ["for", "the", "handover"]


def test_two_people_side_by_side_stay_two(read: Read) -> None:
    two = [
        mention("<at>Megan</at>", "29:megan", "Megan"),
        mention("<at>Bowen</at>", "29:megan", "Bowen"),
        mention("<at>Sam</at>", "29:sam", "Sam"),
    ]
    command = from_message(
        message(read, "shoutout <at>Megan</at> <at>Bowen</at> <at>Sam</at> ok", two)
    )
    assert people(command) == [("29:megan", "Megan Bowen"), ("29:sam", "Sam")]


def test_a_name_escaped_in_the_text_but_not_in_the_entity_is_still_found(read: Read) -> None:
    entities = [mention("<at>Siobhán O'Brien & co</at>", "29:siobhan", "Siobhán O'Brien & co")]
    text = "shoutout <at>Siobh&aacute;n O&#39;Brien &amp; co</at> for the calm night"
    assert people(from_message(message(read, text, entities))) == [
        ("29:siobhan", "Siobhán O'Brien & co")
    ]


def test_a_channel_message_is_keyed_on_the_channel_and_answered_in_its_thread(read: Read) -> None:
    activity = message(read, "nudge help", [])
    assert conversation_of(activity).channel_id == CHANNEL
    assert place_of(activity).conversation_id == CHANNEL
    assert thread_of(activity) == f"{CHANNEL};messageid=1759881511856"


def test_without_channel_data_the_thread_suffix_is_dropped(read: Read) -> None:
    activity = message(read, "nudge help", [], channelData={"tenant": {"id": TENANT}})
    assert conversation_of(activity).channel_id == CHANNEL
