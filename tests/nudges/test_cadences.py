"""Managers create, list, show, edit, pause, resume, delete, restore and preview cadences."""

from __future__ import annotations

import pytest

from nudges.cards import plain
from tests.conftest import World
from tests.fakes.clock import utc


async def test_manager_creates_a_weekday_cadence_that_fires_at_0730_london(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", "create weekdays at 07:30 to #ward-7 theme attending")
    assert reply.status == "ok"
    text = plain(reply.card)
    assert "Cadence c1 is set" in text
    assert "Weekdays at 07:30 (Europe/London)" in text
    assert "Next: Tue 1 Dec, 07:30" in text

    await world.run_until(utc(2026, 12, 1, 7, 29))
    assert world.messenger.sent == []
    await world.run_until(utc(2026, 12, 1, 7, 30))  # London is on GMT in December
    [prompt] = world.messenger.sent
    assert prompt.conversation.channel_id == "ward-7"
    assert "Attending" in prompt.text
    assert "[Done]  [Snooze]  [Not for me]" in prompt.text


async def test_cadence_definitions_are_versioned_json_in_redis(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create mon,wed at 19:00 to #ward-7 theme end of shift")
    data = await world.stored("carenudge:cadence:c1")
    assert data["v"] == 1
    assert data["schedule"] == {"days": [0, 2], "times": ["19:00"]}
    assert data["theme"] == "end-of-shift"
    assert data["tz"] == "Europe/London"


async def test_a_command_with_no_audience_in_a_channel_goes_to_that_channel(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", "create daily at 09:00", where="icu-team")
    assert "To: #icu-team" in plain(reply.card)


async def test_a_command_with_no_audience_in_a_dm_asks_who_should_get_it(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", "create daily at 09:00", where="dm")
    assert reply.status == "invalid"
    assert "Who should get it?" in plain(reply.card)
    assert "/nudge create weekdays at 07:30 to team" in plain(reply.card)


async def test_cron_cadences_use_standard_cron_weekdays(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", 'create cron "30 7 * * 1-5" to #ward-7')
    # Monday 30 Nov at noon: the next weekday 07:30 is Tuesday, not Saturday.
    assert "Next: Tue 1 Dec, 07:30" in plain(reply.card)


async def test_a_schedule_that_never_comes_round_is_refused(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", 'create cron "0 9 31 2 *" to #ward-7')
    assert reply.status == "invalid"
    assert "never comes round" in plain(reply.card)


async def test_list_show_edit_pause_resume(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create weekdays at 07:30 to #ward-7")
    listed = plain((await world.say("mo", "list")).card)
    assert "c1 · Weekdays at 07:30 · #ward-7 · A mix of all six · next Tue 1 Dec, 07:30" in listed

    edited = plain((await world.say("mo", "edit c1 at 08:15 theme helping")).card)
    assert "Weekdays at 08:15" in edited
    assert "Helping" in edited
    assert "Next: Tue 1 Dec, 08:15" in edited
    assert (await world.stored("carenudge:cadence:c1"))["revision"] == 2

    paused = await world.say("mo", "pause c1")
    assert "Paused c1" in plain(paused.card)
    await world.run_until(utc(2026, 12, 2, 12, 0))
    assert world.messenger.sent == []

    resumed = plain((await world.say("mo", "resume c1")).card)
    assert "Next: Thu 3 Dec, 08:15" in resumed
    await world.run_until(utc(2026, 12, 3, 8, 15))
    assert len(world.messenger.sent) == 1

    shown = plain((await world.say("mo", "show c1")).card)
    assert "Next: Fri 4 Dec, 08:15" in shown


async def test_delete_offers_undo_and_restore_brings_it_back(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create weekdays at 07:30 to #ward-7")
    deleted = await world.say("mo", "delete c1")
    assert "[Undo]" in plain(deleted.card)
    assert await world.redis.get("carenudge:cadence:c1") is None
    await world.run_until(utc(2026, 12, 1, 8, 0))
    assert world.messenger.sent == []

    restored = await world.say("mo", "restore c1")
    assert "Restored c1" in plain(restored.card)
    await world.run_until(utc(2026, 12, 2, 7, 30))
    assert len(world.messenger.sent) == 1


async def test_preview_shows_the_next_five_fires_and_what_would_be_sent(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create weekdays at 07:30 to #ward-7 theme empathising")
    preview = plain((await world.say("mo", "preview c1")).card)
    lines = [line for line in preview.splitlines() if "(Europe/London): " in line]
    assert [line.split(" (")[0] for line in lines] == [
        "Tue 1 Dec, 07:30",
        "Wed 2 Dec, 07:30",
        "Thu 3 Dec, 07:30",
        "Fri 4 Dec, 07:30",
        "Mon 7 Dec, 07:30",
    ]
    previewed = [line.split("): ", 1)[1] for line in lines]
    await world.run_until(utc(2026, 12, 7, 7, 30))
    assert [d.card.fallback_text for d in world.messenger.sent] == previewed


async def test_preview_of_a_draft_saves_nothing(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", "preview daily at 18:00 to #ward-7")
    assert "Preview" in plain(reply.card)
    assert await world.redis.get("carenudge:cadence:c1") is None


async def test_a_preview_by_someone_in_no_team_yet_says_your_team(world: World) -> None:
    reply = await world.say("zed", "preview daily at 18:00 to team")
    assert "To: Everyone who joined your team (direct message)" in plain(reply.card)


async def test_named_members_get_direct_messages(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 09:00 to @sam @priya")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    assert sorted(d.conversation.channel_id for d in world.messenger.sent) == ["D-priya", "D-sam"]


async def test_team_audience_reaches_every_member_who_joined(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "priya", "alex"))
    await world.say("alex", "leave ward-7")
    await world.say("mo", "create daily at 09:00 to team")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    assert sorted(d.conversation.channel_id for d in world.messenger.sent) == ["D-priya", "D-sam"]


async def test_local_time_cadence_fires_at_each_recipients_own_0730(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "nina"))
    await world.say("nina", "tz America/New_York")
    await world.say("mo", "create daily at 07:30 to team local time")
    await world.run_until(utc(2026, 12, 1, 13, 0))
    at = {d.conversation.channel_id: d.at for d in world.messenger.sent}
    assert at == {
        "D-sam": utc(2026, 12, 1, 7, 30),  # 07:30 GMT
        "D-nina": utc(2026, 12, 1, 12, 30),  # 07:30 EST
    }


async def test_changing_time_zone_moves_a_local_time_cadence(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    await world.say("mo", "create daily at 07:30 to team local time")
    await world.say("sam", "tz Asia/Tokyo")
    await world.run_until(utc(2026, 12, 1, 7, 30))
    # 07:30 in Tokyo on 1 Dec is 22:30 UTC on 30 Nov; nothing at 07:30 London.
    assert [d.at for d in world.messenger.sent] == [utc(2026, 11, 30, 22, 30)]


async def test_managers_can_add_list_and_retire_their_teams_prompts(world: World) -> None:
    await world.admin_makes_team("mo")
    added = await world.say(
        "mo",
        'prompt add "Ask the newest starter what has surprised them." behaviour '
        "understanding context any time",
    )
    assert "Added ward-7-1" in plain(added.card)
    listed = plain((await world.say("mo", "prompts")).card)
    assert "ward-7-1 · Understanding: Ask the newest starter" in listed

    for pid in ("ward-7-1", "understanding-01"):
        retired = await world.say("mo", f"prompt retire {pid}")
        assert "Retired" in plain(retired.card)
    await world.say("mo", "create daily at 09:00 to #ward-7 theme understanding")
    await world.run_until(utc(2026, 12, 31, 9, 0))
    texts = {d.card.fallback_text for d in world.messenger.sent}
    assert len(world.messenger.sent) == 31
    assert "Ask the newest starter what has surprised them." not in texts
    assert all("understanding" in d.text.lower() for d in world.messenger.sent)

    await world.say("mo", "prompt restore ward-7-1")
    await world.run_until(utc(2027, 1, 31, 9, 0))
    assert "Ask the newest starter what has surprised them." in {
        d.card.fallback_text for d in world.messenger.sent
    }


async def test_sends_chooses_what_a_cadence_sends_and_theme_still_chooses_its_prompts(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    digest = await world.say("mo", "create fridays at 16:00 to #ward-7 sends digest")
    assert digest.status == "ok", plain(digest.card)
    assert "Theme: Weekly shout-out digest" in plain(digest.card)
    unseen = await world.say("mo", "create fridays at 15:00 to me sends unseen")
    assert "Who hasn't been recognised lately (managers only)" in plain(unseen.card)
    # As before "sends" there was: the kind after "theme".
    old = await world.say("mo", "create fridays at 16:30 to #icu theme digest")
    assert "Theme: Weekly shout-out digest" in plain(old.card)
    back = await world.say("mo", "edit c3 sends prompts theme helping")
    assert "Theme: Helping" in plain(back.card), plain(back.card)
    assert (await world.stored("carenudge:cadence:c3"))["kind"] == "prompts"


async def test_sends_something_unknown_says_what_it_can_send(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", "create fridays at 16:00 to #ward-7 sends flowers")
    assert reply.status == "invalid"
    assert reply.field == "theme"
    assert "'sends prompts', 'sends digest'" in plain(reply.card)


@pytest.mark.parametrize(
    ("words", "field"),
    [
        ("create weekdays at 25:00 to #ward-7", "times"),
        ("create weekdays at 7.75 to #ward-7", "times"),
        ("create weekdays at 07:30 to #ward-7 tz Mars/Olympus", "tz"),
        ("create weekdays at 07:30 to #ward-7 theme sunshine", "theme"),
        ("create weekdays at 07:30 to nobody", "audience"),
        ("create weekdays at shift start to #ward-7", "audience"),
        ('create cron "99 7 * * *" to #ward-7', "times"),
    ],
)
async def test_a_problem_names_the_part_of_the_cadence_it_is_about(
    world: World, words: str, field: str
) -> None:
    """So that a form shows it under that field (Slack's cadence form, say)."""
    await world.admin_makes_team("mo")
    reply = await world.say("mo", words)
    assert reply.status == "invalid", plain(reply.card)
    assert reply.field == field, plain(reply.card)


# --- no nagging ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schedule",
    [
        'cron "* * * * *"',
        'cron "0 7,19 * * *"',
        "daily at 07:30 and 19:00",
        "weekdays at shift start and shift end",
    ],
)
async def test_a_cadence_that_would_go_out_more_than_once_a_day_is_refused_with_why(
    world: World, schedule: str
) -> None:
    await world.admin_makes_team("mo", members=("sam",))
    audience = "team" if "shift" in schedule else "#ward-7"
    reply = await world.say("mo", f"create {schedule} to {audience}")
    assert reply.status == "invalid"
    assert reply.field == "times"
    assert "at most once a day" in plain(reply.card)
    assert await world.stores.cadences.get("c1") is None


async def test_a_cron_once_a_day_or_less_is_fine(world: World) -> None:
    await world.admin_makes_team("mo")
    reply = await world.say("mo", 'create cron "30 7 * * 1-5" to #ward-7')
    assert reply.status == "ok", plain(reply.card)


async def test_a_team_has_at_most_twenty_cadences_and_is_told_what_to_do(world: World) -> None:
    await world.admin_makes_team("mo")
    for i in range(20):
        reply = await world.say("mo", f"create daily at 09:00 to #room-{i}")
        assert reply.status == "ok", plain(reply.card)
    reply = await world.say("mo", "create daily at 09:00 to #room-20")
    assert reply.status == "invalid"
    text = plain(reply.card)
    assert "ward-7 has 20 cadences, the most a team can have" in text
    assert "/nudge delete c3" in text
    assert await world.stores.cadences.get("c21") is None


async def test_an_edit_to_more_than_once_a_day_is_refused_and_changes_nothing(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    await world.say("mo", "create daily at 09:00 to #ward-7")
    reply = await world.say("mo", "edit c1 at 09:00 and 17:00")
    assert reply.status == "invalid"
    assert "at most once a day" in plain(reply.card)
    shown = await world.say("mo", "show c1")
    assert "Every day at 09:00 (" in plain(shown.card)


# --- lists that scale ---------------------------------------------------------------------------


async def test_a_long_list_pages_with_a_more_button_that_shows_the_next_page(
    world: World,
) -> None:
    await world.channel_cadences(25)  # two teams: 20 in ward-0, 5 in ward-1
    await world.say("mo", "join ward-0")
    await world.say("mo", "join ward-1")
    first = await world.say("mo", "list")
    text = plain(first.card)
    assert "Page 1 of 3 · 25 cadences" in text
    assert text.count(" · Every day at 10:00 ") == 10
    more = await world.press_on("mo", first.card, "More")
    second = plain(more.card)
    assert "Page 2 of 3" in second
    assert "c11 · " in second
    assert "c1 · " not in second
    last = plain((await world.say("mo", "list page 3")).card)
    assert "Page 3 of 3" in last
    assert "Cadences for ward-1" in last
    assert "More" not in last.replace("Or type", "")


async def test_the_list_filters_to_mine_or_the_paused(world: World) -> None:
    await world.admin_makes_team("mo")
    await world.admin_makes_team("lee")
    await world.say("mo", "create daily at 09:00 to #ward-7")
    await world.say("lee", "create daily at 10:00 to #ward-7")
    await world.say("lee", "pause c2")
    mine = plain((await world.say("mo", "list mine")).card)
    assert "c1 · " in mine
    assert "c2 · " not in mine
    paused = plain((await world.say("mo", "list paused")).card)
    assert "c2 · " in paused
    assert "c1 · " not in paused
    none = plain((await world.say("mo", "list mine paused")).card)
    assert "None that match." in none


async def test_a_teams_own_prompts_page_with_a_more_button_and_stop_at_sixty(
    world: World,
) -> None:
    await world.admin_makes_team("mo")
    for n in range(1, 61):
        reply = await world.say(
            "mo",
            f'prompt add "Ask one colleague what helped them today, number {n}." behaviour helping',
        )
        assert reply.status == "ok", plain(reply.card)
    first = await world.say("mo", "prompts")
    text = plain(first.card)
    assert "ward-7's own (60):" in text
    assert "Page 1 of 4 of ward-7's own" in text
    assert "ward-7-15 · " in text
    assert "ward-7-16 · " not in text
    second = plain((await world.press_on("mo", first.card, "More")).card)
    assert "ward-7-16 · " in second
    assert "Page 2 of 4" in second
    refused = await world.say("mo", 'prompt add "One more, please." behaviour helping')
    assert refused.status == "invalid"
    assert "ward-7 has 60 prompts of its own, the most a team can keep" in plain(refused.card)
