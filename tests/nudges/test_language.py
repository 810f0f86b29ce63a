"""The one command language: what people type after /nudge, and what they are told when it
doesn't make a command."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nudges import help
from nudges.cards import Mention, plain
from nudges.commands import (
    AddPrompt,
    Appoint,
    CadenceSpec,
    CadenceVerb,
    Command,
    CreateCadence,
    EditCadence,
    Help,
    ListCadences,
    ListPrompts,
    ListTeams,
    Membership,
    PreviewCadence,
    PromptVerb,
    SetQuietHours,
    SetShift,
    SetTimezone,
    SetWorkingDays,
    ShowSettings,
    ShowTeam,
    Snooze,
    StopOrStart,
)
from nudges.errors import ParseError
from nudges.events import Arg
from nudges.language import VERBS, parse, tokenize
from nudges.model import (
    DAY_SHIFT,
    NIGHT_SHIFT,
    Behaviour,
    ChannelRef,
    Context,
    Conversation,
    MemberRef,
    QuietHours,
    Shift,
    ShiftMoment,
    ShiftPattern,
)

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def mention(name: str) -> Mention:
    return Mention(MemberRef("test", "T1", name), name)


def channel(name: str) -> ChannelRef:
    return ChannelRef(Conversation("test", "T1", name), name)


def args_of(text: str) -> list[Arg]:
    """The words of ``text`` as an adapter hands them over: @people and #channels resolved."""
    found: list[Arg] = []
    for word in tokenize(text):
        if word.startswith("@") and len(word) > 1:
            found.append(mention(word[1:]))
        elif word.startswith("#") and len(word) > 1:
            found.append(channel(word[1:]))
        else:
            found.append(word)
    return found


def command(text: str) -> Command:
    """What ``/nudge <text>`` means."""
    return parse("nudge", args_of(text))


def spec_of(text: str) -> CadenceSpec:
    cmd = command(text)
    assert isinstance(cmd, CreateCadence), cmd
    return cmd.spec


