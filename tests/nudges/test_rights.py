"""A person's data is theirs: ``/nudge my data`` shows them everything held about them, and
``/nudge forget me`` erases it, after which nothing in Redis names them (every key and value is
scanned). And nothing personal is kept forever without an owner who deletes it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from redis.asyncio import Redis

from nudges.cards import Code, plain
from tests.conftest import World, build_world
from tests.fakes.clock import FakeClock, utc

PERSON = "priyazq"
"""A user id (and name) that appears nowhere else, so that a scan for it finds only her."""


async def everything(redis: Redis) -> list[tuple[str, int, str]]:
    """Every key, its TTL and everything in it (fields, members, values), as text."""
    found = []
    async for key in redis.scan_iter(count=1000):
        kind = await redis.type(key)
        if kind == "string":
            content = [await redis.get(key)]
        elif kind == "hash":
            content = [x for pair in (await redis.hgetall(key)).items() for x in pair]
        elif kind == "set":
            content = list(await redis.smembers(key))
        elif kind == "zset":
            content = [m for m, _ in await redis.zrange(key, 0, -1, withscores=True)]
        elif kind == "list":
            content = await redis.lrange(key, 0, -1)
        else:
            raise AssertionError(f"a key of a kind this scan does not read: {key} ({kind})")
        found.append((key, await redis.ttl(key), " ".join(str(c) for c in content)))
    return found


async def naming(redis: Redis, who: str) -> list[str]:
    return [key for key, _, content in await everything(redis) if who in key or who in content]


async def a_busy_fortnight(world: World) -> None:
    """Priya joins one team and manages another, sets things, gives and receives shout-outs,
    calls a Pause, gets prompts (daily, and one cadence naming her), presses their buttons."""
    await world.admin_makes_team("mo", members=("sam", PERSON, "jo"))
    await world.admin_makes_team(PERSON, team="ward-8")
    for line in ("budget 2 a week", "quiet 21:00-07:00", "tz Europe/London"):
        assert (await world.say(PERSON, line)).status == "ok"
    for line in ("create daily at 09:00 to team", f"create fri at 11:00 to @{PERSON}"):
        reply = await world.say("mo", line)
        assert reply.status == "ok", plain(reply.card)
    reply = await world.say(PERSON, "create mon at 10:00 to #ward-8 team ward-8")
    assert reply.status == "ok", plain(reply.card)
    for who, text in (
        ("sam", f"@{PERSON} for staying late with the family in bay 3"),
        (PERSON, "@sam for covering my break when the ward was busy"),
        (PERSON, "@sam @jo for the calm handover after a long night"),
        (PERSON, "@jo thanks!"),  # vague: held, with a tip, for her to post or change
    ):
        await world.command("shoutout", who, text)
    await world.command("pause", PERSON, "follow up in 3h to me", where="ward-8")
    await world.run_until(utc(2026, 12, 1, 9, 0))
    prompt = max(
        i for i, d in enumerate(world.messenger.sent) if d.conversation.channel_id == f"D-{PERSON}"
    )
    await world.press(PERSON, prompt, "Done")
    await world.press(PERSON, prompt, "Snooze")
    await world.run_until(utc(2026, 12, 14, 12, 0))


async def test_my_data_sends_a_summary_and_the_json_by_direct_message(world: World) -> None:
    await a_busy_fortnight(world)
    before = len(world.messenger.sent)

    reply = await world.say(PERSON, "my data")

    assert "Sent to you privately" in plain(reply.card)
    sent = world.messenger.sent[before:]
    assert {d.conversation.channel_id for d in sent} == {f"D-{PERSON}"}
    summary = plain(sent[0].card)
    assert "What CareNudge holds about you" in summary
    assert "Teams you joined: ward-7" in summary
    assert "Teams you manage: ward-8" in summary
    assert "Shout-outs you gave: 2" in summary  # the held one was never posted
    assert "Shout-outs you received: 1" in summary
    assert "for staying late with the family in bay 3" in summary
    data = json.loads(
        "\n".join(b.text for d in sent[1:] for b in d.card.blocks if isinstance(b, Code))
    )
    assert data["you"]["user_id"] == PERSON
    assert "21:00" in json.dumps(data["settings"])
    assert {s["words"] for s in data["shoutouts_you_gave"]} == {
        "for covering my break when the ward was busy",
        "for the calm handover after a long night",
    }
    assert [s["from"] for s in data["shoutouts_you_received"]] == ["sam"]
    whats = {item["what"] for item in data["sent_to_you"]}
    assert "a prompt" in whats
    assert "a prompt you snoozed" in whats
    assert all(item["prompt_text"] for item in data["sent_to_you"] if item["what"] == "a prompt")
    assert {c["you"] for c in data["cadences_naming_you"]} == {
        "created it",
        "are among its recipients",
    }
    # Asking for your own data is not a nudge: nothing of it counts against the budget.
    assert "my data" not in json.dumps(data["sent_to_you"])


async def test_only_the_person_themselves_gets_their_data(world: World) -> None:
    await a_busy_fortnight(world)
    before = len(world.messenger.sent)
    await world.say("jo", "my data")
    assert all(d.conversation.channel_id == "D-jo" for d in world.messenger.sent[before:])
    json_text = "".join(
        b.text for d in world.messenger.sent[before:] for b in d.card.blocks if isinstance(b, Code)
    )
    assert "calm handover" in json_text  # what Jo was given
    assert "bay 3" not in json_text  # not what Sam gave Priya


async def test_forget_me_asks_first_and_nothing_is_erased_until_pressed(world: World) -> None:
    await a_busy_fortnight(world)
    reply = await world.say(PERSON, "forget me")
    assert "Erase everything CareNudge holds about you?" in plain(reply.card)
    assert "It can't be undone." in plain(reply.card)
    assert await naming(world.redis, PERSON)  # still all there
    # Nobody else can press it for her.
    refused = await world.press_on("sam", reply.card, "Erase everything")
    assert refused.status == "refused"
    assert "Only the person it's about can erase their data." in plain(refused.card)
    assert await world.redis.exists(f"carenudge:member:test:T1:{PERSON}")


async def test_after_forget_me_nothing_in_redis_names_them(world: World) -> None:
    await a_busy_fortnight(world)
    team_before = plain((await world.say("mo", "team ward-7")).card)
    reply = await world.say(PERSON, "forget me")

    done = await world.press_on(PERSON, reply.card, "Erase everything")

    assert "All erased" in plain(done.card)
    assert await naming(world.redis, PERSON) == []
    # The team keeps its counts, with no names; the others keep what is theirs.
    team_after = plain((await world.say("mo", "team ward-7")).card)
    assert "Members who joined: 3" in team_before
    assert "Members who joined: 2" in team_after
    assert "Shout-outs this week" in team_after
    for line in team_before.splitlines():
        if line.startswith(("Shout-outs this week", "Marked done", "Pauses held")):
            assert line in team_after
    again = await world.say("sam", "my data")
    assert again.status == "ok"
    sams = "".join(
        b.text for d in world.messenger.sent[-3:] for b in d.card.blocks if isinstance(b, Code)
    )
    assert "for staying late with the family in bay 3" not in sams  # it was to her: gone
    # Her cadence of her own team stays, created by nobody now; the one naming only her goes.
    listing = plain((await world.say("mo", "list")).card)
    assert f"@{PERSON}" not in listing


async def test_the_fleet_keeps_running_for_everyone_else_after_an_erasure(world: World) -> None:
    await a_busy_fortnight(world)
    reply = await world.say(PERSON, "forget me")
    await world.press_on(PERSON, reply.card, "Erase everything")
    before = len(world.messenger.sent)
    await world.run_until(utc(2026, 12, 22, 12, 0))
    reached = {d.conversation.channel_id for d in world.messenger.sent[before:]}
    assert "D-sam" in reached
    assert "D-jo" in reached
    assert f"D-{PERSON}" not in reached
    assert await naming(world.redis, PERSON) == []


# --- retention ----------------------------------------------------------------------------------

FOREVER_OWNED = {
    # Each kind of key kept without an expiry, and who deletes it (see the README's data map).
    "cadence": "its managers (delete); an erasure takes names out",
    "cadences": "the cadences' index",
    "channel": "not personal: which team a channel belongs to, its digest set up",
    "due": "the fire queue",
    "member": "the person (forget me); leaving a team takes them out of its sets",
    "names": "the person (forget me)",
    "once": "the job itself, once it has run",
    "seq": "not personal: counters that number things",
    "team": "its managers; an erasure takes names out of its rosters",
    "teams": "not personal: the workspace's team names",
    "admins": "the admins (admin remove), and forget me",
}


async def test_no_personal_key_lives_forever_without_an_owner(world: World) -> None:
    await a_busy_fortnight(world)
    forever = {key.split(":")[1] for key, ttl, _ in await everything(world.redis) if ttl == -1}
    assert forever <= set(FOREVER_OWNED), forever - set(FOREVER_OWNED)
    # Everything that holds what someone did, or what was sent to them, expires.
    kept = {key.split(":")[1]: ttl for key, ttl, _ in await everything(world.redis) if ttl > 0}
    day = 24 * 3600
    assert 89 * day < kept["shoutout"] <= 90 * day
    assert 89 * day < kept["recognised"] <= 90 * day
    for kind in ("delivery", "seen", "mix", "last", "pressed", "pause"):
        assert kind in kept, kind
    sent = await world.redis.ttl(f"carenudge:member:test:T1:{PERSON}:sent")
    assert 29 * day < sent <= 30 * day


async def test_a_shout_outs_words_go_after_the_time_kept_and_its_count_stays(
    redis: Redis, clock: FakeClock
) -> None:
    world = build_world(redis, clock, keep_shoutouts=timedelta(seconds=1))
    await world.admin_makes_team("mo", members=("sam", "jo"))
    await world.say("mo", "create daily at 09:00 to #ward-7")  # #ward-7 is ward-7's
    await world.command("shoutout", "sam", "@jo for staying late with the family in bay 3")
    key = "carenudge:shoutout:s1"
    assert await redis.exists(key)
    # Redis expires it (in real time): wait for that, never a guess at how long.
    async with asyncio.timeout(10):
        while await redis.exists(key):  # noqa: ASYNC110 - Redis has no event for an expiry here
            await asyncio.sleep(0.05)
    team = plain((await world.say("mo", "team ward-7")).card)
    assert "Shout-outs this week: 1" in team
    assert not [k for k, _, c in await everything(redis) if "bay 3" in c]


async def test_a_closed_pause_keeps_no_words_and_no_one_who_paused(world: World) -> None:
    await world.admin_makes_team("mo", members=("sam", "jo"))
    reply = await world.command("pause", "sam", "for everyone who cared for her this morning")
    assert reply.status == "ok", plain(reply.card)
    opening = world.messenger.sent[-1]
    await world.press("jo", len(world.messenger.sent) - 1, "Pausing with you")
    assert await world.redis.scard("carenudge:pause:p1:present") == 1
    await world.run_until(world.clock.now() + timedelta(minutes=2))
    record = await world.stored("carenudge:pause:p1")
    assert record["closed"] is True
    assert record["dedication"] == ""
    assert not await world.redis.exists("carenudge:pause:p1:present")
    assert "cared for her" in plain(opening.card)  # what the team saw, while it was open


async def test_when_their_dm_cannot_be_reached_the_summary_comes_back_here(world: World) -> None:
    await a_busy_fortnight(world)
    world.messenger.unreachable.add(PERSON)
    reply = await world.say(PERSON, "my data")
    shown = plain(reply.card)
    assert "What CareNudge holds about you" in shown
    assert "Teams you joined: ward-7" in shown
    assert "Please try /nudge my data again in a minute." in shown


async def test_a_team_named_like_someones_id_is_still_the_teams_after_they_are_forgotten(
    world: World,
) -> None:
    await world.admin_makes_team("mo", team="u7", members=("u7", "sam"))
    reply = await world.say("u7", "forget me")
    await world.press_on("u7", reply.card, "Erase everything")
    team = plain((await world.say("mo", "team u7")).card)
    assert "Team u7" in team
    assert "Members who joined: 1" in team  # Sam stays; u7 the person is gone
