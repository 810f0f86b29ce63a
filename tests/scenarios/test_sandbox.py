"""``carenudge sandbox``, as a newcomer runs it: a scripted week on ward 7, in a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.conftest import RedisServer

ROOT = Path(__file__).resolve().parents[2]


def sandbox(script: str, *args: str, redis_url: str = "") -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    if redis_url:
        environment["REDIS_URL"] = redis_url
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "sandbox",
            "--start",
            "2026-11-30T16:00",
            "--seed",
            "1",
            *args,
        ],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


def test_the_first_week_example_runs_start_to_finish() -> None:
    code, out = sandbox((ROOT / "examples" / "first-week.txt").read_text())
    assert code == 0, out
    # A manager creates a cadence; a non-manager is refused and told who can help.
    assert "Cadence c1 is set" in out
    assert "Only managers of ward-7 can change its nudges." in out
    assert "You could ask @sam: they can help." in out
    # The prompt arrives at 07:30 on Tuesday, in the channel and by direct message.
    assert "[Tue 01 Dec 07:30] CareNudge in #ward-7:" in out
    assert "[Tue 01 Dec 07:30] CareNudge to @priya (direct message):" in out
    # Marked done, in the channel and in the direct message (updated in place).
    assert "Thank you. It counts for ward-7 this week, never by name." in out
    assert "CareNudge updated its message to @priya (direct message):" in out
    assert re.search(r"Marked done this week\s+2\n", out)
    # Priya snoozed until Thursday: Wednesday's prompt reaches the channel, not her.
    wednesday = out.split("[Wed 02 Dec 07:30]", 1)[1]
    assert "to @priya" not in wednesday
    assert "[Wed 02 Dec 07:30] CareNudge in #ward-7:" in out


def test_five_cadences_on_one_team_never_go_past_a_budget_nor_repeat_a_prompt() -> None:
    code, out = sandbox((ROOT / "examples" / "a-busy-week.txt").read_text())
    assert code == 0, out
    prompts: dict[str, list[tuple[str, str]]] = {}
    for day, who, text in re.findall(
        r"\[(\w{3} \d\d \w{3}) \d\d:\d\d\] CareNudge to @(\w+) \(direct message\):\n  \| (.+)", out
    ):
        prompts.setdefault(who, []).append((day, text))

    def week(day: str) -> int:
        number = int(day.split()[1])
        return 0 if day.endswith("Nov") or number < 7 else 1

    assert set(prompts) == {"priya", "jo", "alex"}
    for who, got in prompts.items():
        allowed = 1 if who == "jo" else 3  # Jo asked for 1 a week; the team's is 3
        per_week = Counter(week(day) for day, _ in got)
        assert per_week == {0: allowed, 1: allowed}, (who, per_week)
        assert len({day for day, _ in got}) == len(got)  # never two a day
        assert len({text for _, text in got}) == len(got)  # never the same prompt twice


def test_a_line_it_cannot_understand_makes_the_exit_status_1() -> None:
    code, out = sandbox("/nudge create at half past seven\n/nudge help\n")
    assert code == 1
    assert "I didn't quite get that" in out
    assert "Try: /nudge create weekdays at 07:30" in out


def test_an_unknown_sandbox_word_is_explained() -> None:
    code, out = sandbox("dance\n")
    assert code == 1
    assert "Type help for the sandbox's commands." in out


def test_with_redis_url_set_the_sandbox_uses_that_redis(redis_server: RedisServer) -> None:
    import redis

    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        client.flushdb()
        code, out = sandbox("/nudge manager add @sam to ward-7\n", redis_url=redis_server.url)
        assert code == 0, out
        assert client.sismember("carenudge:teams:sandbox:local", "ward-7")
    finally:
        client.flushdb()
        client.close()


def test_the_sandbox_words_explain_themselves_and_refuse_nonsense_kindly() -> None:
    code, out = sandbox(
        "help\ntime\nas\nas @priya in dm\nin #icu\nin ???\nwait soon\nwait until 25:00\n"
        "press 99\nwait 90m\nquit\n/nudge help\n"
    )
    assert code == 1  # some lines were not understood
    assert "wait until tue 07:30" in out  # the sandbox's own help
    assert "It is Mon 30 Nov 2026, 16:00 (Europe/London)." in out
    assert "Try: as @priya in #ward-7" in out
    assert "You are @priya in your 1:1 chat with CareNudge." in out
    assert "You are in #icu." in out
    assert "Try: in #ward-7, or in dm" in out
    assert "Try: wait 2h, wait 30m, wait 1d or wait until 07:30" in out
    assert "There's no button with that number." in out
    assert "It is Mon 30 Nov 2026, 17:30 (Europe/London)." in out
    assert "CareNudge: small, kind acts" not in out  # nothing is read after quit


def test_a_hard_day_shows_shoutouts_and_a_pause_from_start_to_close() -> None:
    script = (ROOT / "examples" / "a-hard-day.txt").read_text()
    code, out = sandbox(script, "--start", "2026-11-30T10:00")
    assert code == 0, out
    # A specific shout-out goes out at once, tagged from its words; the people are told.
    assert "@priya recognised @alex and @jo for staying with the family in bay 3" in out
    assert "(Empathising · recognise someone with /shoutout)" in out
    assert out.count("** You've been recognised **") == 3
    # A vague one gets a tip first, and goes out only when posted as it is.
    tip, after = out.split("** A tip before it goes out **", 1)
    assert "@priya recognised @alex: thanks!" not in tip
    assert "@priya recognised @alex: thanks!" in after
    # The Pause opens, counts presence without names, and closes after 30 seconds.
    assert "** A moment to pause **" in out
    assert "(30 seconds of silence. 2 pausing together.)" in out
    assert "2 of you paused together." in out
    assert "(This pause has ended. 2 paused together.)" in out
    # Three hours later the manager gets a check-in written for after a death, saying it
    # follows the Pause.
    assert "[Mon 30 Nov 13:00] CareNudge to @sam (direct message):" in out
    follow_up = out.split("[Mon 30 Nov 13:00]", 1)[1].split("\n", 4)
    assert "Following the Pause your team held earlier" in follow_up[1]
    assert "after a death" in follow_up[3]
    assert re.search(r"Pauses held this month\s+1\n", out)
    # Friday's digest: counts by behaviour, the messages, no one ranked.
    assert "2 shout-outs this week: Attending 0, Understanding 0, Empathising 1, Helping 1." in out
    digest = out.split("** This week's shout-outs in #ward-7 **", 1)[1]
    assert "@jo" in digest
    assert "jo" not in out.split("/pause 30s", 1)[1].split("Pausing with you", 1)[0]


def test_the_sandbox_clock_runs_through_the_clock_changes_as_the_scheduler_does() -> None:
    script = "nudge manager add @sam to ward-7\nnudge create daily at 07:30 to #ward-7\nwait 2d\n"
    # Spring forward: 48 hours from Saturday 07:00 GMT is Monday 08:00 BST.
    code, out = sandbox(script, "--start", "2027-03-27T07:00", "--tz", "Europe/London")
    assert code == 0, out
    assert re.findall(r"^\[(\w{3} \d\d \w{3} \d\d:\d\d)\]", out, re.M) == [
        "Sat 27 Mar 07:30",
        "Sun 28 Mar 07:30",
        "Mon 29 Mar 07:30",
    ]
    assert "It is Mon 29 Mar 2027, 08:00 (Europe/London)." in out
    # Fall back: 48 hours from Saturday 07:00 BST is Monday 06:00 GMT, before that day's fire.
    code, out = sandbox(script, "--start", "2027-10-30T07:00", "--tz", "Europe/London")
    assert code == 0, out
    assert re.findall(r"^\[(\w{3} \d\d \w{3} \d\d:\d\d)\]", out, re.M) == [
        "Sat 30 Oct 07:30",
        "Sun 31 Oct 07:30",
    ]
    assert "It is Mon 01 Nov 2027, 06:00 (Europe/London)." in out


def test_a_week_in_the_sandbox_sends_each_prompt_at_a_moment_it_was_written_for() -> None:
    from nudges.library import library
    from nudges.model import Context

    script = "\n".join(
        (
            "nudge manager add @sam to ward-7",
            "nudge join ward-7",
            "nudge create daily at 07:30 to #ward-7",
            "nudge create weekdays at 19:00 to #ward-7 theme end of shift",
            "nudge create weekdays at shift start to team",
            "pause for everyone who cared follow up in 1h to me",
            "wait 7d",
        )
    )
    code, out = sandbox(script)
    assert code == 0, out
    moments = {p.text: p.contexts for p in library()}
    sent = re.findall(
        r"^\[\w{3} (\d\d) \w{3} (\d\d:\d\d)\] CareNudge (.+?):\n((?:  \|.*\n)+)", out, re.M
    )
    seen: dict[str, int] = {}
    by_week: Counter[int] = Counter()  # sam's prompts by ISO week (Mon 30 Nov, Mon 7 Dec)
    for day, at, where, body in sent:
        lines = [line.removeprefix("  | ") for line in body.splitlines()]
        text = next((line for line in lines if line in moments), None)
        if text is None:
            continue  # not a prompt (a Pause, a welcome)
        if "Following the Pause" in body:
            kind, expected = "follow-up", {Context.AFTER_DEATH}
        elif where == "in #ward-7" and at == "07:30":
            kind, expected = "clock time", {Context.ANY_TIME}
        elif where == "in #ward-7" and at == "19:00":
            kind, expected = "end of shift", {Context.END_OF_SHIFT}
        else:
            kind, expected = "shift start", {Context.ANY_TIME, Context.START_OF_SHIFT}
            by_week[49 if int(day) >= 30 or int(day) <= 6 else 50] += 1
        assert moments[text] & expected, f"{kind} at {at} {where}: {text}"
        seen[kind] = seen.get(kind, 0) + 1
    assert seen["clock time"] == 7
    assert seen["end of shift"] == 5
    assert by_week[49] == 3  # the attention budget: at most 1 a day and 3 a week
    assert by_week[50] <= 1
    assert seen["follow-up"] == 1