def problem_with(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        command(text)
    return caught.value


def without_slash(example: str) -> str:
    assert example.startswith("/nudge "), example
    return example.removeprefix("/nudge ")


# --- tokenize --------------------------------------------------------------------------------


def test_tokenize_splits_on_any_whitespace() -> None:
    assert tokenize("  create\tweekdays\n at  07:30 ") == ["create", "weekdays", "at", "07:30"]


def test_tokenize_keeps_a_straight_quoted_phrase_whole() -> None:
    assert tokenize('cron "30 7 * * 1-5" to team') == ["cron", "30 7 * * 1-5", "to", "team"]


def test_tokenize_keeps_a_curly_quoted_phrase_whole() -> None:
    # Phones and Teams turn straight quotes into curly ones as people type.
    assert tokenize("prompt add \u201cSay thank you.\u201d behaviour recognition")[:3] == [
        "prompt",
        "add",
        "Say thank you.",
    ]


def test_tokenize_reads_an_unclosed_quote_to_the_end() -> None:
    assert tokenize('prompt add "Say thank you') == ["prompt", "add", "Say thank you"]


def test_tokenize_drops_empty_quotes() -> None:
    assert tokenize('help "" create') == ["help", "create"]


# --- help --------------------------------------------------------------------------------------


def test_nothing_after_nudge_asks_for_help() -> None:
    assert parse("nudge", []) == Help()


def test_the_command_name_may_keep_its_slash_and_any_case() -> None:
    assert parse("/Nudge", ["help"]) == Help()


def test_help_with_a_topic_keeps_the_topic_in_lower_case() -> None:
    assert command("help Create") == Help("create")


def test_question_mark_asks_for_help() -> None:
    assert command("? themes") == Help("themes")


# --- create: days ----------------------------------------------------------------------------


def test_weekdays_at_two_times_parses_both_times() -> None:
    spec = spec_of("create weekdays at 07:30 and 16:00")
    assert spec.days == WEEKDAYS
    assert spec.times == (time(7, 30), time(16, 0))


def test_a_day_range_covers_every_day_in_it() -> None:
    assert spec_of("create mon-fri at 08:00").days == WEEKDAYS


def test_a_day_range_may_wrap_round_the_weekend() -> None:
    assert spec_of("create sat-mon at 08:00").days == frozenset({5, 6, 0})


def test_a_comma_list_of_days_names_each_day() -> None:
    assert spec_of("create mon,wed,fri at 08:00").days == frozenset({0, 2, 4})


def test_full_and_plural_day_names_are_understood() -> None:
    assert spec_of("create mondays and Thursday at 08:00").days == frozenset({0, 3})


def test_every_day_means_all_seven_days() -> None:
    assert spec_of("create every day at 08:00").days == EVERY_DAY


def test_daily_means_all_seven_days() -> None:
    assert spec_of("create daily at 08:00").days == EVERY_DAY


def test_weekends_means_saturday_and_sunday() -> None:
    assert spec_of("create weekends at 10:00").days == frozenset({5, 6})


def test_days_may_come_after_the_time() -> None:
    spec = spec_of("create at 08:00 on tue,thu")
    assert spec.days == frozenset({1, 3})
    assert spec.times == (time(8, 0),)


# --- create: times -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("07:30", time(7, 30)),
        ("7:30am", time(7, 30)),
        ("7pm", time(19, 0)),
        ("7PM", time(19, 0)),
        ("7:30p.m.", time(19, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("noon", time(12, 0)),
        ("midnight", time(0, 0)),
        ("19.30", time(19, 30)),
        ("19h30", time(19, 30)),
        ("0730", time(7, 30)),
        ("23:59", time(23, 59)),
    ],
)
def test_times_are_read_the_ways_people_write_them(written: str, meant: time) -> None:
    assert spec_of(f"create daily at {written}").times == (meant,)


def test_a_comma_list_of_times_gives_each_time() -> None:
    assert spec_of("create daily at 08:00,12:00,16:00").times == (
        time(8, 0),
        time(12, 0),
        time(16, 0),
    )


def test_the_same_time_twice_is_kept_once() -> None:
    assert spec_of("create daily at 08:00 and 8am").times == (time(8, 0),)


def test_a_time_without_at_is_still_a_time() -> None:
    assert spec_of("create weekdays 07:30").times == (time(7, 30),)


def test_shift_start_follows_each_persons_shift() -> None:
    spec = spec_of("create weekdays at shift start to team")
    assert spec.times == (ShiftMoment.START,)


def test_end_of_shift_and_a_clock_time_can_be_mixed() -> None:
    spec = spec_of("create daily at end of shift and 12:00 to team")
    assert spec.times == (ShiftMoment.END, time(12, 0))


@pytest.mark.parametrize("written", ["7", "19", "0"])
def test_a_bare_number_is_not_a_time_because_it_is_ambiguous(written: str) -> None:
    error = problem_with(f"create weekdays at {written}")
    assert f"couldn't read the time '{written}'" in error.problem


@pytest.mark.parametrize("written", ["24:00", "7.75", "13pm", "0am", "25", "7:5"])
def test_impossible_times_are_refused(written: str) -> None:
    assert "couldn't read the time" in problem_with(f"create daily at {written}").problem


def test_more_than_twelve_times_a_day_is_refused() -> None:
    times = " ".join(f"{h:02d}:00" for h in range(13))
    assert "at most 12 times" in problem_with(f"create daily at {times}").problem


# --- create: cron ------------------------------------------------------------------------------


def test_a_quoted_cron_expression_is_kept_whole() -> None:
    spec = spec_of('create cron "30 7 * * 1-5" to #ward-7')
    assert spec.cron == "30 7 * * 1-5"
    assert spec.days is None
    assert spec.times is None
    assert spec.channel == channel("ward-7")


def test_an_unquoted_cron_expression_is_read_field_by_field() -> None:
    spec = spec_of("create cron 30 7 * * 1-5 to #ward-7")
    assert spec.cron == "30 7 * * 1-5"
    assert spec.channel == channel("ward-7")


def test_a_cron_expression_needs_five_fields() -> None:
    assert "five parts" in problem_with('create cron "30 7 * *"').problem


def test_cron_and_days_together_are_refused() -> None:
    assert "not both" in problem_with('create weekdays cron "30 7 * * 1-5"').problem


# --- create: audience ------------------------------------------------------------------------


def test_to_a_channel_sends_to_that_channel() -> None:
    spec = spec_of("create weekdays at 07:30 to #ward-7")
    assert spec.channel == channel("ward-7")
    assert spec.has_audience


def test_in_a_channel_also_sends_to_that_channel() -> None:
    assert spec_of("create daily at 08:00 in #icu").channel == channel("icu")


def test_to_people_sends_to_each_person_named() -> None:
    people: list[Arg] = [mention("sam"), ",", mention("priya"), "and", mention("jo")]
    cmd = parse("nudge", ["create", "daily", "at", "08:00", "to", *people])
    assert isinstance(cmd, CreateCadence)
    spec = cmd.spec
    assert spec.members == (mention("sam"), mention("priya"), mention("jo"))
    assert spec.channel is None


def test_to_me_includes_the_person_who_typed_it() -> None:
    spec = spec_of("create daily at 08:00 to me")
    assert spec.include_me
    assert spec.members == ()


def test_to_me_and_someone_includes_both() -> None:
    spec = spec_of("create daily at 08:00 to me and @sam")
    assert spec.include_me
    assert spec.members == (mention("sam"),)


@pytest.mark.parametrize("who", ["team", "the team", "the whole team", "everyone"])
def test_to_team_sends_to_everyone_who_joined(who: str) -> None:
    spec = spec_of(f"create daily at 08:00 to {who}")
    assert spec.whole_team
    assert spec.members == ()
    assert spec.channel is None


def test_without_to_there_is_no_audience_yet() -> None:
    assert not spec_of("create daily at 08:00").has_audience


def test_to_nobody_asks_who_should_get_it() -> None:
    assert problem_with("create daily at 08:00 to nobody").problem.startswith("Who should get it?")


# --- create: time zone, local time, theme, team ------------------------------------------------


@pytest.mark.parametrize("written", ["Europe/London", "europe/london", "EUROPE/LONDON"])
def test_time_zones_are_case_insensitive(written: str) -> None:
    assert spec_of(f"create daily at 08:00 tz {written}").tz == "Europe/London"


def test_in_a_time_zone_sets_the_time_zone() -> None:
    assert spec_of("create daily at 08:00 in america/new_york").tz == "America/New_York"


def test_utc_is_a_time_zone() -> None:
    assert spec_of("create daily at 08:00 tz utc").tz == "UTC"


def test_an_unknown_time_zone_is_named_in_the_problem() -> None:
    error = problem_with("create daily at 08:00 tz Mars/Olympus")
    assert "I don't know the time zone 'Mars/Olympus'." in error.problem


@pytest.mark.parametrize(
    "written", ["local time", "at local time", "at their local time", "each local time"]
)
def test_local_time_reaches_each_person_at_their_own_time(written: str) -> None:
    spec = spec_of(f"create weekdays at 07:30 to team {written}")
    assert spec.local_time is True
    assert spec.times == (time(7, 30),)


def test_without_local_time_it_is_left_unsaid() -> None:
    assert spec_of("create weekdays at 07:30 to team").local_time is None


@pytest.mark.parametrize("behaviour", list(Behaviour))
def test_every_behaviour_is_a_theme(behaviour: Behaviour) -> None:
    assert spec_of(f"create daily at 08:00 theme {behaviour.value}").theme is behaviour


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("self", Behaviour.SELF_COMPASSION),
        ("thanks", Behaviour.RECOGNITION),
        ("Empathizing", Behaviour.EMPATHISING),
    ],
)
def test_behaviour_themes_have_everyday_names(written: str, meant: Behaviour) -> None:
    assert spec_of(f"create daily at 08:00 about {written}").theme is meant


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("start of shift", Context.START_OF_SHIFT),
        ("end of shift", Context.END_OF_SHIFT),
        ("after a hard case", Context.AFTER_HARD_CASE),
        ("after hard case", Context.AFTER_HARD_CASE),
        ("after a meeting", Context.AFTER_MEETING),
        ("any time", Context.ANY_TIME),
        ("end-of-shift", Context.END_OF_SHIFT),
    ],
)
def test_a_moment_of_several_words_is_a_theme(written: str, meant: Context) -> None:
    spec = spec_of(f"create daily at 19:00 to team theme {written}")
    assert spec.theme is meant
    assert spec.whole_team


