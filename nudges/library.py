"""The prompt library: our own texts in ``prompts.toml``, and the choice of the next prompt.

The choice never repeats a prompt for an audience until its matching pool is used up, and
leans towards the behaviours that audience has seen least, so a mix stays balanced over time.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from nudges.model import Behaviour, Context, Prompt, Theme


@cache
def library() -> tuple[Prompt, ...]:
    """Every prompt in ``prompts.toml``, in file order."""
    raw = resources.files("nudges").joinpath("prompts.toml").read_text(encoding="utf-8")
    return tuple(
        Prompt(
            id=entry["id"],
            text=entry["text"],
            behaviour=Behaviour(entry["behaviour"]),
            contexts=frozenset(Context(c) for c in entry["contexts"]),
        )
        for entry in tomllib.loads(raw)["prompt"]
    )


ANY_TIME = frozenset({Context.ANY_TIME})


def matches(prompt: Prompt, theme: Theme) -> bool:
    if theme is None:
        return True
    if isinstance(theme, Behaviour):
        return prompt.behaviour is theme
    return theme in prompt.contexts


def fits(prompt: Prompt, theme: Theme, moments: frozenset[Context] = ANY_TIME) -> bool:
    """Whether a prompt suits a fire: a moment theme ("end of shift") takes that moment's
    prompts; otherwise the prompt must suit one of the fire's moments (any time, or the shift
    moment it follows), and the behaviour theme if there is one."""
    if isinstance(theme, Context):
        return theme in prompt.contexts
    return matches(prompt, theme) and not prompt.contexts.isdisjoint(moments)


def pool(
    theme: Theme,
    own: Sequence[Prompt] = (),
    retired: Collection[str] = (),
    not_for_me: Collection[str] = (),
    moments: frozenset[Context] = ANY_TIME,
) -> list[Prompt]:
    """The prompts an audience may get for ``theme`` at ``moments``: the library and the team's
    own, minus retired ones and those the member said were not for them. If that leaves
    nothing, every prompt that fits the moments minus those; only if even that is empty, the
    theme regardless."""
    everything = [p for p in (*library(), *own) if p.id not in retired]
    themed = [p for p in everything if fits(p, theme, moments)]
    kept = [p for p in themed if p.id not in not_for_me]
    if kept:
        return kept
    # Every prompt of the theme was "not for me": keep that promise, and widen the theme.
    wider = [p for p in everything if fits(p, None, moments) and p.id not in not_for_me]
    return wider or themed


@dataclass(frozen=True, slots=True)
class Choice:
    prompt: Prompt
    new_cycle: bool
    """The audience had seen the whole pool: its memory of seen prompts starts again."""


def choose(
    candidates: Sequence[Prompt],
    seen: Collection[str],
    mix: Mapping[str, int],
    rng: random.Random,
    last: str | None = None,
) -> Choice | None:
    """Pick the next prompt from ``candidates`` for an audience.

    Args:
        candidates: The audience's pool (see ``pool``).
        seen: Ids already sent to this audience in the current cycle.
        mix: How many prompts of each behaviour the audience has had, ever.
        rng: The randomness, injected so tests and previews are repeatable.
        last: The prompt the audience had last, so a new cycle never starts with it.
    """
    if not candidates:
        return None
    fresh = [p for p in candidates if p.id not in seen]
    new_cycle = not fresh
    if new_cycle:
        fresh = [p for p in candidates if p.id != last] or list(candidates)
    behaviours = sorted({p.behaviour for p in fresh})
    least = min(mix.get(b.value, 0) for b in behaviours)
    behaviour = rng.choice([b for b in behaviours if mix.get(b.value, 0) == least])
    prompt = rng.choice([p for p in fresh if p.behaviour is behaviour])
    return Choice(prompt, new_cycle)
