"""``GET /privacy`` and ``GET /terms``: what CareNudge keeps, for how long, who sees what and
how to see or erase it, and the short terms it is offered on. Plain HTML, readable on a phone,
with nothing loaded from anywhere else; the figures come from the settings in force."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiohttp import web

from bot.settings import Settings
from nudges.store import DELIVERY_TTL
from nudges.store.pauses import PAUSE_TTL

PRIVACY_PATH = "/privacy"
TERMS_PATH = "/terms"
HEADERS = {
    # Nothing from elsewhere: no scripts, fonts, images or frames, only the page's own style.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
STYLE = (
    "body{font:1.05rem/1.55 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
    "max-width:40rem;padding:1rem 1.25rem 3rem;color:#1d2b2a;background:#fff}"
    "h1{font-size:1.5rem;color:#2c5f5d}h2{font-size:1.15rem;margin-top:1.8rem;color:#2c5f5d}"
    "code{background:#eef3f2;padding:0 .25em;border-radius:3px;font-size:.95em}"
    "li{margin:.35rem 0}a{color:#2c5f5d}footer{margin-top:2.5rem;font-size:.9rem;color:#4a5857}"
)


def _days(span: timedelta) -> str:
    days = max(1, round(span / timedelta(days=1)))
    return "1 day" if days == 1 else f"{days} days"


def _contact(contact: str | None) -> str:
    if contact is None:
        return (
            "<p>Questions, or something that doesn't look right? Ask your hospital's IT or "
            "information governance team: they run CareNudge here.</p>"
        )
    href = contact if "://" in contact else f"mailto:{contact}"
    return (
        "<p>Questions, or something that doesn't look right? Contact the team who run CareNudge "
        f'here: <a href="{escape(href)}">{escape(contact)}</a>.</p>'
    )


def _page(title: str, body: str, other: tuple[str, str]) -> str:
    path, label = other
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)} · CareNudge</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<main>\n<h1>{escape(title)}</h1>\n{body}</main>\n"
        f'<footer><a href="{path}">{label}</a></footer>\n</body>\n</html>\n'
    )


def privacy(settings: Settings) -> str:
    engine = settings.engine
    body = f"""<p>CareNudge is a chat bot that helps teams with small, kind acts at work: a check-in
after a hard day, a thank-you, a moment to pause. It runs on your hospital's own systems. This
page says what it keeps, for how long, who sees what, and how to see or erase what it holds
about you.</p>

<h2>What CareNudge keeps</h2>
<ul>
<li>Your name and id, as Slack or Teams gives them.</li>
<li>Your settings: time zone, quiet hours, working days and shifts, snooze or stop, and how
many nudges you want (your budget).</li>
<li>The teams you belong to, and whether you manage a team or are an admin.</li>
<li>Shout-outs: who gave one, who was recognised, and the words.</li>
<li>What was sent to whom, and when.</li>
</ul>
<p><strong>Never anything about patients.</strong> CareNudge never asks about the people in your
care. A check on this server refuses a shout-out, a Pause dedication or a team prompt whose
words could identify a patient (an NHS number, a date of birth, a name next to a bed): it is
not posted or saved, and you are asked, privately, to put it another way.</p>

<h2>For how long</h2>
<ul>
<li>The words and names of a shout-out: <strong>{_days(engine.keep_shoutouts)}</strong>. After
that only anonymous counts remain (how many each team was given, week by week).</li>
<li>What was sent to you, and when: <strong>{_days(engine.keep_sent)}</strong>.</li>
<li>Delivery records, which make sure nothing is sent to you twice:
<strong>{_days(DELIVERY_TTL)}</strong>.</li>
<li>A Pause keeps no words once it closes, and its record is gone within
<strong>{_days(PAUSE_TTL)}</strong>. Only the number of Pauses a team had in a month stays.</li>
<li>Your settings and your teams: until you erase them (below), or leave a team.</li>
</ul>

<h2>Who sees what</h2>
<ul>
<li>Your team sees the shout-outs posted in its channel. A private shout-out goes only to the
people it recognises.</li>
<li>Managers see their team's counts (nudges marked Done, shout-outs, Pauses), never who did
what. Nobody is scored or ranked.</li>
<li>Nobody sees who was held back by quiet hours, snooze or the nudge budget: only how many.
If your organisation runs an evaluation (agreed with your team), a share of nudges is held back
at random to see whether they help; nobody sees who, only how many.</li>
<li>Who called a Pause, and who joined it, is never shown.</li>
<li>Managers can ask, just for themselves, who in their team hasn't had a shout-out in 30
days, so that they can notice them.</li>
<li>The IT team who run CareNudge can read its database, as with any system they run.</li>
</ul>

<h2>See or erase what CareNudge holds about you</h2>
<ul>
<li>Type <code>/nudge my data</code> to see everything CareNudge holds about you.</li>
<li>Type <code>/nudge forget me</code> to erase it.</li>
<li>In Teams, type the same words in your 1:1 chat with CareNudge.</li>
<li>An admin can do it for you: <code>carenudge export --user slack:U…</code> and
<code>carenudge forget --user slack:U…</code> (for Teams,
<code>teams:&lt;tenant id&gt;:29:…</code>, as the bottom of <code>nudge settings</code> shows
it).</li>
</ul>

<h2>Questions</h2>
{_contact(settings.contact)}"""
    return _page("How CareNudge looks after your information", body, (TERMS_PATH, "Terms of use"))


def terms(settings: Settings) -> str:
    body = f"""<h2>What CareNudge is</h2>
<p>A chat bot for healthcare teams, in Slack or Microsoft Teams. It sends short nudges (a
check-in, a thank-you, a moment to reflect) at times your team's managers choose, and makes
shout-outs and the Pause easy. Anyone can snooze or stop it. It is open-source software
(Apache License 2.0).</p>

<h2>Who runs it</h2>
<p>The hospital or organisation that installed it here (the operator) runs it, decides who
can use it and how long things are kept, and looks after the information in it. The people who
write CareNudge do not run it and cannot see anything in it.</p>

<h2>Not for clinical or patient information</h2>
<p>Don't use CareNudge for anything about patients, for clinical decisions, or for anything
urgent. It is not a way to raise an emergency or a safety concern: use your usual routes for
those. A check refuses words that could identify a patient, but it can miss some, so please
leave them out.</p>

<h2>No warranty</h2>
<p>CareNudge is provided "as is", without warranty of any kind. A nudge may arrive late, or not
at all.</p>

<h2>Your part</h2>
<p>Be kind, and use it in line with your organisation's policies. How your information is
handled is on the <a href="{PRIVACY_PATH}">privacy page</a>.</p>

<h2>Questions</h2>
{_contact(settings.contact)}"""
    return _page("Terms of use", body, (PRIVACY_PATH, "How CareNudge looks after your information"))


def routes(settings: Settings) -> list[web.RouteDef]:
    """The two pages, written once from ``settings``: they change only with a restart."""
    pages = {PRIVACY_PATH: privacy(settings), TERMS_PATH: terms(settings)}

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text=pages[request.path], content_type="text/html", charset="utf-8", headers=HEADERS
        )

    return [web.get(path, page) for path in pages]