def test_each_moment_named_in_the_theme_help_is_a_theme() -> None:
    for moment in Context:
        assert spec_of(f"create daily at 19:00 theme {moment.label}").theme is moment


def test_a_moment_theme_may_be_followed_by_more_clauses() -> None:
    spec = spec_of("create daily at 19:00 theme after a hard case to #icu")
    assert spec.theme is Context.AFTER_HARD_CASE
    assert spec.channel == channel("icu")


def test_mixed_is_a_theme() -> None:
    assert spec_of("create daily at 08:00 theme mixed").theme == "mixed"


def test_an_unknown_theme_lists_the_choices() -> None:
    error = problem_with("create daily at 08:00 theme cheerfulness")
    assert "'cheerfulness' isn't a theme" in error.problem
    assert "attending" in error.problem
    assert "mixed" in error.problem


def test_team_names_the_team_a_cadence_belongs_to() -> None:
    assert spec_of("create daily at 08:00 to team team Ward-7").team == "ward-7"


def test_a_full_create_command_keeps_every_part() -> None:
    cmd = command(
        "create mon-fri at 7:30am and 7pm to @sam @priya tz Europe/Paris theme helping team icu"
    )
    assert cmd == CreateCadence(
        CadenceSpec(
            days=WEEKDAYS,
            times=(time(7, 30), time(19, 0)),
            members=(mention("sam"), mention("priya")),
            tz="Europe/Paris",
            theme=Behaviour.HELPING,
            team="icu",
        )
    )


