"""Every error the engine raises or expects from its ports.

The tree::

    NudgeError
    ├── SettingsError              configuration is missing or wrong (lists every problem)
    ├── ParseError                 a command could not be understood (carries a correct example)
    ├── Refused                    the person may not do this (says who can help)
    ├── NotFound (LookupError)     a cadence, prompt or team that does not exist here
    ├── Identifying                a text that could identify someone in our care (not posted)
    ├── InvalidSchedule (ValueError)  a schedule with no future fire, or a bad cron expression
    ├── DeliveryError              a message could not be delivered
    │   ├── RateLimited            the platform asked us to slow down (retry_after_s)
    │   ├── ConversationGone       the member uninstalled, blocked the bot, or left
    │   └── Rejected               the platform refused this message for good
    ├── CannotReach                a channel the bot could not post in: a cadence's (not
    │                              saved), a shout-out's (not posted)
    ├── CodecError (ValueError)    a stored payload this release cannot read (a fire that
    │                              needs one is set aside; ``carenudge doctor`` lists it)
    ├── UnknownMember (LookupError)
    └── ClaimLost                  our lease on a fire ran out: another replica may have it

Redis errors are not wrapped: the loops that own the work (``Engine.handle``, the scheduler's
runner) catch ``redis.RedisError`` once and answer "try again in a moment".

Adapters raise the DeliveryError family from their messengers, translated from SDK errors
at the seam (``raise RateLimited(...) from exc``); no SDK exception crosses a port.
"""

from __future__ import annotations

from nudges.cards import Field, Inline
from nudges.model import MemberRef, Unreachable


class NudgeError(Exception):
    """Base of every error CareNudge raises on purpose."""


class SettingsError(NudgeError):
    """Configuration is missing or wrong.

    Args:
        problems: One line per problem, each naming the variable and what to do.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("Configuration problems:\n" + "\n".join(f"- {p}" for p in problems))


class ParseError(NudgeError):
    """A command could not be understood.

    Args:
        problem: What was wrong, in plain words ("I couldn't read the time '7.75'.").
        example: A correct command the person can copy.
        topic: The help topic that explains the command, if any.
        field: The part of a cadence the problem is about, if it is one part (a form shows
            the problem under that field).
        yours: What the person typed, as a command to change and send again, when it was
            more than a few words (a shout-out, a dedication): nothing they wrote is lost.
    """

    def __init__(
        self,
        problem: str,
        example: str,
        topic: str = "",
        field: Field | None = None,
        *,
        yours: tuple[Inline, ...] = (),
    ) -> None:
        self.problem = problem
        self.example = example
        self.topic = topic
        self.field = field
        self.yours = yours
        super().__init__(f"{problem} For example: {example}")


class Refused(NudgeError):
    """The person is not allowed to do this.

    Args:
        reason: Why, kindly ("Only managers of ward-7 can change its nudges.").
        helpers: The people who can help (the team's managers, or the admins).
        next_step: What the person can do themselves, when they can (an admin, say).
    """

    def __init__(
        self, reason: str, helpers: tuple[MemberRef, ...] = (), next_step: str = ""
    ) -> None:
        self.reason = reason
        self.helpers = helpers
        self.next_step = next_step
        super().__init__(reason)


class NotFound(NudgeError, LookupError):
    """A cadence, prompt or team that does not exist (in this workspace).

    Args:
        what: What was looked for, as the person wrote it ("cadence c12").
        hint: What to do next ("See yours with /nudge list.").
    """

    def __init__(self, what: str, hint: str) -> None:
        self.what = what
        self.hint = hint
        super().__init__(f"I couldn't find {what}. {hint}")


class Identifying(NudgeError):
    """A text someone typed looks like it could identify someone in our care, so it is not
    posted or saved. Nothing here repeats the text: the reply may be seen by others or logged.

    Args:
        explanation: What looked identifying, in one kind sentence (``PrivacyIssue``).
        advice: How to say it without that detail.
        field: The part of a form the text was typed in, if any.
        yours: What they typed, as a command to change and send again. It is shown only to
            them (a private reply), so nothing they wrote is lost.
    """

    def __init__(
        self,
        explanation: str,
        advice: str,
        field: Field | None = None,
        *,
        yours: tuple[Inline, ...] = (),
    ) -> None:
        self.explanation = explanation
        self.advice = advice
        self.field = field
        self.yours = yours
        super().__init__(explanation)


class InvalidSchedule(NudgeError, ValueError):
    """A schedule that can never fire, or a cron expression the scheduler rejects.

    Args:
        problem: What is wrong with it.
        field: The part of the cadence it is about (its times, unless said otherwise).
    """

    def __init__(self, problem: str, field: Field = "times") -> None:
        self.problem = problem
        self.field: Field = field
        super().__init__(problem)


class DeliveryError(NudgeError):
    """A message could not be delivered now: the platform or the network failed (a 5xx, a
    timeout). Worth trying again, unless it is one of the definitive kinds below."""


class RateLimited(DeliveryError):
    """The platform asked us to slow down.

    Args:
        retry_after_s: Seconds to wait before the next try, as the platform said.
    """

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"rate limited; retry after {retry_after_s:g}s")


class ConversationGone(DeliveryError):
    """The conversation cannot be written to: the bot is not in the channel, it was archived
    or deleted, the person left or removed the app, or the app was uninstalled.

    Args:
        detail: What the platform said, for the log ("not_in_channel").
        reason: Why, in the engine's words (what people are told comes from it).
        fix: What someone can do about it, in the platform's own terms ("Invite CareNudge
            with /invite @CareNudge in that channel"), if the platform knows.
    """

    def __init__(
        self, detail: str, reason: Unreachable = Unreachable.UNKNOWN, fix: str = ""
    ) -> None:
        self.reason = reason
        self.fix = fix
        super().__init__(detail)


class CannotReach(NudgeError):
    """Someone asked for something in a channel the bot could not post in: a cadence (it was
    not saved), a shout-out or a pause (nothing was posted).

    Args:
        where: The channel, as people name it ("#icu").
        gone: What the platform said (its reason, and its fix).
        posting: Whether it was to be posted now (rather than a cadence to be saved).
    """

    def __init__(self, where: str, gone: ConversationGone, *, posting: bool = False) -> None:
        self.where = where
        self.reason = gone.reason
        self.fix = gone.fix
        self.detail = str(gone)
        """What the platform said, for the log ("not_in_channel"): never the channel's name."""
        self.posting = posting
        super().__init__(f"cannot post in {where}: {gone.reason.value}")


class CodecError(NudgeError, ValueError):
    """A payload kept in Redis that this release cannot read: written by a newer release (its
    ``v`` is unknown), or damaged by hand. Whatever needs it is set aside, not retried."""


class Rejected(DeliveryError):
    """The platform refused this message for good (a request it will never take, such as
    one it says is malformed): sending it again would only be refused again."""


class UnknownMember(NudgeError, LookupError):
    """A member the platform does not know."""


class ClaimLost(NudgeError):
    """This process's lease on a fire it was working on ran out (it stalled, or another
    replica took the fire over): it must stop, and leave the fire to the lease's holder."""
