"""``SlackMessenger``: the Messenger port over Slack's Web API (AsyncWebClient).

Messages are paced per channel and per workspace (``RedisPacer``), shared by every replica. A
429 holds the whole workspace for ``Retry-After``, then the message tries again in its turn,
up to ``RATE_LIMITED_TRIES`` times. That is why the client given here must not retry 429s
itself: slack_sdk's ``AsyncRateLimitErrorRetryHandler`` waits alone and then sends at once,
so every call that met the same 429 comes back at the same instant.

Slack errors are translated here, at the seam (``translated``): 429 becomes ``RateLimited``;
a channel or person we can no longer reach, a token Slack no longer takes or a permission the
install lacks becomes ``ConversationGone``, with why and the fix in Slack's terms (none of these
is tried again: it cannot succeed until someone acts); any other refusal Slack answers with
``"ok": false`` becomes ``Rejected`` (for good); and a 5xx, a timeout or no network a
``DeliveryError`` (tried again until the fire's deadline). Slack's errors are each method's
"Errors" table in its reference (docs.slack.dev/reference/methods/chat.postMessage, say). A
timeout may hide a message Slack did post: without the history scopes we cannot look, so the
engine sends again rather than risk a silent loss.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RedisPacer
from adapters.slack.render import to_block_kit
from nudges.edge import (
    Card,
    Conversation,
    ConversationGone,
    ConversationKind,
    DeliveryError,
    Fence,
    MemberRef,
    MessageRef,
    PlatformKeys,
    RateLimited,
    Rejected,
    Unreachable,
)

log = logging.getLogger(__name__)

ClientFor = Callable[[str, str], Awaitable[AsyncWebClient]]
"""The Web API client for a tenant, to reach a channel or person in it (one token, or with
OAuth the installation's that reaches them)."""

REINSTALL = "CareNudge needs adding to this Slack workspace again: your Slack admin can do it."
SETTING = (
    "A Slack setting stops apps posting there: a Slack admin or the channel's manager can allow "
    "CareNudge, or choose another channel."
)
GONE: dict[str, tuple[Unreachable, str]] = {
    "not_in_channel": (
        Unreachable.NOT_IN_CHANNEL,
        "Invite CareNudge to the channel: type /invite @CareNudge there.",
    ),
    # Slack says this of a private channel the bot is not in, as of one that was deleted.
    "channel_not_found": (
        Unreachable.CHANNEL_GONE,
        "If it is a private channel, invite CareNudge to it (/invite @CareNudge); if it was "
        "deleted, choose another channel.",
    ),
    "is_archived": (Unreachable.ARCHIVED, "Unarchive the channel, or choose another one."),
    "user_not_found": (Unreachable.PERSON_GONE, ""),
    "user_disabled": (Unreachable.PERSON_GONE, ""),
    "user_not_visible": (Unreachable.UNKNOWN, ""),
    "cannot_dm_bot": (Unreachable.UNKNOWN, ""),
    "messages_tab_disabled": (Unreachable.APP_REMOVED, ""),
    "restricted_action": (Unreachable.NOT_ALLOWED, SETTING),
    "restricted_action_read_only_channel": (Unreachable.NOT_ALLOWED, SETTING),
    "team_access_not_granted": (Unreachable.NOT_INSTALLED, REINSTALL),
    # The token is no longer taken: revoked, the app removed, or (account_inactive, with a bot
    # token) its workspace deleted.
    "invalid_auth": (Unreachable.NOT_INSTALLED, REINSTALL),
    "not_authed": (Unreachable.NOT_INSTALLED, REINSTALL),
    "token_revoked": (Unreachable.NOT_INSTALLED, REINSTALL),
    "account_inactive": (Unreachable.NOT_INSTALLED, REINSTALL),
}
"""Slack's answers that mean CareNudge cannot write there: why, and what fixes it."""
RATE_LIMITED = {"ratelimited", "rate_limited"}
"""Slack's words for "slow down" (with a 429 and Retry-After, or, for rate_limited, without)."""
PASSING = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_is_restricted",
}
"""Slack errors that can pass: tried again until the fire's deadline. Any other "ok": false
answer is Slack refusing that request for good (``Rejected``)."""
DM_TTL_S = 30 * 24 * 3600
CHECK_WITHIN_S = 1.0
"""How long a manager's command may wait for conversations.info's pace."""
RATE_LIMITED_TRIES = 3
"""Tries of one call that keep meeting 429 before ``RateLimited`` goes to the caller."""