@pytest.mark.parametrize("verb", ["create", "new", "add"])
def test_create_has_other_names(verb: str) -> None:
    assert isinstance(command(f"{verb} daily at 08:00"), CreateCadence)


def test_create_without_a_time_asks_when() -> None:
    assert problem_with("create weekdays to team").problem == "Please say when it should go out."


# --- edit and preview --------------------------------------------------------------------------


def test_edit_keeps_only_what_changes() -> None:
    assert command("edit c3 at 08:00") == EditCadence("c3", CadenceSpec(times=(time(8, 0),)))


@pytest.mark.parametrize("written", ["c3", "C3", "#3", "3", "c03"])
def test_cadence_numbers_are_read_with_or_without_the_c(written: str) -> None:
    cmd = command(f"change {written} weekdays")
    assert cmd == EditCadence("c3", CadenceSpec(days=WEEKDAYS))


def test_edit_can_move_a_cadence_to_another_channel_and_theme() -> None:
    cmd = command("edit c3 to #ward-7-nights theme helping")
    assert cmd == EditCadence(
        "c3", CadenceSpec(channel=channel("ward-7-nights"), theme=Behaviour.HELPING)
    )


def test_edit_with_nothing_to_change_asks_what_should_change() -> None:
    assert problem_with("edit c3").problem == "What should change?"


def test_preview_of_a_saved_cadence_names_it() -> None:
    assert command("preview c3") == PreviewCadence("c3", CadenceSpec())


def test_preview_of_a_draft_reads_its_clauses() -> None:
    cmd = command("preview weekdays at 07:30 to #ward-7")
    assert cmd == PreviewCadence(
        None, CadenceSpec(days=WEEKDAYS, times=(time(7, 30),), channel=channel("ward-7"))
    )


def test_preview_of_a_cron_draft_is_a_draft() -> None:
    cmd = command('preview cron "0 9 * * 1"')
    assert cmd == PreviewCadence(None, CadenceSpec(cron="0 9 * * 1"))


# --- list, show, pause, resume, delete, restore -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("list", ListCadences()),
        ("ls", ListCadences()),
        ("list team ward-7", ListCadences("ward-7")),
        ("list for Ward-7", ListCadences("ward-7")),
        ("list #ward-7", ListCadences("ward-7")),
    ],
)
def test_list_shows_cadences_optionally_for_one_team(text: str, expected: Command) -> None:
    assert command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("show c3", CadenceVerb("show", "c3")),
        ("pause c3", CadenceVerb("pause", "c3")),
        ("resume c3", CadenceVerb("resume", "c3")),
        ("delete c3", CadenceVerb("delete", "c3")),
        ("remove c3", CadenceVerb("delete", "c3")),
        ("restore c3", CadenceVerb("restore", "c3")),
        ("undo c3", CadenceVerb("restore", "c3")),
    ],
)
def test_one_cadence_verbs_name_the_cadence(text: str, expected: Command) -> None:
    assert command(text) == expected


def test_a_one_cadence_verb_refuses_extra_words() -> None:
    assert problem_with("delete c3 now").problem == "I didn't expect 'now' there."


# --- prompts -------------------------------------------------------------------------------------


