"""Whether a short text typed by staff (a shout-out, a Pause dedication) looks like it names or
numbers someone in our care, so the bot can ask for a rephrase instead of posting it.

Pure and standard library only. It errs towards catching: a kind "could you say it another
way?" costs far less than a posted NHS number.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from enum import StrEnum


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


def check(text: str) -> PrivacyIssue | None:
    """Look for patient-identifiable details in a short text.

    The checks run in the order of `Finding`, and the first one that matches is returned, so a
    text with several problems is explained one at a time.

    Args:
        text: What a member of staff typed, in any script; it may be empty.

    Returns:
        The first issue found, or None when the text looks fine to post.
    """
    for finding, found in _CHECKS:
        if found(text):
            return PrivacyIssue(finding, _EXPLANATIONS[finding])
    return None


def advice(issue: PrivacyIssue) -> str:
    """A warm, brief line asking the writer to say it without the identifying detail.

    Args:
        issue: What `check` found.

    Returns:
        One or two short sentences, for the reply that refuses to post the text.
    """
    return _ADVICE[issue.finding]


# --- NHS numbers ---------------------------------------------------------------------------

# ASCII digits only: NHS numbers are written that way, and int() then never meets a surprise.
_NHS = re.compile(r"(?<!\w)([0-9]{3})[ \-]?([0-9]{3})[ \-]?([0-9]{4})(?!\w)")


def _valid_nhs_number(digits: str) -> bool:
    """The NHS modulus-11 check: weights 10..2 on the first nine digits."""
    total = sum(int(d) * weight for d, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check_digit = 11 - total % 11
    if check_digit == 11:
        check_digit = 0
    return check_digit != 10 and check_digit == int(digits[9])


def _has_nhs_number(text: str) -> bool:
    return any(_valid_nhs_number("".join(m.groups())) for m in _NHS.finditer(text))


# --- dates of birth ------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_YEAR = r"(?:19[0-9]{2}|20[0-2][0-9]|2030)"
_ORDINAL = r"(?:st|nd|rd|th)?"

# A full date on its own may be a date of birth. A date without a year, a time (07:30) or a
# ratio (3/4) is too common in shift talk to refuse, so only a 4-digit year counts here.
_NUMERIC_DMY = re.compile(rf"(?<!\w)([0-9]{{1,2}})([/.\-])([0-9]{{1,2}})\2{_YEAR}(?!\w)")
_NUMERIC_YMD = re.compile(rf"(?<!\w){_YEAR}([/.\-])([0-9]{{1,2}})\1([0-9]{{1,2}})(?!\w)")
_WORDY_DATE = re.compile(
    rf"(?<!\w)[0-9]{{1,2}}{_ORDINAL}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}(?!\w)"
    rf"|\b{_MONTH}\s+[0-9]{{1,2}}{_ORDINAL},?\s+{_YEAR}(?!\w)",
    re.IGNORECASE,
)

# After "DOB" or "born on", almost any date is one: a 2-digit year, no year, or a year alone.
_DOB = re.compile(
    r"(?:\bd\.?\s?o\.?\s?b\b\.?|\bdate\s+of\s+birth\b|\bborn\s+(?:on|in)\b)"
    r"\s*(?:[:=\-\u2013]\s*|(?:is|was|of)\s+)?(?:the\s+)?"
    rf"(?:[0-9]{{1,4}}[/.\-][0-9]{{1,2}}[/.\-][0-9]{{2,4}}(?!\w)"
    rf"|[0-9]{{1,2}}{_ORDINAL}\s+(?:of\s+)?{_MONTH}"
    rf"|{_MONTH}\s+[0-9]{{1,4}}(?!\w)"
    rf"|{_YEAR}(?!\w))",
    re.IGNORECASE,
)


def _day_and_month(a: str, b: str) -> bool:
    """Either order, because both 12/03 and 03/12 are written."""
    x, y = int(a), int(b)
    return 1 <= x <= 31 and 1 <= y <= 31 and min(x, y) <= 12


def _has_date_of_birth(text: str) -> bool:
    if _DOB.search(text) or _WORDY_DATE.search(text):
        return True
    if any(_day_and_month(m[1], m[3]) for m in _NUMERIC_DMY.finditer(text)):
        return True
    return any(1 <= int(m[2]) <= 12 and 1 <= int(m[3]) <= 31 for m in _NUMERIC_YMD.finditer(text))


# --- hospital and record numbers -----------------------------------------------------------

_RECORD = re.compile(
    r"\b(?:mrn|rx|(?:hosp(?:ital)?|record|patient|case|unit|nhs|k)\.?\s*(?:no\b\.?|num\b\.?|number))"
    r"(?![a-z])\s*(?:[:#=]\s*|no\b\.?\s*)?"
    r"([a-z]{0,4}[0-9][a-z0-9/\-]*(?:\s[0-9][0-9\-]*)*)",
    re.IGNORECASE,
)
_BARE_RECORD = re.compile(r"(?<!\w)[A-Za-z]{1,3}[0-9]{6,}[A-Za-z]?(?!\w)")
_ASCII_DIGITS = frozenset("0123456789")


def _has_record_number(text: str) -> bool:
    if _BARE_RECORD.search(text):
        return True
    return any(sum(c in _ASCII_DIGITS for c in m[1]) >= 5 for m in _RECORD.finditer(text))


# --- a bed or bay with a name nearby -------------------------------------------------------

_BED = re.compile(
    r"\b(?:bed(?:\s?space)?|bay|side[\s\-]?room|room|cubicle|trolley)"
    r"\s*(?:no\.?\s*|number\s*|#\s*)?[0-9]{1,3}[a-z]?\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['\u2019\-][^\W_]+)*")
_NEAR = 4
"""How many words either side of "bed 4" a name may sit and still point at its occupant."""

# Capitalised words that are not people. Titles are here because the name is the word after.
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
        *("god", "christmas", "easter", "eid", "diwali", "covid", "ok", "okay"),
        *("i", "i'm", "i'll", "i've", "i'd", "thanks", "thank", "happy"),
    }
)
# A capitalised run holding one of these names staff ("Dr Okafor", "Charge Nurse Ellis") or a
# place or group ("Phoenix Ward", "Night Team"), not someone in a bed.
_STAFF_OR_PLACE = frozenset(
    {
        *("dr", "doctor", "prof", "professor", "sister", "nurse", "matron", "charge"),
        *("consultant", "midwife", "registrar"),
        *("ward", "team", "teams", "unit", "department", "clinic", "hospital", "centre"),
        *("center", "service", "services", "suite", "theatre", "theatres", "trust"),
    }
)
# A full stop after these does not end a sentence.
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "st"})
_OPENERS = "\"'\u2018\u201c([{ \t\r\f\v"
_SENTENCE_ENDS = frozenset("!?\u2026")


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


def _names(text: str, words: list[re.Match[str]]) -> list[bool]:
    """Which words look like a person's name: capitalised, not opening a sentence, not a common
    non-name, and not part of a mention, a staff title ("Dr Okafor") or a place ("Phoenix Ward").
    """
    names = [False] * len(words)
    i = 0
    while i < len(words):
        if not _capitalised(words[i][0]):
            i += 1
            continue
        # A run is capitalised words separated only by spaces (or "Dr. " and the like).
        run = [i]
        while run[-1] + 1 < len(words):
            prev, nxt = words[run[-1]], words[run[-1] + 1]
            gap = text[prev.end() : nxt.start()]
            dotted = gap.startswith(".") and _key(prev[0]) in _ABBREVIATIONS
            if not _capitalised(nxt[0]) or not (gap.isspace() or (dotted and gap[1:].isspace())):
                break
            run.append(run[-1] + 1)
        # "@Priya Shah" is a mention of a colleague, as the shout-out composer writes it.
        mention = words[i].start() > 0 and text[words[i].start() - 1] == "@"
        if not mention and not any(_key(words[j][0]) in _STAFF_OR_PLACE for j in run):
            for j in run:
                word = words[j]
                previous = words[j - 1] if j else None
                names[j] = _key(word[0]) not in _NOT_NAMES and not _sentence_start(
                    text, word.start(), previous
                )
        i = run[-1] + 1
    return names


def _has_bed_with_name(text: str) -> bool:
    beds = list(_BED.finditer(text))
    if not beds:
        return False
    words = list(_WORD.finditer(text))
    names = _names(text, words)
    starts = [w.start() for w in words]
    ends = [w.end() for w in words]
    for bed in beds:
        before = bisect_right(ends, bed.start())
        after = bisect_left(starts, bed.end())
        if any(names[max(0, before - _NEAR) : before]) or any(names[after : after + _NEAR]):
            return True
    return False


# --- a title and a surname -----------------------------------------------------------------

# Doctors, sisters and nurses are thanked by name in shout-outs, so only the titles a ward list
# gives people in our care count. "MS Teams" and "we'll miss Priya" must pass, so the titles are
# case-sensitive; lower-case "mr", "mrs" and "mx" mean nothing else and are caught too.
_TITLE = re.compile(
    r"\b(?:(Mrs|Mr|Ms|Miss|Mx|Master)|(mrs|mr|mx))\b\.?\s+"
    r"(?:(?:de|da|di|du|del|della|van|von|der|den|le|la|al|el|bin|ter|ten)\s+)*"
    r"([^\W\d_][\w'\u2019\-]*)"
)
_NOT_SURNAMES = frozenset({"and", "or", "the", "a", "an", "of", "in", "on", "at", "to", "for"})


def _has_title_and_surname(text: str) -> bool:
    for m in _TITLE.finditer(text):
        surname = m[3]
        if _key(surname) in _NOT_NAMES or _key(surname) in _NOT_SURNAMES:
            continue
        if m[2] is not None or surname[0].isupper():
            return True
    return False


_CHECKS = (
    (Finding.NHS_NUMBER, _has_nhs_number),
    (Finding.DATE_OF_BIRTH, _has_date_of_birth),
    (Finding.RECORD_NUMBER, _has_record_number),
    (Finding.BED_WITH_NAME, _has_bed_with_name),
    (Finding.TITLE_AND_SURNAME, _has_title_and_surname),
)
