"""Domain values: behaviours, contexts, addresses, prompts, schedules, cadences, member settings.

All frozen, slotted dataclasses; every datetime is timezone-aware. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names as people type them; index 0 is Monday, as in ``date.weekday()``."""


class Behaviour(StrEnum):
    """The four behaviours of compassionate leadership, plus the library's two extra tags."""

    ATTENDING = "attending"
    UNDERSTANDING = "understanding"
    EMPATHISING = "empathising"
    HELPING = "helping"
    SELF_COMPASSION = "self-compassion"
    RECOGNITION = "recognition"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Context(StrEnum):
    """The moments of a working day a prompt suits."""

    START_OF_SHIFT = "start-of-shift"
    END_OF_SHIFT = "end-of-shift"
    AFTER_HARD_CASE = "after-hard-case"
    AFTER_DEATH = "after-death"
    AFTER_MEETING = "after-meeting"
    ANY_TIME = "any-time"

    @property
    def label(self) -> str:
        return _CONTEXT_LABELS[self]


_CONTEXT_LABELS = {
    Context.START_OF_SHIFT: "start of shift",
    Context.END_OF_SHIFT: "end of shift",
    Context.AFTER_HARD_CASE: "after a hard case",
    Context.AFTER_DEATH: "after a death",
    Context.AFTER_MEETING: "after a meeting",
    Context.ANY_TIME: "any time",
}


class ConversationKind(StrEnum):
    CHANNEL = "channel"
    DIRECT = "direct"
    GROUP = "group"


class Unreachable(StrEnum):
    """Why the bot cannot write to a conversation."""

    NOT_IN_CHANNEL = "not-in-channel"
    """The bot was never added to the channel (or was removed from it)."""
    CHANNEL_GONE = "channel-gone"
    """The channel was deleted, or the bot can no longer see it."""
    ARCHIVED = "archived"
    PERSON_GONE = "person-gone"
    """The person's account was deactivated, or they left."""
    APP_REMOVED = "app-removed"
    """The person removed or blocked the app, or never added it."""
    NOT_INSTALLED = "not-installed"
    """The app is not installed in the workspace or tenant any more (or its token was revoked)."""
    NOT_ALLOWED = "not-allowed"
    """The app may not post there: it was installed without a permission it needs, or a
    setting of the channel or workspace stops it."""
    UNKNOWN = "unknown"


class Shift(StrEnum):
    DAY = "day"
    NIGHT = "night"


class Role(StrEnum):
    """What someone is in a team: a member who joined it (and gets its direct-message nudges),
    or one of its managers (who set its cadences). The values name the rosters in Redis."""

    MEMBER = "members"
    MANAGER = "managers"


class ShiftMoment(StrEnum):
    """A time of day that depends on each member's shift pattern."""

    START = "shift-start"
    END = "shift-end"

    @property
    def label(self) -> str:
        return "the start of their shift" if self is ShiftMoment.START else "the end of their shift"


@dataclass(frozen=True, slots=True, order=True)
class Workspace:
    """One Slack workspace, one Teams tenant, or the sandbox: where teams and cadences live."""

    platform: str
    tenant_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.tenant_id}"


@dataclass(frozen=True, slots=True, order=True)
class MemberRef:
    """A person, as the platform identifies them."""

    platform: str
    tenant_id: str
    user_id: str

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.platform, self.tenant_id)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.tenant_id}:{self.user_id}"

    @classmethod
    def from_key(cls, key: str) -> MemberRef:
        platform, tenant_id, user_id = key.split(":", 2)
        return cls(platform, tenant_id, user_id)


