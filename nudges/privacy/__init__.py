"""Whether a short text typed by staff (a shout-out, a Pause dedication) looks like it names or
numbers someone in our care, so the bot can ask for a rephrase instead of posting it.

Pure and standard library only. It errs towards catching: a kind "could you say it another
way?" costs far less than a posted NHS number.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from nudges.cards import Field
from nudges.errors import Identifying
from nudges.privacy import lexicon


class Finding(StrEnum):
    """The kind of identifying detail found."""

    NHS_NUMBER = "nhs_number"
    DATE_OF_BIRTH = "date_of_birth"
    RECORD_NUMBER = "record_number"
    BED_WITH_NAME = "bed_with_name"
    TITLE_AND_SURNAME = "title_and_surname"


@dataclass(frozen=True, slots=True)
class PrivacyIssue:
    """Something in a text that could identify someone in our care.

    Attributes:
        finding: What kind of detail it was.
        explanation: One short, kind sentence saying what looked identifying. It never repeats
            the identifying text, because the reply may be seen by others or kept in a log.
    """

    finding: Finding
    explanation: str


_EXPLANATIONS = {
    Finding.NHS_NUMBER: "It has a number that looks like an NHS number.",
    Finding.DATE_OF_BIRTH: "It has a date that could be someone's date of birth.",
    Finding.RECORD_NUMBER: "It has something that looks like a hospital or record number.",
    Finding.BED_WITH_NAME: "It puts a name next to a bed or bay number.",
    Finding.TITLE_AND_SURNAME: "It has a title and surname together, which could name someone.",
}

_GENERAL_ADVICE = (
    "Could you say it without details that could identify someone in our care? "
    "The team will know who you mean."
)
_ADVICE = {
    Finding.NHS_NUMBER: _GENERAL_ADVICE,
    Finding.DATE_OF_BIRTH: _GENERAL_ADVICE,
    Finding.RECORD_NUMBER: _GENERAL_ADVICE,
    # The name may be a colleague's, typed rather than mentioned: say how to keep it.
    Finding.BED_WITH_NAME: (
        "Could you leave out the name of the person in our care? The bed or bay on its own is "
        "fine, and a colleague can be @mentioned instead."
    ),
    Finding.TITLE_AND_SURNAME: _GENERAL_ADVICE,
}


def check(text: str, today: date) -> PrivacyIssue | None:
    """Look for patient-identifiable details in a short text.

    The checks run in the order of `Finding`, and the first one that matches is returned, so a
    text with several problems is explained one at a time.

    Args:
        text: What a member of staff typed, in any script; it may be empty.
        today: The date now, so a full date this year, last year or next year can be read as
            an event (a rota, a party) rather than a birthday.

    Returns:
        The first issue found, or None when the text looks fine to post.
    """
    year = today.year
    for finding, find in _CHECKS:
        if find(text, year):
            return PrivacyIssue(finding, _EXPLANATIONS[finding])
    return None


def redact(text: str, today: date) -> str:
    """``text`` with every identifying detail the checks find replaced by "…", so a writer can
    be given their words back to change without the reply repeating what must not be kept."""
    spans = sorted(span for _, find in _CHECKS for span in find(text, today.year))
    kept: list[str] = []
    at = 0
    for start, end in spans:
        if start < at:  # overlaps the detail just taken out: take out the rest of it too
            at = max(at, end)
            continue
        kept.append(text[at:start] + "…")
        at = end
    return "".join(kept) + text[at:]


def advice(issue: PrivacyIssue) -> str:
    """A warm, brief line asking the writer to say it without the identifying detail.

    Args:
        issue: What `check` found.

    Returns:
        One or two short sentences, for the reply that refuses to post the text.
    """
    return _ADVICE[issue.finding]


def guard(text: str, today: date, field: Field | None = None, typed: str = "") -> None:
    """Refuse a text that could identify someone in our care, before it is posted or saved.

    Raises:
        Identifying: With the kind explanation and advice (the engine answers with both),
            and ``typed`` (the whole command) with the identifying details taken out, for the
            writer alone to change and send again.
    """
    issue = check(text, today)
    if issue is not None:
        yours = (redact(typed, today),) if typed else ()
        raise Identifying(issue.explanation, advice(issue), field, yours=yours)


# --- NHS numbers ---------------------------------------------------------------------------

# Ten ASCII digits, grouped any way with a space, dot, slash or dash between groups: 943 476 5919,
# 943.476.5919, 943/476/5919. The lookarounds keep it from biting ten digits out of a longer run.
_SEP = "[ ./\\-\u2010-\u2015]"
_NHS = re.compile(rf"(?<![0-9])(?<![0-9]{_SEP})[0-9](?:{_SEP}?[0-9]){{9}}(?!{_SEP}?[0-9])")
_NOT_DIGITS = re.compile(r"[^0-9]")


def _valid_nhs_number(digits: str) -> bool:
    """The NHS modulus-11 check: weights 10..2 on the first nine digits."""
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check_digit = 11 - total % 11
    if check_digit == 11:
        check_digit = 0
    return check_digit != 10 and check_digit == int(digits[9])


Span = tuple[int, int]
"""Where in the text an identifying detail is: start and end, as ``re.Match.span()``."""


def _nhs_numbers(text: str, year: int) -> list[Span]:
    return [m.span() for m in _NHS.finditer(text) if _valid_nhs_number(_NOT_DIGITS.sub("", m[0]))]


# --- dates of birth ------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_YEAR = r"(19[0-9]{2}|20[0-9]{2})"
_ORDINAL = r"(?:st|nd|rd|th)?"

# A full date with a 4-digit year may be a date of birth. A date without a year, a time (07:30)
# or a ratio (3/4) is too common in shift talk to refuse.
_NUMERIC_DMY = re.compile(rf"(?<![\w/.\-])([0-9]{{1,2}})([/.\-])([0-9]{{1,2}})\2{_YEAR}(?!\w)")
_NUMERIC_YMD = re.compile(rf"(?<![\w/.\-]){_YEAR}([/.\-])([0-9]{{1,2}})\2([0-9]{{1,2}})(?!\w)")
_WORDY_DATE = re.compile(
    rf"(?<!\w)[0-9]{{1,2}}{_ORDINAL}(?:\s+|[\-/.])(?:of\s+)?{_MONTH},?(?:\s+|[\-/.]){_YEAR}(?!\w)"
    rf"|\b{_MONTH}\s+[0-9]{{1,2}}{_ORDINAL},?\s+{_YEAR}(?!\w)",
    re.IGNORECASE,
)

# After "DOB" or "born", almost any date is one: a 2-digit year, no year, or a year alone.
_DOB = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\b(?:\s+(?:on|in))?|\bb\.\s)"
    r"\s*(?:[:=\-\u2013]\s*|(?:is|was|of)\s+)?(?:the\s+)?"
    rf"(?P<date>[0-9]{{1,4}}[/.\-][0-9]{{1,2}}[/.\-][0-9]{{2,4}}(?!\w)"
    rf"|[0-9]{{1,2}}{_ORDINAL}[\s\-/.]*(?:of\s+)?{_MONTH}(?:,?[\s\-/.]*[0-9]{{2,4}}(?!\w))?"
    rf"|{_MONTH}[\s\-/.]*[0-9]{{1,4}}(?!\w)(?:{_ORDINAL},?\s+[0-9]{{4}}(?!\w))?"
    rf"|{_YEAR}(?!\w))",
    re.IGNORECASE,
)


def _day_and_month(a: str, b: str) -> bool:
    """Either order, because both 12/03 (UK) and 03/12 (US) are written."""
    x, y = int(a), int(b)
    return 1 <= x <= 31 and 1 <= y <= 31 and min(x, y) <= 12


def _an_event(found: str, year: int) -> bool:
    """A date this year, last year or next year is a rota, a party or a shift, not a birthday;
    the rare newborn's is caught by "born" or "DOB" instead."""
    return abs(int(found) - year) <= 1


