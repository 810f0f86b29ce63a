"""Every Redis key CareNudge writes, engine, scheduler and adapters alike, under one
configured prefix (``carenudge`` unless ``CARENUDGE_KEY_PREFIX`` says otherwise).

Keys are grouped by the entity they belong to (a member, a team, a channel, a pause, an
audience's prompt memory, the fire queue, a platform's own records), so that the keys one Lua
script touches together can later share a Redis Cluster hash tag by changing one group here.
Nothing else in the project spells a key.
"""

from __future__ import annotations

from nudges.model import Conversation, MemberRef, Role, Workspace

DEFAULT_PREFIX = "carenudge"


class _Group:
    """The keys of one entity: ``base`` and keys under it."""

    __slots__ = ("base",)

    def __init__(self, base: str) -> None:
        self.base = base

    def _k(self, *parts: str) -> str:
        return ":".join((self.base, *parts))


class MemberKeys(_Group):
    """A person: their settings and name, the cadences that name them, the prompts they said
    were not for them, and the teams they joined or manage."""

    @property
    def record(self) -> str:
        return self.base

    @property
    def cadences(self) -> str:
        return self._k("cadences")

    @property
    def not_for_me(self) -> str:
        return self._k("notforme")

    def teams(self, role: Role) -> str:
        return self._k(role.value)

    def budget_spent(self, period: str) -> str:
        """The deliveries counted against their budget in one local day or ISO week."""
        return self._k("budget", period)

    @property
    def sent(self) -> str:
        """What was sent to them and when, for their own export: a sorted set by time."""
        return self._k("sent")

    @property
    def last_budgeted(self) -> str:
        """When a delivery last counted against their budget (ms), to keep two apart."""
        return self._k("budget", "last")


class TeamKeys(_Group):
    """A team: its record, cadences, roster by role, own prompts, and its counts."""

    @property
    def record(self) -> str:
        return self.base

    @property
    def cadences(self) -> str:
        return self._k("cadences")

    def roster(self, role: Role) -> str:
        return self._k(role.value)

    @property
    def prompts(self) -> str:
        return self._k("prompts")

    @property
    def prompt_sequence(self) -> str:
        return self._k("seq")

    @property
    def retired(self) -> str:
        return self._k("retired")

    @property
    def not_for_me(self) -> str:
        return self._k("notforme")

    def done(self, week: str) -> str:
        return self._k("done", week)

    @property
    def budget(self) -> str:
        """The team's attention budget, as its managers set it."""
        return self._k("budget")

    def held_back(self, week: str) -> str:
        """How many deliveries the budget held back in a week: a count, never who."""
        return self._k("heldback", week)

    @property
    def evaluation(self) -> str:
        """The team's evaluation, if an admin switched one on: the share withheld, since when,
        and the secret that draws who is held back from each fire."""
        return self._k("evaluation")

    def withheld(self, week: str) -> str:
        """How many nudges the evaluation withheld in a week, and how many it let through."""
        return self._k("withheld", week)


class ChannelKeys(_Group):
    """A channel: the team it belongs to, whether its weekly digest was set up, and the Pause
    under way in it."""

    @property
    def team(self) -> str:
        return self._k("team")

    @property
    def digest(self) -> str:
        return self._k("digest")

    @property
    def pause(self) -> str:
        """The Pause under way in this channel, until its silence ends."""
        return self._k("pause")


class AudienceKeys:
    """What one audience (a channel, or a member by direct message) has been sent: the prompts
    seen this cycle, its behaviour mix, and its last prompt. Read and written together by the
    delivery scripts."""

    __slots__ = ("last", "mix", "seen")

    def __init__(self, space: KeySpace, audience: str) -> None:
        self.seen = space.key("seen", audience)
        self.mix = space.key("mix", audience)
        self.last = space.key("last", audience)


class PauseKeys(_Group):
    @property
    def record(self) -> str:
        return self.base

    @property
    def present(self) -> str:
        return self._k("present")


class QueueKeys(_Group):
    """The fire queue: due fires, leases of fires being worked on (and their owners), and the
    fires set aside because what they need cannot be read. Its scripts touch all of them."""

    @property
    def due(self) -> str:
        return self._k("due")

    @property
    def inflight(self) -> str:
        return self._k("inflight")

    @property
    def meta(self) -> str:
        return self._k("inflight", "meta")

    @property
    def quarantine(self) -> str:
        return self._k("quarantine")


class PaceKeys(_Group):
    """Pacing of one kind of call on one platform: the next free slot per channel and per
    workspace (or tenant), and the workspace's hold after a 429. One script reads all three."""

    def channel(self, team_id: str, channel_id: str | None) -> str:
        return self._k(team_id, channel_id or "-")

    def team(self, team_id: str) -> str:
        return self._k(team_id)

    def hold(self, team_id: str) -> str:
        return self._k(team_id, "hold")


