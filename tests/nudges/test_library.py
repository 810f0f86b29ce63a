"""The prompt library: our own short texts, and the choice of which one an audience gets next."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

from nudges import library
from nudges.model import Behaviour, Context, Prompt, Theme

PROMPTS = library.library()
THEMES: list[Theme] = [None, *Behaviour, *Context]
BANNED = re.compile(
    r"compliance|\bscor(e|es|ed|ing)\b|\brank|performance|\bkpis?\b|you failed to|\bpatient"
    r"|\bshould\b|\bmust\b",
    re.IGNORECASE,
)


def theme_id(theme: Theme) -> str:
    return "mixed" if theme is None else theme.value


def own(prompt_id: str, behaviour: Behaviour, *contexts: Context) -> Prompt:
    return Prompt(
        prompt_id,
        "Ask the team what made today a little easier.",
        behaviour,
        frozenset(contexts or {Context.ANY_TIME}),
        "ward-7",
    )


def sent_in_order(
    candidates: list[Prompt], count: int, seed: int
) -> list[tuple[library.Choice, dict[str, int]]]:
    """Choose ``count`` prompts in a row for one audience, remembering as the store does:
    the ids seen this cycle (reset when a new cycle starts), the behaviour mix so far, and
    the last prompt sent."""
    rng = random.Random(seed)
    seen: set[str] = set()
    mix: dict[str, int] = {}
    last: str | None = None
    history: list[tuple[library.Choice, dict[str, int]]] = []
    for _ in range(count):
        choice = library.choose(candidates, seen, mix, rng, last)
        assert choice is not None
        last = choice.prompt.id
        seen = {choice.prompt.id} if choice.new_cycle else seen | {choice.prompt.id}
        behaviour = choice.prompt.behaviour.value
        mix = {**mix, behaviour: mix.get(behaviour, 0) + 1}
        history.append((choice, mix))
    return history


def test_a_new_cycle_never_starts_with_the_prompt_just_sent() -> None:
    for theme in THEMES:
        candidates = library.pool(theme)
        for seed in range(20):
            ids = [c.prompt.id for c, _ in sent_in_order(candidates, 3 * len(candidates), seed)]
            repeats = [i for i in range(1, len(ids)) if ids[i] == ids[i - 1]]
            assert repeats == [], f"{theme}: the same prompt twice in a row at {repeats}"


# --- the texts ---------------------------------------------------------------------------------


def test_the_library_has_at_least_sixty_prompts() -> None:
    assert len(PROMPTS) >= 60


def test_prompt_ids_are_unique() -> None:
    repeated = [i for i, n in Counter(p.id for p in PROMPTS).items() if n > 1]
    assert repeated == []


def test_prompt_ids_name_their_behaviour() -> None:
    for prompt in PROMPTS:
        assert re.fullmatch(rf"{prompt.behaviour.value}-\d{{2}}", prompt.id), prompt.id


@pytest.mark.parametrize("behaviour", list(Behaviour))
def test_every_behaviour_has_at_least_eight_prompts(behaviour: Behaviour) -> None:
    assert len([p for p in PROMPTS if p.behaviour is behaviour]) >= 8


@pytest.mark.parametrize("context", list(Context))
def test_every_moment_has_at_least_eight_prompts(context: Context) -> None:
    assert len([p for p in PROMPTS if context in p.contexts]) >= 8


@pytest.mark.parametrize("prompt", PROMPTS, ids=lambda p: p.id)
def test_every_prompt_is_short_enough_to_read_at_a_glance(prompt: Prompt) -> None:
    assert 40 <= len(prompt.text) <= 160, len(prompt.text)


@pytest.mark.parametrize("prompt", PROMPTS, ids=lambda p: p.id)
def test_every_prompt_is_a_calm_full_sentence(prompt: Prompt) -> None:
    assert prompt.text.endswith((".", "?"))
    assert "!" not in prompt.text
    assert prompt.text == prompt.text.strip()
    assert prompt.text[0].isupper()


@pytest.mark.parametrize("prompt", PROMPTS, ids=lambda p: p.id)
def test_no_prompt_uses_words_we_avoid(prompt: Prompt) -> None:
    assert not BANNED.search(prompt.text), prompt.text


def test_the_words_we_avoid_would_be_caught() -> None:
    for text in ["Patients first.", "You should rest.", "Your score.", "Check compliance."]:
        assert BANNED.search(text), text


@pytest.mark.parametrize("prompt", PROMPTS, ids=lambda p: p.id)
def test_every_prompt_suits_at_least_one_moment(prompt: Prompt) -> None:
    assert prompt.contexts


# --- the pool ----------------------------------------------------------------------------------


ANY_TIME = [p for p in PROMPTS if Context.ANY_TIME in p.contexts]


def test_the_mixed_pool_is_every_any_time_prompt_and_the_teams_own() -> None:
    mine = own("ward-7-01", Behaviour.HELPING)
    assert library.pool(None, [mine]) == [*ANY_TIME, mine]


def test_a_prompt_written_for_a_moment_never_arrives_at_any_other_time() -> None:
    moments = {c for p in library.pool(None) for c in p.contexts}
    assert Context.ANY_TIME in moments
    for prompt in library.pool(None):
        assert Context.ANY_TIME in prompt.contexts
    assert not {p.id for p in library.pool(None)} & {
        p.id for p in PROMPTS if Context.ANY_TIME not in p.contexts
    }


def test_a_shift_start_cadence_also_draws_prompts_for_the_start_of_a_shift() -> None:
    moments = frozenset({Context.ANY_TIME, Context.START_OF_SHIFT})
    chosen = library.pool(None, moments=moments)
    assert {p.id for p in chosen} == {p.id for p in PROMPTS if p.contexts & moments}
    assert any(Context.ANY_TIME not in p.contexts for p in chosen)


def test_at_least_sixty_prompts_fit_any_time_across_the_four_behaviours() -> None:
    four = (Behaviour.ATTENDING, Behaviour.UNDERSTANDING, Behaviour.EMPATHISING, Behaviour.HELPING)
    assert len([p for p in ANY_TIME if p.behaviour in four]) >= 60
    for behaviour in four:
        assert len([p for p in ANY_TIME if p.behaviour is behaviour]) >= 13, behaviour


@pytest.mark.parametrize("behaviour", list(Behaviour))
def test_a_behaviour_theme_selects_only_that_behaviour(behaviour: Behaviour) -> None:
    chosen = library.pool(behaviour)
    assert chosen == [p for p in ANY_TIME if p.behaviour is behaviour]


@pytest.mark.parametrize("context", list(Context))
def test_a_moment_theme_selects_only_prompts_tagged_with_it(context: Context) -> None:
    chosen = library.pool(context)
    assert chosen
    assert all(context in p.contexts for p in chosen)
    assert len(chosen) == len([p for p in PROMPTS if context in p.contexts])


def test_a_teams_own_prompt_joins_the_pools_it_matches() -> None:
    mine = own("ward-7-01", Behaviour.RECOGNITION, Context.END_OF_SHIFT)
    at_shift_end = frozenset({Context.ANY_TIME, Context.END_OF_SHIFT})
    assert mine in library.pool(Behaviour.RECOGNITION, [mine], moments=at_shift_end)
    assert mine not in library.pool(Behaviour.RECOGNITION, [mine])  # not any time
    assert mine in library.pool(Context.END_OF_SHIFT, [mine])
    assert mine not in library.pool(Behaviour.HELPING, [mine])
    assert mine not in library.pool(Context.AFTER_MEETING, [mine])


def test_retired_prompts_leave_the_pool() -> None:
    retired = {"attending-01", "attending-02"}
    ids = {p.id for p in library.pool(Behaviour.ATTENDING, retired=retired)}
    assert ids
    assert not ids & retired


def test_prompts_someone_said_were_not_for_them_leave_their_pool() -> None:
    not_for_me = {"helping-01", "helping-03"}
    ids = {p.id for p in library.pool(Behaviour.HELPING, not_for_me=not_for_me)}
    assert ids
    assert not ids & not_for_me


def test_when_a_whole_theme_is_not_for_someone_the_rest_of_the_library_is() -> None:
    themed = {p.id for p in library.pool(Context.AFTER_MEETING)}
    wider = library.pool(Context.AFTER_MEETING, not_for_me=themed)
    assert wider
    assert not {p.id for p in wider} & themed  # "you won't get this one again" holds
    assert len(wider) == len([p for p in ANY_TIME if p.id not in themed])


def test_the_wider_pool_still_leaves_out_retired_prompts() -> None:
    themed = {p.id for p in library.pool(Behaviour.EMPATHISING)}
    retired = {"attending-01", "helping-02"}
    wider = library.pool(Behaviour.EMPATHISING, retired=retired, not_for_me=themed)
    assert not {p.id for p in wider} & (retired | themed)


def test_only_if_every_prompt_is_not_for_someone_does_the_theme_come_back() -> None:
    everything = {p.id for p in library.library()}
    assert library.pool(Context.AFTER_MEETING, not_for_me=everything) == library.pool(
        Context.AFTER_MEETING
    )


# --- choosing the next prompt ------------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES, ids=theme_id)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_prompt_repeats_until_the_pool_is_used_up(theme: Theme, seed: int) -> None:
    candidates = library.pool(theme)
    size = len(candidates)
    history = sent_in_order(candidates, 3 * size, seed)
    for cycle in range(3):
        ids = [choice.prompt.id for choice, _ in history[cycle * size : (cycle + 1) * size]]
        assert sorted(ids) == sorted(p.id for p in candidates), f"cycle {cycle}"


@pytest.mark.parametrize("theme", THEMES, ids=theme_id)
def test_a_new_cycle_starts_exactly_when_the_pool_is_used_up(theme: Theme) -> None:
    candidates = library.pool(theme)
    size = len(candidates)
    history = sent_in_order(candidates, 3 * size, seed=7)
    starts = [i for i, (choice, _) in enumerate(history) if choice.new_cycle]
    assert starts == [size, 2 * size]


@pytest.mark.parametrize("seed", range(10))
def test_a_mixed_pool_gives_every_behaviour_its_turn(seed: int) -> None:
    behaviours = len(Behaviour)
    history = sent_in_order(library.pool(None), 3 * len(PROMPTS), seed)
    for n, (_, mix) in enumerate(history, start=1):
        counts = [mix.get(b.value, 0) for b in Behaviour]
        assert max(counts) - min(counts) <= 1, f"after {n}: {mix}"
        if n % behaviours == 0:
            assert counts == [n // behaviours] * behaviours, f"after {n}: {mix}"


def test_the_mix_leans_towards_behaviours_an_audience_has_seen_least() -> None:
    mix = {b.value: 5 for b in Behaviour} | {Behaviour.HELPING.value: 2}
    for seed in range(20):
        choice = library.choose(library.pool(None), set(), mix, random.Random(seed))
        assert choice is not None
        assert choice.prompt.behaviour is Behaviour.HELPING


def test_the_mix_still_balances_when_a_team_adds_its_own_prompts() -> None:
    mine = [own(f"ward-7-{n:02d}", Behaviour.RECOGNITION) for n in range(1, 11)]
    history = sent_in_order(library.pool(None, mine), 60, seed=3)
    _, mix = history[-1]
    assert mix == {b.value: 10 for b in Behaviour}


def test_the_same_seed_chooses_the_same_prompts() -> None:
    """Previews show what will really be sent: the choice depends only on the randomness given."""
    first = [c.prompt.id for c, _ in sent_in_order(library.pool(None), 20, seed=11)]
    again = [c.prompt.id for c, _ in sent_in_order(library.pool(None), 20, seed=11)]
    assert first == again


def test_nothing_to_choose_from_chooses_nothing() -> None:
    assert library.choose([], set(), {}, random.Random(0)) is None