def test_prompts_lists_the_pool_optionally_for_one_team() -> None:
    assert command("prompts") == ListPrompts()
    assert command("prompts team ward-7") == ListPrompts("ward-7")


def test_prompt_add_reads_text_behaviour_and_context() -> None:
    cmd = command(
        'prompt add "Ask one colleague what helped today." behaviour understanding '
        "context end of shift"
    )
    assert cmd == AddPrompt(
        "Ask one colleague what helped today.",
        Behaviour.UNDERSTANDING,
        frozenset({Context.END_OF_SHIFT}),
    )


def test_prompt_add_reads_several_contexts_and_a_team() -> None:
    cmd = command(
        "prompt add \u201cThank someone for their help.\u201d behavior recognition "
        "contexts end of shift and after a meeting team ward-7"
    )
    assert cmd == AddPrompt(
        "Thank someone for their help.",
        Behaviour.RECOGNITION,
        frozenset({Context.END_OF_SHIFT, Context.AFTER_MEETING}),
        "ward-7",
    )


def test_prompt_add_without_quotes_joins_the_words() -> None:
    cmd = command("prompt new Take one slow breath before the next task. behaviour self")
    assert cmd == AddPrompt(
        "Take one slow breath before the next task.",
        Behaviour.SELF_COMPASSION,
        frozenset({Context.ANY_TIME}),
    )


def test_prompt_add_without_a_context_suits_any_time() -> None:
    cmd = command('prompt add "Thank someone today." behaviour recognition')
    assert isinstance(cmd, AddPrompt)
    assert cmd.contexts == frozenset({Context.ANY_TIME})


def test_prompt_add_asks_which_behaviour() -> None:
    assert problem_with('prompt add "Thank someone today."').problem.startswith(
        "Which behaviour is it?"
    )


def test_prompt_add_refuses_a_prompt_too_long_to_read_at_a_glance() -> None:
    text = "word " * 60
    error = problem_with(f'prompt add "{text}" behaviour helping')
    assert "please keep it under 280" in error.problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prompt retire attending-04", PromptVerb("retire", "attending-04")),
        ("prompt retire Attending-04 team ward-7", PromptVerb("retire", "attending-04", "ward-7")),
        ("prompt restore attending-04", PromptVerb("restore", "attending-04")),
    ],
)
def test_prompt_retire_and_restore_name_the_prompt(text: str, expected: Command) -> None:
    assert command(text) == expected


# --- your own settings ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["settings", "me"])
def test_settings_shows_your_settings(text: str) -> None:
    assert command(text) == ShowSettings()


@pytest.mark.parametrize("text", ["tz Europe/London", "timezone europe/london"])
def test_tz_sets_your_time_zone(text: str) -> None:
    assert command(text) == SetTimezone("Europe/London")


@pytest.mark.parametrize(
    "text", ["quiet 21:00-07:00", "quiet 21:00 to 07:00", "quiet 9pm-7am", "quiet 21.00 until 7am"]
)
def test_quiet_hours_are_a_range_that_may_cross_midnight(text: str) -> None:
    assert command(text) == SetQuietHours(QuietHours(time(21, 0), time(7, 0)))


def test_quiet_off_turns_quiet_hours_off() -> None:
    assert command("quiet off") == SetQuietHours(None, off=True)


def test_quiet_default_goes_back_to_the_default() -> None:
    assert command("quiet default") == SetQuietHours(None)


def test_quiet_hours_need_an_end() -> None:
    assert "a start and an end time" in problem_with("quiet 21:00").problem


def test_quiet_hours_that_start_and_end_together_are_refused() -> None:
    assert problem_with("quiet 21:00-21:00").problem == "The start and end times are the same."


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("days mon-fri", WEEKDAYS),
        ("days sat-mon", frozenset({5, 6, 0})),
        ("days mon,wed,fri", frozenset({0, 2, 4})),
        ("days tuesdays and thursdays", frozenset({1, 3})),
        ("days weekends", frozenset({5, 6})),
    ],
)
def test_days_sets_your_working_days(text: str, days: frozenset[int]) -> None:
    assert command(text) == SetWorkingDays(days)


@pytest.mark.parametrize("text", ["days all", "days every day", "days any"])
def test_days_all_means_every_day(text: str) -> None:
    assert command(text) == SetWorkingDays(None)