class PlatformKeys(_Group):
    """What one platform's adapter keeps of its own: deliveries already acted on, cached
    conversations and time zones, installations, conversation records, and pacing."""

    def seen(self, kind: str, ident: str) -> str:
        return self._k("seen", kind, ident)

    def dm(self, tenant_id: str, user_id: str) -> str:
        return self._k("dm", tenant_id, user_id)

    def time_zone(self, tenant_id: str, user_id: str) -> str:
        return self._k("tz", tenant_id, user_id)

    def installation(self, where: str) -> str:
        return self._k("installation", where)

    def bot(self, where: str) -> str:
        return self._k("bot", where)

    def workspaces(self, enterprise_id: str) -> str:
        """Inside one Enterprise Grid org: the workspace each channel and person was last seen
        in (for an org whose workspaces installed CareNudge one by one)."""
        return self._k("workspaces", enterprise_id)

    def oauth_state(self, state: str) -> str:
        return self._k("oauth-state", state)

    def conversation(self, tenant_id: str, conversation_id: str) -> str:
        return self._k("conversation", tenant_id, conversation_id)

    def person(self, tenant_id: str, user_id: str) -> str:
        return self._k("person", tenant_id, user_id)

    def channel_named(self, tenant_id: str, name: str) -> str:
        return self._k("channel", tenant_id, name)

    def channel_name(self, tenant_id: str, conversation_id: str) -> str:
        """A channel's name, by its id (Teams sends names only with channel events)."""
        return self._k("channelname", tenant_id, conversation_id)

    def pace(self, kind: str = "pace") -> PaceKeys:
        return PaceKeys(self._k(kind))


class KeySpace:
    """Builds every key under ``prefix``. Cheap to make; keep one per process."""

    __slots__ = ("prefix",)

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # --- cadences -------------------------------------------------------------------------

    def cadence(self, cadence_id: str) -> str:
        return self.key("cadence", cadence_id)

    @property
    def all_cadences(self) -> str:
        return self.key("cadences")

    def reach(self, cadence_id: str) -> str:
        """How the cadence's last fire went (who it reached, and why not the others)."""
        return self.key("cadence", cadence_id, "reach")

    def told(self, cadence_id: str) -> str:
        """The problems reaching its audience that its managers have been told of."""
        return self.key("cadence", cadence_id, "told")

    def trashed_cadence(self, cadence_id: str) -> str:
        return self.key("trash", cadence_id)

    def sequence(self, kind: str) -> str:
        """The counter that numbers cadences ("cadence"), shout-outs ("s"), pauses ("p")…"""
        return self.key("seq", kind)

    # --- people and teams -----------------------------------------------------------------

    def member(self, ref: MemberRef) -> MemberKeys:
        return MemberKeys(self.key("member", ref.key))

    def team(self, ws: Workspace, team: str) -> TeamKeys:
        return TeamKeys(self.key("team", ws.key, team))

    def teams(self, ws: Workspace) -> str:
        return self.key("teams", ws.key)

    def admins(self, ws: Workspace) -> str:
        return self.key("admins", ws.key)

    def names(self, ws: Workspace) -> str:
        return self.key("names", ws.key)

    def channel(self, channel: Conversation) -> ChannelKeys:
        return ChannelKeys(self.key("channel", channel.key))

    # --- prompts and their delivery -------------------------------------------------------

    def audience(self, audience: str) -> AudienceKeys:
        return AudienceKeys(self, audience)

    def delivery(self, fire_key: str) -> str:
        return self.key("delivery", fire_key)

    @property
    def deliveries_pattern(self) -> str:
        return self.key("delivery", "*")

    def pressed(self, button: str) -> str:
        return self.key("pressed", button)

    def job(self, job_id: str) -> str:
        return self.key("once", job_id)

    @property
    def jobs_prefix(self) -> str:
        return self.key("once", "")

    # --- recognition and pauses -----------------------------------------------------------

    def shoutout(self, shoutout_id: str) -> str:
        return self.key("shoutout", shoutout_id)

    def shoutouts(self, channel: Conversation, week: str) -> str:
        return self.key("shoutouts", channel.key, week)

    def recognised(self, ws: Workspace) -> str:
        return self.key("recognised", ws.key)

    def shoutout_counts(self, ws: Workspace, week: str) -> str:
        """How many shout-outs each team was given in a week (a hash): counts, never who, kept
        after the shout-outs' own words have gone."""
        return self.key("shoutcount", ws.key, week)

    def rate(self, what: str) -> str:
        return self.key("rate", what)

    def held(self, held_id: str) -> str:
        return self.key("held", held_id)

    def pause(self, pause_id: str) -> PauseKeys:
        return PauseKeys(self.key("pause", pause_id))

    def pauses(self, ws: Workspace, scope: str, month: str) -> str:
        return self.key("pauses", ws.key, scope, month)

    # --- the scheduler and the platforms --------------------------------------------------

    @property
    def queue(self) -> QueueKeys:
        return QueueKeys(self.prefix)

    def platform(self, name: str) -> PlatformKeys:
        return PlatformKeys(self.key(name))
