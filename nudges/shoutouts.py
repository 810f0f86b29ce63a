"""Recognition: give a shout-out (tagged with one of the four behaviours), hold a vague one
for a gentle tip, change its tag, delete it, and tell managers who has not been recognised
lately. Never a count per person, never a ranking.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import Any

from nudges import privacy, wording
from nudges.cards import (
    Action,
    Actions,
    Button,
    Card,
    ContextLine,
    Heading,
    Reply,
    Text,
)
from nudges.codec import words_in, words_out
from nudges.commands import GiveShoutout
from nudges.deps import Deps
from nudges.digest import Digests
from nudges.errors import CannotReach, ConversationGone, DeliveryError, NotFound, Refused
from nudges.model import (
    SHOUTOUT_BEHAVIOURS,
    Behaviour,
    Conversation,
    ConversationKind,
    MemberRef,
    Mention,
    Shoutout,
    TypedText,
    iso_week,
)
from nudges.rosters import Rosters
from nudges.shoutout_cards import confirmation, public_card
from nudges.shoutout_words import is_vague, plain_text, read_text, suggest

log = logging.getLogger(__name__)

BURST = (5, timedelta(minutes=10))
DAILY = (30, timedelta(days=1))


class Shoutouts:
    def __init__(self, deps: Deps, rosters: Rosters, digests: Digests) -> None:
        self.stores = deps.stores
        self.messenger = deps.messenger
        self.rosters = rosters
        self.digests = digests
        self.clock = deps.clock
        self.settings = deps.settings

    # --- giving ---------------------------------------------------------------------------

    async def give(
        self,
        actor: MemberRef,
        where: Conversation,
        where_name: str,
        cmd: GiveShoutout,
        *,
        confirmed: bool = False,
    ) -> Reply:
        ready = await self.screen(actor, where, where_name, cmd, confirmed=confirmed)
        if isinstance(ready, Reply):
            return ready
        if ready.channel is not None:
            where, where_name = ready.channel.conversation, ready.channel.name
        if not confirmed:
            await self._count(actor)
        return await self._post(actor, where, where_name, ready)

    async def screen(
        self,
        actor: MemberRef,
        where: Conversation,
        where_name: str,
        cmd: GiveShoutout,
        *,
        confirmed: bool = False,
    ) -> Reply | GiveShoutout:
        """Everything before posting, from the words and what is kept: the answer if it is
        not to be posted (a refusal, a question back, a tip; nothing sent), or the shout-out
        to post, with the person named by name found."""
        if not cmd.recipients:
            named = await self._by_name(actor, cmd.words)
            if named is None:
                return Reply(
                    wording.message(
                        "Who would you like to recognise?",
                        "I don't know anyone here by that name yet. Mention them with @, or "
                        "use the name they have in CareNudge.",
                    ),
                    status="invalid",
                    field="recipients",
                )
            cmd = replace(cmd, recipients=(named[0],), words=named[1])
        if cmd.channel is not None:
            where, where_name = cmd.channel.conversation, cmd.channel.name
        if any(r.member == actor for r in cmd.recipients):
            return Reply(
                wording.message(
                    "Shout-outs are for colleagues",
                    "Your own effort matters too. Take a moment to notice one thing you did "
                    "today, and what it took.",
                ),
                status="refused",
            )
        text = plain_text(cmd.words)
        privacy.guard(text, self.clock.now().date(), "words", typed=plain_text(cmd.as_typed()))
        if not confirmed:
            limited = await self._rate_limited(actor, cmd)
            if limited is not None:
                return limited
            if cmd.doubt:
                return await self._ask_private(actor, where, where_name, cmd)
            if is_vague(read_text(cmd.words)):
                return await self._tip(actor, where, where_name, cmd)
        return cmd

    async def _by_name(
        self, actor: MemberRef, words: TypedText
    ) -> tuple[Mention, TypedText] | None:
        """The person whose name starts ``words`` (one to three words), and what follows."""
        if not words or not isinstance(words[0], str):
            return None
        tokens = words[0].split(" ")
        for length in (3, 2, 1):
            if len(tokens) <= length:
                continue
            ref = await self.stores.people.named(actor.workspace, " ".join(tokens[:length]))
            if ref is not None:
                name = (await self.stores.people.member(ref)).name
                rest = " ".join(tokens[length:])
                return Mention(ref, name), (rest, *words[1:])
        return None

    async def _rate_limited(self, actor: MemberRef, cmd: GiveShoutout) -> Reply | None:
        """The kind refusal if ``actor`` has given as many as a window allows. Only read:
        screening a shout-out counts nothing (``_count`` does, as it is given or held)."""
        for name, (limit, _) in (("burst", BURST), ("day", DAILY)):
            if await self.stores.shoutouts.counted(f"shoutout:{actor.key}:{name}") >= limit:
                when = "in a few minutes" if name == "burst" else "tomorrow"
                # Their words are kept: here they are, to send again as they were.
                again = cmd.as_typed()
                return Reply(
                    Card(
                        (
                            Heading("That's a lot of thanks"),
                            Text(
                                (
                                    "Lovely to see. To keep each one special, the next can go "
                                    f"out {when}. Nothing was posted; here are your words, to "
                                    "send then:",
                                )
                            ),
                            Text(again),
                        ),
                        f"That's a lot of thanks. The next can go out {when}.",
                    ),
                    status="refused",
                )
        return None

    async def _count(self, actor: MemberRef) -> None:
        for name, (_, window) in (("burst", BURST), ("day", DAILY)):
            await self.stores.shoutouts.count_within(f"shoutout:{actor.key}:{name}", window)

    async def _hold(
        self, actor: MemberRef, where: Conversation, where_name: str, cmd: GiveShoutout
    ) -> str:
        """Keep a shout-out its giver is asked about, for one press of a button to post it
        (counted now: posting it then is not counted again)."""
        await self._count(actor)
        held = await self.stores.shoutouts.next_held_id()
        await self.stores.shoutouts.hold(
            held,
            actor,
            {
                "actor": actor.key,
                "where": [where.platform, where.tenant_id, where.channel_id, where.kind.value],
                "where_name": where_name,
                "recipients": [[m.member.key, m.name] for m in cmd.recipients],
                "words": words_out(cmd.words),
                "behaviour": cmd.behaviour.value if cmd.behaviour else None,
                "private": cmd.private,
            },
        )
        return held

    async def _ask_private(
        self, actor: MemberRef, where: Conversation, where_name: str, cmd: GiveShoutout
    ) -> Reply:
        held = await self._hold(actor, where, where_name, cmd)
        place = wording.channel(where_name)
        return Reply(
            Card(
                (
                    Heading("Did you mean to send it privately?"),
                    Text(("“private” is in the middle of your words, so I've held it back.",)),
                    Actions(
                        (
                            Button("Send it privately", Action.SHOUTOUT_POST, f"{held}|private"),
                            Button(f"Post in {place}", Action.SHOUTOUT_POST, f"{held}|public"),
                        )
                    ),
                    ContextLine(("Nothing has been posted yet.",)),
                ),
                "Did you mean to send it privately? Nothing has been posted yet.",
            ),
            status="invalid",
        )

    async def _tip(
        self, actor: MemberRef, where: Conversation, where_name: str, cmd: GiveShoutout
    ) -> Reply:
        held = await self._hold(actor, where, where_name, cmd)
        names = " ".join(f"@{m.name}" for m in cmd.recipients)
        return Reply(
            Card(
                (
                    Heading("A tip before it goes out"),
                    Text(
                        (
                            "Shout-outs land best when they name what someone did and the "
                            "difference it made.",
                        )
                    ),
                    Text(
                        (
                            f"For example: /shoutout {names} for staying with the family after "
                            "handover: they felt looked after",
                        )
                    ),
                    Actions((Button("Post it as it is", Action.SHOUTOUT_POST, held),)),
                    ContextLine(("Or send it again with a little more. It's your call.",)),
                ),
                "A tip: name what they did and the difference it made.",
            )
        )

    async def post_held(self, actor: MemberRef, value: str) -> Reply:
        held, _, choice = value.partition("|")
        data = await self.stores.shoutouts.take_held(held, actor)
        if data is None or data.get("actor") != actor.key:
            return Reply(
                wording.message(
                    "That shout-out has expired", "Please give it again with /shoutout."
                )
            )
        platform, tenant, channel_id, kind = data["where"]
        where = Conversation(platform, tenant, channel_id, ConversationKind(kind))
        cmd = GiveShoutout(
            recipients=tuple(Mention(MemberRef.from_key(k), n) for k, n in data["recipients"]),
            words=_held_words(data["words"]),
            behaviour=Behaviour(data["behaviour"]) if data.get("behaviour") else None,
            private=bool(data["private"]) if not choice else choice == "private",
        )
        try:
            return await self.give(
                actor, where, str(data.get("where_name", "")), cmd, confirmed=True
            )
        except (DeliveryError, CannotReach):
            # Nothing went out: the words are kept under the same button, to press again once
            # what stopped it is fixed (CareNudge invited to the channel, say).
            await self.stores.shoutouts.hold(held, actor, data)
            raise

    async def _post(
        self, actor: MemberRef, where: Conversation, where_name: str, cmd: GiveShoutout
    ) -> Reply:
        now = self.clock.now()
        giver = Mention(actor, (await self.stores.people.member(actor)).name)
        for person in cmd.recipients:
            await self.stores.people.remember_name(person.member, person.name)
        private = cmd.private or where.kind is ConversationKind.DIRECT
        shoutout = Shoutout(
            id=await self.stores.shoutouts.next_id(),
            workspace=actor.workspace,
            channel=where,
            giver=actor,
            recipients=tuple(m.member for m in cmd.recipients),
            words=cmd.words,
            behaviour=cmd.behaviour or suggest(read_text(cmd.words)),
            private=private,
            given_at=now,
        )
        if not private:
            try:
                ref = await self.messenger.send(where, public_card(shoutout, giver, cmd.recipients))
            except ConversationGone as gone:  # nothing was posted, nor saved
                raise CannotReach(wording.channel(where_name), gone, posting=True) from gone
            shoutout = replace(shoutout, message=ref)
        await self.stores.shoutouts.save_shoutout(
            shoutout,
            iso_week(now.date()),
            new=True,
            keep=self.settings.keep_shoutouts,
            team=(
                None
                if where.kind is ConversationKind.DIRECT
                else await self.rosters.team_for_channel(where, where_name, actor)
            ),
        )
        untold = await self._tell_recipients(shoutout, giver, where_name)
        if not private:
            await self.digests.ensure(shoutout, where_name)
        return Reply(confirmation(shoutout, where_name, untold))

    async def _tell_recipients(self, shoutout: Shoutout, giver: Mention, where_name: str) -> int:
        """Tell each person recognised, by direct message; how many cannot be reached that
        way (their account closed, or messages from the app turned off)."""
        untold = 0
        place = "privately" if shoutout.private else f"in {wording.channel(where_name)}"
        for person in shoutout.recipients:
            card = Card(
                (
                    Heading("You've been recognised"),
                    Text((giver, f" recognised you {place}: ", *shoutout.words)),
                    ContextLine((f"{shoutout.behaviour.label} · thank you for what you do.",)),
                ),
                f"@{giver.name} recognised you: {shoutout.text}",
            )
            try:
                await self.messenger.send(await self.messenger.open_dm(person), card)
            except DeliveryError as exc:  # the shout-out stands; one note did not arrive
                log.warning(
                    "could not tell a recipient of %s (%s)", shoutout.id, type(exc).__name__
                )
                untold += isinstance(exc, ConversationGone)
        return untold

    # --- afterwards -----------------------------------------------------------------------

    async def retag(self, actor: MemberRef, value: str) -> Reply:
        shoutout_id, _, tag = value.partition("|")
        shoutout = await self.stores.shoutouts.shoutout(shoutout_id)
        behaviour = next((b for b in SHOUTOUT_BEHAVIOURS if b.value == tag), None)
        if shoutout is None or behaviour is None:
            return Reply(wording.message("That button has expired", "Nothing was changed."))
        if shoutout.giver != actor:
            return Reply(
                wording.message(
                    "That's theirs to change",
                    "Only the person who gave a shout-out can change its tag. Nothing was changed.",
                ),
                status="refused",
            )
        shoutout = replace(shoutout, behaviour=behaviour)
        await self.stores.shoutouts.save_shoutout(
            shoutout, iso_week(shoutout.given_at.date()), new=False
        )
        if shoutout.message is not None:
            giver = Mention(actor, (await self.stores.people.member(actor)).name)
            people = [
                Mention(m.ref, m.name)
                for m in await self.stores.people.members(shoutout.recipients)
            ]
            await self.messenger.update(shoutout.message, public_card(shoutout, giver, people))
        return Reply(
            wording.message("Tag changed", f"{shoutout.id} is now tagged {behaviour.label}.")
        )

    async def delete(self, actor: MemberRef, shoutout_id: str) -> Card:
        shoutout = await self.stores.shoutouts.shoutout(shoutout_id)
        if shoutout is None or shoutout.workspace != actor.workspace:
            raise NotFound(f"shout-out {shoutout_id}", "It may have been deleted already.")
        if shoutout.giver != actor and not await self.rosters.is_admin(actor):
            raise Refused("Only the person who gave a shout-out, or an admin, can delete it.")
        if shoutout.message is not None:
            await self.messenger.update(
                shoutout.message,
                Card(
                    (ContextLine(("This shout-out was removed.",)),), "This shout-out was removed."
                ),
            )
        await self.stores.shoutouts.delete_shoutout(
            shoutout,
            iso_week(shoutout.given_at.date()),
            await self.stores.people.channel_team(shoutout.channel),
        )
        return wording.message(
            "Shout-out deleted", f"{shoutout.id} is gone, and won't be in the weekly digest."
        )


def _held_words(raw: list[Any]) -> TypedText:
    """A held shout-out's words; one held before links were kept has people as [key, name]."""
    return words_in([{"m": w[0], "n": w[1]} if isinstance(w, list) else w for w in raw])