@dataclass(frozen=True, slots=True, order=True)
class Conversation:
    """Where messages go: a channel, a group chat or a 1:1 chat with the bot."""

    platform: str
    tenant_id: str
    channel_id: str
    kind: ConversationKind = ConversationKind.CHANNEL
    thread_id: str | None = None

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.platform, self.tenant_id)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.tenant_id}:{self.channel_id}"


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel as a person named it in a command: its address and its display name."""

    conversation: Conversation
    name: str


@dataclass(frozen=True, slots=True)
class MessageRef:
    """A message the bot sent, so it can be updated in place."""

    conversation: Conversation
    message_id: str


@dataclass(frozen=True, slots=True)
class Prompt:
    """One nudge text from the library or a team's own list."""

    id: str
    text: str
    behaviour: Behaviour
    contexts: frozenset[Context]
    team: str | None = None


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """Days of the week (0 is Monday) and one or more times of day, local to the cadence."""

    days: frozenset[int]
    times: tuple[time | ShiftMoment, ...]

    @property
    def follows_shifts(self) -> bool:
        return any(isinstance(t, ShiftMoment) for t in self.times)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A five-field cron expression (minute hour day month weekday), local to the cadence."""

    expression: str


Schedule = WeeklySchedule | CronSchedule

Theme = Behaviour | Context | None
"""What a cadence's prompts are about: one behaviour, one context, or None for a mix."""


@dataclass(frozen=True, slots=True)
class ChannelAudience:
    channel: ChannelRef


@dataclass(frozen=True, slots=True)
class MembersAudience:
    """Named members, each by direct message."""

    members: tuple[MemberRef, ...]


@dataclass(frozen=True, slots=True)
class TeamAudience:
    """Every member who joined the cadence's team, each by direct message."""


Audience = ChannelAudience | MembersAudience | TeamAudience


class CadenceKind(StrEnum):
    """What a cadence sends: prompts, a channel's weekly shout-out digest, or a private list
    for managers of who has not been recognised lately."""

    PROMPTS = "prompts"
    DIGEST = "digest"
    UNSEEN = "unseen"


@dataclass(frozen=True, slots=True)
class Cadence:
    """A manager's plan: which prompts, to whom, and when.

    ``local_time`` makes a direct-message cadence fire at each recipient's own local time
    instead of in ``tz``. ``revision`` counts edits.
    """

    id: str
    workspace: Workspace
    team: str
    schedule: Schedule
    tz: str
    theme: Theme
    audience: Audience
    created_by: MemberRef
    created_at: datetime
    local_time: bool = False
    paused: bool = False
    revision: int = 1
    kind: CadenceKind = CadenceKind.PROMPTS

    @property
    def is_direct(self) -> bool:
        return not isinstance(self.audience, ChannelAudience)

    @property
    def per_recipient(self) -> bool:
        """Whether each recipient's own time zone or shift decides when it fires for them."""
        shifts = isinstance(self.schedule, WeeklySchedule) and self.schedule.follows_shifts
        return self.is_direct and (self.local_time or shifts)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local times between which no prompt is delivered; may wrap past midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """When a member's shifts start and end, local time. Night shifts end the next morning."""

    shift: Shift
    start: time
    end: time


DAY_SHIFT = ShiftPattern(Shift.DAY, time(7, 0), time(19, 0))
NIGHT_SHIFT = ShiftPattern(Shift.NIGHT, time(19, 0), time(7, 0))
DAY_QUIET_HOURS = QuietHours(time(20, 0), time(7, 0))
NIGHT_QUIET_HOURS = QuietHours(time(9, 0), time(17, 0))
"""Night-shift members sleep in the day: their default quiet hours are daytime."""


@dataclass(frozen=True, slots=True)
class Budget:
    """How many nudges may reach one person on CareNudge's own initiative: at most
    ``per_day`` a day and ``per_week`` a week, by their own local calendar."""

    per_day: int
    per_week: int

    def within(self, other: Budget) -> Budget:
        """The lower of the two, each way: a person's own budget only ever lowers a team's."""
        return Budget(min(self.per_day, other.per_day), min(self.per_week, other.per_week))