def test_shift_night_with_times_sets_your_own_night_shift() -> None:
    assert command("shift night 19:00-07:30") == SetShift(
        ShiftPattern(Shift.NIGHT, time(19, 0), time(7, 30))
    )


def test_shift_without_times_uses_the_usual_hours() -> None:
    assert command("shift day") == SetShift(DAY_SHIFT)
    assert command("shift nights") == SetShift(NIGHT_SHIFT)


def test_shift_off_clears_your_shift() -> None:
    assert command("shift off") == SetShift(None)


def test_shift_asks_day_or_night() -> None:
    assert problem_with("shift evening").problem == "Do you work day or night shifts?"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("snooze 3 days", Snooze(days=3)),
        ("snooze for 3 days", Snooze(days=3)),
        ("snooze 3d", Snooze(days=3)),
        ("snooze 2 weeks", Snooze(days=14)),
        ("snooze 2w", Snooze(days=14)),
        ("snooze tomorrow", Snooze(days=1)),
        ("snooze week", Snooze(days=7)),
        ("snooze until friday", Snooze(weekday=4)),
        ("snooze till Mon", Snooze(weekday=0)),
        ("snooze until 2026-12-24", Snooze(until=date(2026, 12, 24))),
        ("snooze off", Snooze()),
        ("snooze cancel", Snooze()),
    ],
)
def test_snooze_reads_days_weeks_weekdays_and_dates(text: str, expected: Snooze) -> None:
    assert command(text) == expected


@pytest.mark.parametrize("text", ["snooze 0 days", "snooze 400 days", "snooze 53 weeks"])
def test_snooze_is_between_a_day_and_a_year(text: str) -> None:
    assert problem_with(text).problem == "Snooze for between 1 day and a year."


def test_snooze_refuses_a_date_that_does_not_exist() -> None:
    assert problem_with("snooze until 2026-02-30").problem == "'2026-02-30' isn't a date I know."


def test_stop_and_start_turn_direct_nudges_off_and_on() -> None:
    assert command("stop") == StopOrStart(stop=True)
    assert command("start") == StopOrStart(stop=False)


# --- teams, managers and admins ----------------------------------------------------------------


def test_join_and_leave_name_the_team_in_lower_case() -> None:
    assert command("join Ward-7") == Membership(True, "ward-7")
    assert command("leave ward-7") == Membership(False, "ward-7")


def test_join_accepts_a_channel_of_the_same_name() -> None:
    assert command("join #ward-7") == Membership(True, "ward-7")


def test_join_refuses_a_team_name_with_spaces() -> None:
    """Joining "ward" when someone typed "ward 7" would join the wrong team."""
    assert problem_with("join ward 7").problem == "I didn't expect '7' there."


def test_teams_lists_teams_and_team_shows_one() -> None:
    assert command("teams") == ListTeams()
    assert command("team") == ShowTeam()
    assert command("team ward-7") == ShowTeam("ward-7")


def test_a_team_name_that_cannot_be_one_says_what_names_look_like() -> None:
    error = problem_with("join ward_7!")
    assert error.problem.startswith("'ward_7!' can't be a team name.")
    assert "like ward-7" in error.problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("manager add @sam to ward-7", Appoint(mention("sam"), True, "ward-7")),
        ("managers add @sam ward-7", Appoint(mention("sam"), True, "ward-7")),
        ("manager remove @sam from ward-7", Appoint(mention("sam"), False, "ward-7")),
        ("manager add @sam to team ward-7", Appoint(mention("sam"), True, "ward-7")),
        ("admin add @priya", Appoint(mention("priya"), True, None)),
        ("admin remove @priya", Appoint(mention("priya"), False, None)),
    ],
)
def test_manager_and_admin_add_and_remove_name_the_person(text: str, expected: Appoint) -> None:
    assert command(text) == expected


def test_appointing_someone_needs_a_mention_not_a_plain_name() -> None:
    assert problem_with("manager add sam to ward-7").problem == "Who? Mention them with @."


def test_a_manager_needs_a_team() -> None:
    assert problem_with("manager add @sam").problem.startswith("Which team?")


def test_admins_are_not_for_one_team() -> None:
    assert problem_with("admin add @priya ward-7").problem == "I didn't expect 'ward-7' there."


# --- every verb ----------------------------------------------------------------------------------