def _dates_of_birth(text: str, year: int) -> list[Span]:
    found = [m.span("date") for m in _DOB.finditer(text)]
    found += [m.span() for m in _WORDY_DATE.finditer(text) if not _an_event(m[1] or m[2], year)]
    found += [
        m.span()
        for m in _NUMERIC_DMY.finditer(text)
        if _day_and_month(m[1], m[3]) and not _an_event(m[4], year)
    ]
    found += [
        m.span()
        for m in _NUMERIC_YMD.finditer(text)
        if 1 <= int(m[3]) <= 12 and 1 <= int(m[4]) <= 31 and not _an_event(m[1], year)
    ]
    return found


# --- hospital and record numbers -----------------------------------------------------------

_RECORD = re.compile(
    r"\b(?:mrn|mr(?=\s*#)|rx|(?:hosp(?:ital)?|(?:medical\s+)?records?|patient|pt"
    r"|case(?:\s+notes?)?|unit|nhs|k|chart)\.?\s*(?:no\b\.?|num\b\.?|number|id\b|(?=\s*#)))"
    r"(?![a-z])\s*(?:[:#=\-]+\s*|no\b\.?\s*)?"
    r"([a-z]{0,4}[0-9][a-z0-9/\-]*(?:\s[0-9][0-9\-]*)*)",
    re.IGNORECASE,
)
_BARE_RECORD = re.compile(r"(?<!\w)[A-Za-z]{1,3}[0-9]{6,}[A-Za-z]?(?!\w)")
_ASCII_DIGITS = frozenset("0123456789")