DEFAULT_BUDGET = Budget(per_day=1, per_week=3)
"""A team's budget until its managers choose one: the research warns that more backfires."""


@dataclass(frozen=True, slots=True)
class MemberSettings:
    """A member's own choices, checked each time a prompt is about to be delivered.

    ``quiet_hours`` None means the default for their shift; ``quiet_off`` turns quiet hours
    off altogether. ``working_days`` None means every day. ``snoozed_until`` is the local
    date on which prompts start again.
    """

    tz: str | None = None
    quiet_hours: QuietHours | None = None
    quiet_off: bool = False
    working_days: frozenset[int] | None = None
    shift: ShiftPattern | None = None
    snoozed_until: date | None = None
    stopped: bool = False
    budget: Budget | None = None
    """Their own attention budget, if they chose one; it can only lower the team's."""


@dataclass(frozen=True, slots=True)
class Member:
    """A member's address, display name and settings."""

    ref: MemberRef
    name: str
    settings: MemberSettings = field(default_factory=MemberSettings)


SHOUTOUT_BEHAVIOURS = (
    Behaviour.ATTENDING,
    Behaviour.UNDERSTANDING,
    Behaviour.EMPATHISING,
    Behaviour.HELPING,
)
"""A shout-out is tagged with one of the four behaviours of compassionate leadership."""


@dataclass(frozen=True, slots=True)
class Mention:
    """A person, by address and display name: in typed text, and in what the bot sends.
    Renderers turn it into the platform's own mention; it is never parsed from text."""

    member: MemberRef
    name: str


@dataclass(frozen=True, slots=True)
class Link:
    """A link: where it goes, and the words shown for it. In typed text, a web or mail
    address someone linked (an adapter keeps no other kind); renderers make a link of
    ``https://``, ``http://`` and ``mailto:`` addresses only, and show anything else as text."""

    url: str
    text: str


TypedText = tuple[str | Mention | Link, ...]
"""Text someone typed, kept as data: plain strings, the people they mentioned in it, and the
links they typed."""


def link_text(link: Link) -> str:
    """A link as plain text: its words, and where it goes when the words don't say
    ("the rota (https://example.org/rota)", but "example.org" for a typed example.org)."""
    shown = link.text.strip()
    address = link.url.removeprefix("mailto:")
    bare = address.split("://", 1)[-1].rstrip("/")
    if not shown or shown in (link.url, address, bare, bare + "/"):
        return shown or address
    return f"{shown} ({address})"


def typed_plain(words: TypedText, *, addresses: bool = True) -> str:
    """Typed text as plain text: people as @name, links as ``link_text`` says (or, without
    ``addresses``, as their words alone: what a reader sees)."""
    return "".join(
        w
        if isinstance(w, str)
        else f"@{w.name}"
        if isinstance(w, Mention)
        else link_text(w)
        if addresses
        else w.text
        for w in words
    )


@dataclass(frozen=True, slots=True)
class Shoutout:
    """Recognition given by one colleague to others, in a channel or privately."""

    id: str
    workspace: Workspace
    channel: Conversation
    giver: MemberRef
    recipients: tuple[MemberRef, ...]
    words: TypedText
    behaviour: Behaviour
    private: bool
    given_at: datetime
    message: MessageRef | None = None

    @property
    def text(self) -> str:
        return typed_plain(self.words)


@dataclass(frozen=True, slots=True)
class Pause:
    """A moment of silence a team holds after a death. Who called it is kept only to send them
    a follow-up if they asked; it is never shown."""

    id: str
    conversation: Conversation
    team: str | None
    dedication: str
    silence_s: int
    started_at: datetime
    caller: MemberRef
    message: MessageRef | None = None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Fire:
    """One due fire, handed to the engine by the scheduler: which plan, and its instant."""

    id: str
    scheduled_at: datetime


def iso_week(day: date) -> str:
    """The ISO week a date falls in, as "2026-W49": the unit team counts are kept in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