HAPPY_PATHS: dict[str, str] = {
    "help": "help",
    "?": "?",
    "create": "create weekdays at 07:30 to #ward-7",
    "new": "new weekdays at 07:30 to #ward-7",
    "add": "add weekdays at 07:30 to #ward-7",
    "edit": "edit c3 at 08:00",
    "change": "change c3 at 08:00",
    "preview": "preview c3",
    "list": "list",
    "ls": "ls",
    "show": "show c3",
    "pause": "pause c3",
    "resume": "resume c3",
    "delete": "delete c3",
    "remove": "remove c3",
    "restore": "restore c3",
    "undo": "undo c3",
    "prompts": "prompts",
    "prompt": "prompt retire attending-04",
    "settings": "settings",
    "me": "me",
    "tz": "tz Europe/London",
    "timezone": "timezone Europe/London",
    "quiet": "quiet 21:00-07:00",
    "days": "days mon-fri",
    "shift": "shift night",
    "budget": "budget 2 a week",
    "my": "my data",
    "forget": "forget me",
    "evaluation": "evaluation team ward-7 20%",
    "snooze": "snooze 3 days",
    "stop": "stop",
    "start": "start",
    "join": "join ward-7",
    "leave": "leave ward-7",
    "teams": "teams",
    "team": "team ward-7",
    "manager": "manager add @sam to ward-7",
    "managers": "managers add @sam to ward-7",
    "admin": "admin add @sam",
}


def test_every_verb_has_a_happy_path_here() -> None:
    assert set(HAPPY_PATHS) == set(VERBS)


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_verb_parses_in_any_case(verb: str) -> None:
    text = HAPPY_PATHS[verb]
    assert command(text) == command(text[: len(verb)].upper() + text[len(verb) :])


# --- problems ------------------------------------------------------------------------------------

BAD_COMMANDS = [
    "frobnicate",
    "forget",
    "forget everything",
    "my data now",
    "evaluation team ward-7 80%",
    "evaluation team ward-7 lots",
    "create",
    "create weekdays",
    "create weekdays at 7",
    "create weekdays at",
    "create weekdays at 25:00",
    "create weekdays at 07:30 to",
    "create weekdays at 07:30 to nobody",
    "create weekdays at 07:30 tz Mars/Olympus",
    "create weekdays at 07:30 tz",
    "create weekdays at 07:30 theme cheerfulness",
    "create weekdays at 07:30 theme",
    "create weekdays at 07:30 team ward_7!",
    "create weekdays at 07:30 their time",
    "create weekdays at 07:30 please",
    'create cron "30 7 * *"',
    'create weekdays cron "30 7 * * 1-5"',
    "edit",
    "edit x at 08:00",
    "edit c3",
    "preview",
    "preview soon",
    "preview c3 soon",
    "show",
    "show c3 now",
    "pause cadence-three",
    "prompt",
    "prompt add",
    'prompt add "Thank someone today."',
    'prompt add "Thank someone today." behaviour cheerful',
    'prompt add "Thank someone today." behaviour',
    'prompt add "Thank someone today." behaviour helping context',
    'prompt add "Thank someone today." behaviour helping context lunchtime',
    'prompt add "Thank someone today." behaviour helping team ward-7 extra',
    "prompt retire",
    "prompt retire attending-04 ward_7!",
    "settings now",
    "tz",
    "tz Mars/Olympus",
    "quiet",
    "quiet 21:00",
    "quiet 21:00-21:00",
    "days",
    "days someday",
    "shift",
    "shift evening",
    "shift night 19:00",
    "snooze",
    "snooze 3",
    "snooze forever",
    "snooze 0 days",
    "snooze until 2026-02-30",
    "stop now",
    "join",
    "join ward_7!",
    "join ward 7",
    "leave",
    "teams ward-7",
    "team ward 7",
    "manager",
    "manager promote @sam",
    "manager add sam to ward-7",
    "manager add @sam",
    "admin add",
    "admin add @sam ward-7",
]

JARGON = re.compile(
    r"traceback|exception|error|token|regex|pars(e|ing)|argument|\bargs?\b|\bNone\b|null|"
    r"invalid|syntax|index|''",
    re.IGNORECASE,
)