class SlackMessenger:
    """``pacer`` paces chat.postMessage; ``opener``, ``looker`` and ``inspector``, if given,
    pace conversations.open, users.info and conversations.info under their own limits (Slack
    limits each method separately, per workspace); ``editor``, if given, holds chat.update
    after a 429 for as long as Slack asks, then tries again."""

    def __init__(
        self,
        client_for: ClientFor,
        redis: Redis,
        keys: PlatformKeys,
        pacer: RedisPacer,
        opener: RedisPacer | None = None,
        looker: RedisPacer | None = None,
        inspector: RedisPacer | None = None,
        editor: RedisPacer | None = None,
    ) -> None:
        self.client_for = client_for
        self.redis = redis
        self.keys = keys
        self.pacer = pacer
        self.opener = opener
        self.looker = looker
        self.inspector = inspector
        self.editor = editor

    async def send(
        self, conversation: Conversation, card: Card, *, key: str = "", fence: Fence | None = None
    ) -> MessageRef:
        client = await self.client_for(conversation.tenant_id, conversation.channel_id)
        message = to_block_kit(card)

        def post() -> Awaitable[Any]:
            return client.chat_postMessage(
                channel=conversation.channel_id,
                thread_ts=conversation.thread_id,
                unfurl_links=False,
                unfurl_media=False,
                **message,
            )

        response = await _paced(
            self.pacer, conversation.tenant_id, conversation.channel_id, post, fence
        )
        return MessageRef(conversation, str(response["ts"]))

    async def update(self, ref: MessageRef, card: Card) -> None:
        client = await self.client_for(ref.conversation.tenant_id, ref.conversation.channel_id)

        def edit() -> Awaitable[Any]:
            return client.chat_update(
                channel=ref.conversation.channel_id, ts=ref.message_id, **to_block_kit(card)
            )

        if self.editor is not None:
            await _paced(self.editor, ref.conversation.tenant_id, None, edit)
        else:
            await _call(edit())

    async def open_dm(self, member: MemberRef) -> Conversation:
        cache = self.keys.dm(member.tenant_id, member.user_id)
        channel = await self.redis.get(cache)
        if not channel:
            client = await self.client_for(member.tenant_id, member.user_id)

            def open_im() -> Awaitable[Any]:
                return client.conversations_open(users=member.user_id)

            if self.opener is not None:
                response = await _paced(self.opener, member.tenant_id, None, open_im)
            else:
                response = await _call(open_im())
            channel = str(response["channel"]["id"])
            await self.redis.set(cache, channel, ex=DM_TTL_S)
        return Conversation("slack", member.tenant_id, str(channel), ConversationKind.DIRECT)

    async def check_reach(self, conversation: Conversation) -> None:
        """Whether CareNudge is in the channel and it is not archived (conversations.info,
        with channels:read and groups:read). An install without those scopes, or Slack away,
        says nothing: the first fire will tell."""
        if conversation.kind is ConversationKind.DIRECT:
            return
        client = await self.client_for(conversation.tenant_id, conversation.channel_id)
        if self.inspector is not None and not await self.inspector.try_turn(
            conversation.tenant_id, within_s=CHECK_WITHIN_S
        ):
            return
        try:
            response = await _call(client.conversations_info(channel=conversation.channel_id))
        except ConversationGone as gone:
            if gone.reason is Unreachable.NOT_ALLOWED:
                # Without channels:read or groups:read we cannot look: the first fire will tell.
                log.info("could not check a Slack channel before saving: %s", gone)
                return
            raise
        channel = response.get("channel") or {}
        if channel.get("is_archived") is True:
            raise ConversationGone("is_archived", *GONE["is_archived"])
        if channel.get("is_member") is False:
            raise ConversationGone("not_in_channel", *GONE["not_in_channel"])

    async def was_sent(self, conversation: Conversation, key: str) -> bool | None:
        # Finding out would need the history scopes (reading every message in the channel);
        # for a hospital that is too much to ask, so after a crash the engine sends again.
        return None

    async def time_zone(self, member: MemberRef, *, within_s: float | None = None) -> str | None:
        """The member's time zone as Slack knows it (cached for a day). With ``within_s``,
        None at once if users.info's pace would make it wait longer (ask again later)."""
        cache = self.keys.time_zone(member.tenant_id, member.user_id)
        known = await self.redis.get(cache)
        if known:
            return str(known)
        client = await self.client_for(member.tenant_id, member.user_id)

        def look_up() -> Awaitable[Any]:
            return client.users_info(user=member.user_id)

        try:
            if self.looker is None:
                response = await _call(look_up())
            elif within_s is None:
                response = await _paced(self.looker, member.tenant_id, None, look_up)
            elif await self.looker.try_turn(member.tenant_id, within_s=within_s):
                response = await _call(look_up())
            else:
                return None
        except RateLimited as exc:
            if self.looker is not None:
                await self.looker.hold(member.tenant_id, exc.retry_after_s)
            return None
        except DeliveryError as exc:
            log.info("could not look up a time zone in Slack: %s (%s)", type(exc).__name__, exc)
            return None
        tz = response["user"].get("tz")
        if isinstance(tz, str) and tz:
            await self.redis.set(cache, tz, ex=24 * 3600)
            return tz
        return None


