"""What people can ask of CareNudge, as typed values: the parser's output, the engine's input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Literal

from nudges.cards import Mention
from nudges.model import (
    Behaviour,
    Budget,
    CadenceKind,
    ChannelRef,
    Context,
    QuietHours,
    ShiftMoment,
    ShiftPattern,
    TypedText,
)

ThemeChoice = Behaviour | Context | Literal["mixed"]


@dataclass(frozen=True, slots=True)
class CadenceSpec:
    """The parts of a cadence someone wrote; None means "not given" (keep, or use the default)."""

    days: frozenset[int] | None = None
    times: tuple[time | ShiftMoment, ...] | None = None
    cron: str | None = None
    channel: ChannelRef | None = None
    members: tuple[Mention, ...] = ()
    include_me: bool = False
    whole_team: bool = False
    tz: str | None = None
    local_time: bool | None = None
    theme: ThemeChoice | None = None
    team: str | None = None
    kind: CadenceKind | None = None

    @property
    def has_audience(self) -> bool:
        return self.channel is not None or bool(self.members) or self.include_me or self.whole_team


@dataclass(frozen=True, slots=True)
class Help:
    topic: str = ""


@dataclass(frozen=True, slots=True)
class CreateCadence:
    spec: CadenceSpec


@dataclass(frozen=True, slots=True)
class EditCadence:
    cadence_id: str
    spec: CadenceSpec


@dataclass(frozen=True, slots=True)
class PreviewCadence:
    """Preview a saved cadence (``cadence_id``) or one being drafted (``spec``)."""

    cadence_id: str | None
    spec: CadenceSpec


@dataclass(frozen=True, slots=True)
class ListCadences:
    """``/nudge list [mine] [paused] [team ward-7] [page 2]``."""

    team: str | None = None
    page: int = 1
    mine: bool = False
    paused: bool = False


@dataclass(frozen=True, slots=True)
class CadenceVerb:
    """show, pause, resume, delete or restore one cadence."""

    verb: Literal["show", "pause", "resume", "delete", "restore"]
    cadence_id: str


@dataclass(frozen=True, slots=True)
class ListPrompts:
    """``/nudge prompts [team ward-7] [page 2]``."""

    team: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class AddPrompt:
    text: str
    behaviour: Behaviour
    contexts: frozenset[Context]
    team: str | None = None


@dataclass(frozen=True, slots=True)
class PromptVerb:
    """retire or restore a prompt for a team."""

    verb: Literal["retire", "restore"]
    prompt_id: str
    team: str | None = None


@dataclass(frozen=True, slots=True)
class ShowSettings:
    pass


@dataclass(frozen=True, slots=True)
class SetTimezone:
    tz: str


@dataclass(frozen=True, slots=True)
class SetQuietHours:
    """``hours`` None with ``off`` True turns quiet hours off; both unset restores the default."""

    hours: QuietHours | None
    off: bool = False


@dataclass(frozen=True, slots=True)
class SetWorkingDays:
    days: frozenset[int] | None


@dataclass(frozen=True, slots=True)
class ShowBudget:
    """``/nudge budget``: yours and your teams'."""


@dataclass(frozen=True, slots=True)
class SetBudget:
    """``/nudge budget 1 a week`` (your own; ``budget`` None is back to your teams'), or a
    team's, by its managers: ``/nudge budget team ward-7 3 a week 1 a day``."""

    budget: Budget | None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class MyData:
    """``/nudge my data``: everything CareNudge holds about you, sent to you privately."""


@dataclass(frozen=True, slots=True)
class ForgetMe:
    """``/nudge forget me``: erase everything CareNudge holds about you, once you confirm."""


@dataclass(frozen=True, slots=True)
class SetEvaluation:
    """``/nudge evaluation team ward-7 20%`` (an admin, once agreed with the team), ``... off``,
    or with no share, what it is now."""

    team: str | None
    share: int | None = None
    off: bool = False


@dataclass(frozen=True, slots=True)
class SetShift:
    pattern: ShiftPattern | None


@dataclass(frozen=True, slots=True)
class Snooze:
    """Snooze for ``days``, until a date, or until the next given weekday; all None: wake up."""

    days: int | None = None
    until: date | None = None
    weekday: int | None = None


@dataclass(frozen=True, slots=True)
class StopOrStart:
    stop: bool


@dataclass(frozen=True, slots=True)
class Membership:
    """join or leave a team."""

    join: bool
    team: str


@dataclass(frozen=True, slots=True)
class ListTeams:
    """``/nudge teams [page 2]``."""

    page: int = 1


@dataclass(frozen=True, slots=True)
class ShowTeam:
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Appoint:
    """Add or remove a manager of ``team``, or an admin (``team`` None)."""

    member: Mention
    add: bool
    team: str | None


@dataclass(frozen=True, slots=True)
class GiveShoutout:
    """``/shoutout @sam @priya for staying with the family after handover [in #ward-7]``.

    With no mentions, the engine looks for a known name at the start of ``words``.
    ``channel`` posts it somewhere other than where it was typed.
    """

    recipients: tuple[Mention, ...]
    words: TypedText
    behaviour: Behaviour | None = None
    private: bool = False
    channel: ChannelRef | None = None
    doubt: str = ""
    """Why it may be meant otherwise ("private": the word stands inside the text): the giver
    is asked before anything is posted."""

    def as_typed(self) -> TypedText:
        """The command again, to give back to its giver to change and send."""
        names = tuple(part for m in self.recipients for part in (m, " "))
        return ("/shoutout ", *names, *self.words)


@dataclass(frozen=True, slots=True)
class DeleteShoutout:
    shoutout_id: str


@dataclass(frozen=True, slots=True)
class ListUnseen:
    """For managers: who on the team has not been recognised lately (``/shoutout unseen
    [team ward-7] [page 2]``)."""

    team: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class CallPause:
    """``/pause``: a moment of silence, an optional dedication, an optional follow-up."""

    dedication: str = ""
    silence_s: int = 30
    follow_up_hours: float | None = None
    follow_up_to_me: bool = False
    doubt: str = ""
    """Why the words may not be meant as a dedication ("lead": they don't start like one;
    "options": they hold stray option words): the caller is asked before anything is posted."""


Command = (
    Help
    | CreateCadence
    | EditCadence
    | PreviewCadence
    | ListCadences
    | CadenceVerb
    | ListPrompts
    | AddPrompt
    | PromptVerb
    | ShowSettings
    | SetTimezone
    | SetQuietHours
    | SetWorkingDays
    | SetShift
    | Snooze
    | StopOrStart
    | ShowBudget
    | SetBudget
    | MyData
    | ForgetMe
    | SetEvaluation
    | Membership
    | ListTeams
    | ShowTeam
    | Appoint
    | GiveShoutout
    | DeleteShoutout
    | ListUnseen
    | CallPause
)