def _record_numbers(text: str, year: int) -> list[Span]:
    found = [m.span() for m in _BARE_RECORD.finditer(text)]
    return found + [
        m.span(1) for m in _RECORD.finditer(text) if sum(c in _ASCII_DIGITS for c in m[1]) >= 5
    ]


# --- a bed or bay with a name nearby -------------------------------------------------------

_BED = re.compile(
    r"\b(?:bed(?:\s?space)?|bay|side[\s\-]?room|sr|room|rm|cubicle|cube|trolley|chair|pod)"
    r"\s*(?:no\.?\s*|number\s*|#\s*)?[0-9]{1,3}[a-z]?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")
_NEAR = 5
"""How many words either side of "bed 4" a name may sit and still point at its occupant."""
_CLOSE = 3
"""How near a word in no word list must be to count as a name: further off, it is more often
a ward word the lists lack (a flowmeter) than a name."""

# Words that are not people, whatever the word lists say: days and months, the words of a
# ward, and thanks in the languages a ward speaks.
_NOT_NAMES = frozenset(
    {
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december"),
        # Not "jan": it is as often a name as a month.
        *("feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("ward", "bay", "bed", "room", "side", "cubicle", "trolley", "icu", "ed", "nhs"),
        *("team", "teams", "unit", "sister", "charge", "nurse", "doctor", "dr", "matron"),
        *("mr", "mrs", "ms", "miss", "mx", "master", "prof", "professor"),
        *("god", "christmas", "easter", "eid", "diwali", "hanukkah", "vaisakhi", "ramadan"),
        *("covid", "ok", "okay", "i", "i'm", "i'll", "i've", "i'd", "thanks", "thank", "happy"),
        *("am", "pm", "hrs", "mins", "pls", "thx", "tks", "ty", "asap", "fyi", "tbc", "eta"),
        # Ward shorthand.
        *("obs", "bloods", "abx", "ivs", "ivabs", "nbm", "dnacpr", "dnar", "resus", "ecg", "ecgs"),
        *("hca", "hcas", "rgn", "rmn", "fy1", "fy2", "sho", "reg", "prn", "tto", "ttos", "meds"),
        *("picc", "ng", "peg", "neuro", "sats", "obs'd", "nok", "eol", "mdt", "amu", "sdec"),
        *("cannula", "catheter", "commode", "hoist", "pressure", "obsy", "nippv", "cpap"),
        *("handover", "huddle", "rota", "nights", "earlies", "lates", "longday", "bank"),
        *("ae", "a&e", "er", "ccu", "hdu", "itu", "nicu", "picu", "scbu", "theatres"),
        # Thanks in other languages (a guess at a name would refuse a kind message).
        *("merci", "gracias", "danke", "grazie", "obrigado", "obrigada", "dziekuje"),
        *("dziękuję", "dank", "tack", "takk", "kiitos", "asante", "shukran", "salamat"),
        *("arigato", "arigatou", "dhanyavaad", "dhanyavad", "dhanyawad", "shukriya"),
        *("xiexie", "kamsahamnida", "multumesc", "mulțumesc", "efharisto", "dakujem"),
        *("děkuji", "dekuji", "hvala", "köszönöm", "koszonom", "teşekkürler", "toda"),
        *("spasibo", "diolch", "medaase", "nagode", "daalu", "oseun", "ngiyabonga"),
        *("cheers", "ta", "bravo", "kudos", "legend", "legends", "hero", "heroes"),
        # Days of the year, and teams and services thanked for coming to a bay.
        *("day", "eve", "new", "year", "mubarak", "thanksgiving", "holi", "navratri", "passover"),
        *("outreach", "ccot", "ccrt", "chaplaincy", "chaplain", "pharmacy", "radiology", "pals"),
        *("physio", "physios", "physiotherapy", "phlebotomy", "pathology", "estates", "security"),
        *("portering", "porters", "catering", "housekeeping", "facilities", "agency", "hospice"),
        *("dietetics", "dietitian", "ot", "ots", "salt", "tvn", "haematology", "oncology"),
        # Scores, devices and conditions named after people.
        *("waterlow", "braden", "glasgow", "foley", "hickman", "guedel", "venflon", "ryles"),
        *("parkinson", "parkinson's", "alzheimer", "alzheimer's", "crohn", "crohn's", "bipap"),
    }
)
# A capitalised run holding one of these names staff ("Dr Okafor", "Charge Nurse Ellis") or a
# place or group ("Phoenix Ward", "Night Team"), not someone in a bed.
_STAFF_OR_PLACE = frozenset(
    {
        *("dr", "doctor", "prof", "professor", "sister", "nurse", "matron", "charge"),
        *("consultant", "midwife", "registrar", "surgeon", "physio", "porter", "hca"),
        *("ward", "team", "teams", "unit", "department", "clinic", "hospital", "centre"),
        *("center", "service", "services", "suite", "theatre", "theatres", "trust", "wing"),
        *("block", "building", "house", "lodge", "pavilion"),
    }
)
_TITLES_OF_STAFF = frozenset(
    {"dr", "doctor", "prof", "professor", "sister", "nurse", "matron", "consultant", "midwife"}
)
# A full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "st"})
_OPENERS = "\"'\u2018\u201c([{ \t\r\f\v"
_SENTENCE_ENDS = frozenset("!?\u2026")
_LATIN = re.compile(r"[a-z\u00e0-\u024f'\u2019\-]+")


def _key(word: str) -> str:
    """Compare words without case, curly apostrophes or a possessive "'s"."""
    word = word.replace("\u2019", "'").lower()
    return word.removesuffix("'s")


def _capitalised(word: str) -> bool:
    """Title case, as names are written; an acronym (ICU, A&E) has no lower-case letter."""
    return word[0].isupper() and any(c.islower() for c in word)


def _sentence_start(text: str, start: int, previous: re.Match[str] | None) -> bool:
    # Scan back over the gap only (not text[:start]), so a long text stays linear.
    i = start
    while i > 0 and text[i - 1] in _OPENERS:
        i -= 1
    if i == 0 or text[i - 1] == "\n" or text[i - 1] in _SENTENCE_ENDS:
        return True
    if text[i - 1] != ".":
        return False
    # "Mr. Patel" and "Dr. Okafor" continue the sentence.
    return previous is None or previous.end() != i - 1 or _key(previous[0]) not in _ABBREVIATIONS


def _sentences(text: str, words: list[re.Match[str]]) -> list[int]:
    """Which sentence each word is in, counting from 0: a name in the sentence after "Bay 3 was
    busy." is not the person in bay 3."""
    numbers: list[int] = []
    sentence = 0
    for i, word in enumerate(words):
        if i and _sentence_start(text, word.start(), words[i - 1]):
            sentence += 1
        numbers.append(sentence)
    return numbers


def _unknown(word: str, key: str, shouted: bool) -> bool:
    """A word in Latin letters that is in no English word list: most often a name (Priya,
    Siobhán, Okonkwo) when it sits next to a bed; not an acronym (CCOT, NEWS), unless the
    whole text is in capitals and an acronym can't be told from a name."""
    return (
        len(key) >= 3
        and (shouted or not word.isupper())
        and _LATIN.fullmatch(key) is not None
        and key not in lexicon.ward_words()
        and not lexicon.is_english(key)
    )


def _names(
    text: str, words: list[re.Match[str]], wanted: set[int], close: set[int]
) -> dict[int, bool]:
    """Which of the wanted words look like a person's name.

    A word is a name when it is not a mention, a staff title's name ("Dr Okafor"), a place
    ("Phoenix Ward") or a word of the ward, and it is any of: capitalised mid-sentence, a name in
    the word lists (at the start or in lower case too: "margaret in bed 4"), or no English word
    at all ("priya in bay 3").
    """
    names: dict[int, bool] = {}
    keys = [_key(w[0]) for w in words]
    shouted = not any(c.islower() for c in text)
    for i in sorted(wanted):
        key, word = keys[i], words[i]
        if key in _NOT_NAMES or any(c.isdigit() for c in key):
            names[i] = False
            continue
        # The run of capitalised words around this one, as "Charge Nurse Ellis" is one run.
        first = last = i
        if _capitalised(word[0]):
            while first > 0 and _capitalised(words[first - 1][0]) and _joined(text, words, first):
                first -= 1
            while (
                last + 1 < len(words)
                and _capitalised(words[last + 1][0])
                and _joined(text, words, last + 1)
            ):
                last += 1
        # "@Priya Shah" is a mention of a colleague, as the shout-out composer writes it.
        mention = words[first].start() > 0 and text[words[first].start() - 1] == "@"
        staff = any(keys[j] in _STAFF_OR_PLACE for j in range(first, last + 1))
        # "sister okafor", "phoenix ward": the word beside says who or what this is.
        staff = staff or (i > 0 and keys[i - 1] in _TITLES_OF_STAFF and _joined(text, words, i))
        staff = staff or (
            i + 1 < len(words) and keys[i + 1] in _STAFF_OR_PLACE and _joined(text, words, i + 1)
        )
        if mention or staff:
            names[i] = False
            continue
        start = _sentence_start(text, word.start(), words[i - 1] if i else None)
        names[i] = (
            (_capitalised(word[0]) and not start)
            or lexicon.is_name(key)
            or (i in close and _unknown(word[0], key, shouted))
            # "Ivy in bed 4", "JOHN IN BED 9": a name that is a word too, just before "in bed",
            # in the place of its occupant ("the rose in bed 4" has an article).
            or (
                word[0][0].isupper()
                and i + 2 < len(keys)
                and keys[i + 1] in _LOCATED
                and _BED.match(text, words[i + 2].start()) is not None
                and (i == 0 or keys[i - 1] not in _DETERMINERS)
                and lexicon.is_name_too(key)
            )
        )
    return names


_LOCATED = frozenset({"in", "at", "on", "from"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "our", "your", "my", "some", "any"})


def _joined(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether word i follows word i - 1 with only spaces (or "Dr. ") between."""
    prev, nxt = words[i - 1], words[i]
    gap = text[prev.end() : nxt.start()]
    if gap.startswith(".") and _key(prev[0]) in _ABBREVIATIONS:
        gap = gap[1:]
    return gap.isspace()


def _names_by_beds(text: str, year: int) -> list[Span]:
    beds = list(_BED.finditer(text))
    if not beds:
        return []
    words = list(_WORD.finditer(text))
    sentence = _sentences(text, words)
    starts = [w.start() for w in words]
    ends = [w.end() for w in words]
    near: dict[int, list[int]] = {}
    close: set[int] = set()
    for n, bed in enumerate(beds):
        first, last = bisect_right(ends, bed.start()), bisect_left(starts, bed.end())
        inside = bisect_left(starts, bed.start())
        home = sentence[inside] if inside < len(words) else sentence[-1]
        near[n] = [
            i
            for i in (*range(max(0, first - _NEAR), first), *range(last, last + _NEAR))
            if i < len(words) and sentence[i] == home
        ]
        close.update(i for i in near[n] if first - _CLOSE <= i < last + _CLOSE)
    wanted = {i for found in near.values() for i in found}
    names = _names(text, words, wanted, close)
    return [words[i].span() for i in sorted(wanted) if names[i]]


# --- a title and a surname -----------------------------------------------------------------

# Patients' lists give people these titles; so do staff lists for surgeons ("Mr Khan") and
# others, so the words around decide. "MS Teams" and "we'll miss Priya" must pass, so the
# titles are case-sensitive; lower-case "mr", "mrs" and "mx" mean nothing else and count too.
_TITLE = re.compile(
    r"\b(?:(Mrs|Mr|Ms|Miss|Mx|Master)|(mrs|mr|mx|MRS|MR|MX))\b\.?\s+"
    r"(?:[A-Z]\.\s*)*"
    r"(?:(?:de|da|di|du|del|della|van|von|der|den|le|la|al|el|bin|ter|ten)\s+)*"
    r"([^\W\d_][\w'\u2019\-]*)"
)
_NOT_SURNAMES = frozenset({"and", "or", "the", "a", "an", "of", "in", "on", "at", "to", "for"})
# Words in the same sentence that say the person is a colleague: their role, their place of
# work, or the work itself.
_STAFF_CUES = frozenset(
    {
        *("surgeon", "surgeons", "surgical", "consultant", "consultants", "registrar", "reg"),
        *("anaesthetist", "anesthesiologist", "matron", "sister", "nurse", "midwife", "doctor"),
        *("physio", "physiotherapist", "pharmacist", "manager", "lead", "colleague", "theatre"),
        *("theatres", "theater", "operating", "clinic", "list", "rota", "on-call", "teaching"),
        *("taught", "mentor", "mentoring", "supervisor", "our", "team", "ward-round", "round"),
        *("scrubbed", "operated", "bleep", "registrars", "vascular", "ortho", "orthopaedic"),
        *("orthopedic", "urology", "urologist", "colorectal", "cardiology", "cardiologist"),
        *("ent", "plastics", "anaesthetics", "neurosurgeon", "obstetrician", "gynaecologist"),
        *("gynae", "obstetrics", "paeds", "paediatrics", "paediatrician", "medics", "surgery"),
        *("oncologist", "haematologist", "radiologist", "psychiatrist", "gp", "locum", "fellow"),
    }
)
# Words that say they are someone in our care; they win over a staff word.
_CARE_CUES = frozenset(
    {
        *("family", "families", "relatives", "daughter", "son", "wife", "husband", "partner"),
        *("died", "passed", "death", "dying", "peacefully", "discharge", "discharged"),
        *("admitted", "admission", "bed", "bay", "patient", "obs", "visiting", "visitors"),
        *("sat", "sitting", "looking", "cared", "caring", "comfort", "comfortable", "palliative"),
        *("end-of-life", "pain", "fall", "fell", "confused", "wound", "dressing", "meds"),
    }
)


_CUE_WINDOW = 4
"""How many words either side of "Mr Khan" say whether he is a surgeon or in our care."""
_ARTICLES = frozenset({"a", "an", "another"})


def _titles_and_surnames(text: str, year: int) -> list[Span]:
    found: list[Span] = []
    words: list[re.Match[str]] = []
    for m in _TITLE.finditer(text):
        surname = m[3]
        if _key(surname) in _NOT_NAMES or _key(surname) in _NOT_SURNAMES:
            continue
        if m[2] is None and not surname[0].isupper():
            continue
        words = words or list(_WORD.finditer(text))
        if not _a_colleague(text, words, m):
            # The name after the title, initials and all ("Ms J. Okoro" keeps "Ms").
            start = m.end(1) if m[1] is not None else m.end(2)
            while text[start] in ". \t":
                start += 1
            found.append((start, m.end(3)))
    return found


def _a_colleague(text: str, words: list[re.Match[str]], title: re.Match[str]) -> bool:
    """Whether the words beside a title and surname, in its sentence, say a colleague ("Mr
    Khan in theatre", "our matron, Ms Ahmed") and none say someone in our care ("Mr Khan's
    family"). "Found Mrs Iqbal a female doctor" is not about a doctor called Iqbal."""
    sentence = _sentences(text, words)
    first = bisect_left([w.end() for w in words], title.start() + 1)
    last = bisect_right([w.start() for w in words], title.end() - 1) - 1
    if first >= len(words) or last < first:
        return False
    keys = [_key(w[0]) for w in words]
    window = [
        j
        for j in range(max(0, first - _CUE_WINDOW), min(len(words), last + 1 + _CUE_WINDOW))
        if sentence[j] == sentence[first] and not first <= j <= last
    ]
    if any(keys[j] in _CARE_CUES for j in window):
        return False
    # "Miss Tan is on call tonight"
    if any(keys[j] == "call" and j and keys[j - 1] == "on" for j in window):
        return True
    # "a female doctor" is someone found for them, not their role.
    return any(
        keys[j] in _STAFF_CUES and not _ARTICLES.intersection(keys[max(0, j - 2) : j])
        for j in window
    )


_CHECKS = (
    (Finding.NHS_NUMBER, _nhs_numbers),
    (Finding.DATE_OF_BIRTH, _dates_of_birth),
    (Finding.RECORD_NUMBER, _record_numbers),
    (Finding.BED_WITH_NAME, _names_by_beds),
    (Finding.TITLE_AND_SURNAME, _titles_and_surnames),
)