async def _paced(
    pacer: RedisPacer,
    team_id: str,
    channel_id: str | None,
    call: Callable[[], Awaitable[Any]],
    fence: Fence | None = None,
) -> Any:
    """``call`` in its turn; after a 429, hold the workspace and try again in a new turn.
    ``fence`` is asked after each wait for a turn, just before the call."""
    for attempt in range(1, RATE_LIMITED_TRIES + 1):
        await pacer.wait_turn(team_id, channel_id)
        if fence is not None:
            fence()
        try:
            return await _call(call())
        except RateLimited as exc:
            await pacer.hold(team_id, exc.retry_after_s)
            if attempt == RATE_LIMITED_TRIES:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def _call(pending: Awaitable[Any]) -> Any:
    try:
        return await pending
    except SlackApiError as exc:
        raise translated(exc) from exc
    except (SlackClientError, OSError, TimeoutError) as exc:
        raise DeliveryError(type(exc).__name__) from exc


def translated(exc: SlackApiError) -> DeliveryError:
    """Slack's refusal as the engine's error. Its message is Slack's error code (never the
    message, nor the token), for the one log line whoever owns the work writes."""
    status = exc.response.status_code
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    error = str(data.get("error", ""))
    if status == 429 or error in RATE_LIMITED:
        return RateLimited(_retry_after(exc.response.headers))
    if error == "missing_scope":
        # {"ok": false, "error": "missing_scope", "needed": "chat:write", "provided": "..."}
        return ConversationGone(error, Unreachable.NOT_ALLOWED, _grant(str(data.get("needed", ""))))
    if error in GONE:
        reason, fix = GONE[error]
        return ConversationGone(error, reason, fix)
    if status < 500 and error and error not in PASSING:
        return Rejected(error)
    return DeliveryError(error or f"status {status}")


def _grant(needed: str) -> str:
    """What fixes a missing scope: installing again, which asks Slack for what it needs."""
    which = f" (Slack calls it {needed})" if needed and len(needed) <= 100 else ""
    return (
        "CareNudge was installed without a permission it needs"
        f"{which}: your Slack admin can add CareNudge to the workspace again to allow it."
    )


def _retry_after(headers: Any) -> float:
    """Seconds Slack asks us to wait (its Retry-After header); 1 if it says nothing we can read."""
    said = next((v for k, v in dict(headers or {}).items() if str(k).lower() == "retry-after"), "")
    try:
        seconds = float(said)
    except (TypeError, ValueError):
        return 1.0
    return seconds if 0 <= seconds < 3600 else 1.0


def why(exc: Exception) -> str:
    """For the log: what Slack said, or what kind of failure it was."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        return f"{exc.response.status_code} {data.get('error', '')}".strip()
    return type(exc).__name__