@pytest.mark.parametrize("text", BAD_COMMANDS)
def test_a_bad_command_says_what_was_wrong_in_plain_words(text: str) -> None:
    error = problem_with(text)
    assert error.problem.strip() == error.problem
    assert error.problem[:1].isupper() or error.problem.startswith("'"), error.problem
    assert error.problem.endswith((".", "?")), error.problem
    assert not JARGON.search(error.problem), error.problem
    assert ".." not in error.problem
    assert "?." not in error.problem


@pytest.mark.parametrize("text", BAD_COMMANDS)
def test_a_bad_command_shows_an_example_that_works(text: str) -> None:
    error = problem_with(text)
    command(without_slash(error.example))


@pytest.mark.parametrize("text", BAD_COMMANDS)
def test_a_bad_command_points_to_help_that_exists(text: str) -> None:
    error = problem_with(text)
    if error.topic:
        assert "I have no help on" not in plain(help.help_card(error.topic)), error.topic


def test_an_unknown_verb_is_named_and_points_to_help() -> None:
    error = problem_with("frobnicate c3")
    assert error.problem == "I don't know '/nudge frobnicate'."
    assert error.example == "/nudge help"


def test_an_unknown_command_name_is_named() -> None:
    with pytest.raises(ParseError, match="I don't know the command 'shout'"):
        parse("shout", ["help"])


def test_a_very_long_unknown_word_is_shortened_in_the_problem() -> None:
    error = problem_with("x" * 500)
    assert len(error.problem) < 60


def test_more_than_two_hundred_words_is_too_long_to_read() -> None:
    with pytest.raises(ParseError) as caught:
        parse("nudge", ["create", *(["and"] * 200)])
    assert caught.value.problem == "That command is too long for me to read."
    command(without_slash(caught.value.example))


def test_two_hundred_words_are_still_read() -> None:
    cmd = parse("nudge", ["create", "daily", "at", "08:00", *(["and"] * 196)])
    assert cmd == CreateCadence(CadenceSpec(days=EVERY_DAY, times=(time(8, 0),)))


# --- anything at all -----------------------------------------------------------------------------

VOCABULARY = sorted(
    {
        *VERBS,
        *(w for text in HAPPY_PATHS.values() for w in text.split()),
        *(w for text in BAD_COMMANDS for w in text.split()),
        *(w for moment in Context for w in moment.label.split()),
        *(b.value for b in Behaviour),
        "at",
        "to",
        "for",
        "in",
        "on",
        "and",
        ",",
        "&",
        "every",
        "day",
        "local",
        "time",
        "their",
        "shift",
        "start",
        "end",
        "of",
        "theme",
        "about",
        "cron",
        "tz",
        "team",
        "me",
        "until",
        "7pm",
        "noon",
        "sat-mon",
        "-",
        "",
        '"',
        "@",
        "#",
        "\u201c",
    }
)

words = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(st.sampled_from("0123456789:.-,apm@#\"' \u201c\u201d\u201e"), max_size=8),
    st.text(max_size=12),
)
mentions = st.builds(mention, st.text(max_size=10))
channels = st.builds(channel, st.text(max_size=10))
any_text = st.one_of(
    st.text(),
    st.text(st.sampled_from(' "@#\u201c\u201d\u201e\n\tab1:')),
    st.lists(words, max_size=20).map(" ".join),
)


def parses_or_explains(args: Sequence[Arg]) -> None:
    """Parse, or fail with a ParseError that explains itself; any other exception escapes."""
    try:
        parse("nudge", args)
    except ParseError as error:
        problem, example = error.problem, error.example
    else:
        return
    assert problem
    assert example.startswith("/nudge ")


@settings(deadline=None, max_examples=300)
@given(any_text)
def test_any_text_either_parses_or_says_what_was_wrong(text: str) -> None:
    parses_or_explains(args_of(text))


@settings(deadline=None, max_examples=300)
@given(any_text)
def test_tokenize_never_fails_and_never_keeps_empty_words(text: str) -> None:
    assert all(tokenize(text))


@settings(deadline=None, max_examples=300)
@given(st.lists(st.one_of(words, mentions, channels), max_size=25))
def test_any_mix_of_words_people_and_channels_parses_or_says_what_was_wrong(
    args: list[Arg],
) -> None:
    parses_or_explains(args)


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(sorted(VERBS)), st.lists(st.one_of(words, mentions, channels), max_size=12))
def test_any_words_after_a_verb_parse_or_say_what_was_wrong(verb: str, rest: list[Arg]) -> None:
    parses_or_explains([verb, *rest])
