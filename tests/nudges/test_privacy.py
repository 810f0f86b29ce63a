"""What the privacy check refuses in a shout-out or a Pause dedication, and what it lets through."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nudges import privacy
from nudges.privacy import Finding, PrivacyIssue, advice

TODAY = date(2026, 12, 3)


def check(text: str) -> PrivacyIssue | None:
    return privacy.check(text, TODAY)


VALID_NHS = "9434765919"
"""Weights 10..2 give 299; 299 mod 11 is 2, so the check digit is 11 - 2 = 9."""

# (text, what it should be caught as, the identifying part that no reply may repeat)
CAUGHT = [
    # NHS numbers, in the three ways they are written.
    ("thanks for chasing 9434765919 today", Finding.NHS_NUMBER, VALID_NHS),
    ("NHS no 943 476 5919", Finding.NHS_NUMBER, "943 476 5919"),
    ("for sorting out 943-476-5919's transport", Finding.NHS_NUMBER, "943-476-5919"),
    ("(4010232137)", Finding.NHS_NUMBER, "4010232137"),
    # Dates of birth.
    ("DOB 12/03/48, thank you for the care", Finding.DATE_OF_BIRTH, "12/03/48"),
    ("D.O.B.: 12.3.1948", Finding.DATE_OF_BIRTH, "12.3.1948"),
    ("date of birth is 12 March 1948", Finding.DATE_OF_BIRTH, "12 March 1948"),
    ("she was born on 3rd May", Finding.DATE_OF_BIRTH, "3rd May"),
    ("he was born in 1948", Finding.DATE_OF_BIRTH, "1948"),
    ("for the gentleman, 12/03/1948", Finding.DATE_OF_BIRTH, "12/03/1948"),
    ("12-03-1948", Finding.DATE_OF_BIRTH, "12-03-1948"),
    ("12.03.1948", Finding.DATE_OF_BIRTH, "12.03.1948"),
    ("1948-03-12", Finding.DATE_OF_BIRTH, "1948-03-12"),
    ("remembering someone born 12 March 1948", Finding.DATE_OF_BIRTH, "12 March 1948"),
    ("March 12, 1948", Finding.DATE_OF_BIRTH, "March 12, 1948"),
    ("the 4th of July 1950", Finding.DATE_OF_BIRTH, "4th of July 1950"),
    # Hospital and record numbers.
    ("MRN: 1234567", Finding.RECORD_NUMBER, "1234567"),
    ("hospital number K1234567", Finding.RECORD_NUMBER, "K1234567"),
    ("hosp no. 123456", Finding.RECORD_NUMBER, "123456"),
    ("record number 12345", Finding.RECORD_NUMBER, "12345"),
    ("patient no 98765", Finding.RECORD_NUMBER, "98765"),
    ("case number #55555", Finding.RECORD_NUMBER, "55555"),
    ("RX 123456", Finding.RECORD_NUMBER, "123456"),
    ("K number 12345", Finding.RECORD_NUMBER, "12345"),
    ("for finding RXH1234567's notes", Finding.RECORD_NUMBER, "RXH1234567"),
    ("K1234567", Finding.RECORD_NUMBER, "K1234567"),
    ("MRN 1234567890", Finding.RECORD_NUMBER, "1234567890"),
    ("hospital number 123 4567", Finding.RECORD_NUMBER, "123 4567"),
    # A bed or bay with a name nearby.
    ("for sitting with Mr Patel in bed 4", Finding.BED_WITH_NAME, "Patel"),
    ("bay 3, Margaret", Finding.BED_WITH_NAME, "Margaret"),
    ("the lady in bed 12 called Joan", Finding.BED_WITH_NAME, "Joan"),
    ("we sat with Joan in side room 2", Finding.BED_WITH_NAME, "Joan"),
    ("for helping Zoë in cubicle 5", Finding.BED_WITH_NAME, "Zoë"),
    ("trolley 7 was Siobhán's", Finding.BED_WITH_NAME, "Siobhán"),
    ("for singing to Arthur in room 12", Finding.BED_WITH_NAME, "Arthur"),
    # A title and a surname.
    ("Mrs Jones", Finding.TITLE_AND_SURNAME, "Jones"),
    ("for Mr. Patel's family", Finding.TITLE_AND_SURNAME, "Patel"),
    ("Miss O'Brien", Finding.TITLE_AND_SURNAME, "O'Brien"),
    ("Mx Smith-Jones", Finding.TITLE_AND_SURNAME, "Smith-Jones"),
    ("for looking after mrs jones so gently", Finding.TITLE_AND_SURNAME, "jones"),
    ("Mrs de Souza", Finding.TITLE_AND_SURNAME, "Souza"),
    ("Master Thomas", Finding.TITLE_AND_SURNAME, "Thomas"),
    ("Ms J. Okoro", Finding.TITLE_AND_SURNAME, "Okoro"),
]

LEFT_ALONE = [
    "for staying with the family in bay 3 after handover",
    "for the patient we lost this morning, and for everyone who cared for her",
    "thank you Priya for covering my break",
    "Dr Okafor stayed an hour late",
    "Dr. Okafor sat with the family in bay 3",
    "Sister Agnes in bay 2 kept us all calm",
    "Charge Nurse Ellis in bay 5 was wonderful",
    "@Priya Shah for covering bay 3",
    "handover at 07:30",
    "the 19:00 huddle",
    "ward 7",
    "Ward 7B",
    "bay 3",
    "bed 12",
    "ext 4521",
    "since 2019",
    "12 patients",
    "3 admissions",
    "12 patients in bay 3",
    "the Night Team",
    "the Phoenix Ward team for bay 3",
    "A&E bay 6 huddle",
    "ICU bed 3 was calm all night",
    "1234567890",
    "9434765918",
    "",
    "on 12/03",
    "12 March",
    "3/4 of the team",
    "12 hours on the go",
    "MS Teams call at 14:00",
    "we'll miss Priya so much",
    "On Monday bay 4 was calm",
    "Happy Christmas from bay 2",
    "I'm proud of bay 4",
    "Bay 3 was busy. Margaret, you were brilliant",
    "born in Leeds, trained here, and a joy to work with",
    "DOB checks on wristbands",
    "Rx given 10000 units",
    "dose 1/2 tablet",
    "😊 thank you 💙",
]


@pytest.mark.parametrize(("text", "finding", "fragment"), CAUGHT)
def test_identifying_details_are_caught(text: str, finding: Finding, fragment: str) -> None:
    issue = check(text)
    assert issue is not None
    assert issue.finding is finding


@pytest.mark.parametrize("text", LEFT_ALONE)
def test_ordinary_shoutouts_and_dedications_are_left_alone(text: str) -> None:
    assert check(text) is None


@pytest.mark.parametrize(("text", "finding", "fragment"), CAUGHT)
def test_the_reply_never_repeats_the_identifying_text(
    text: str, finding: Finding, fragment: str
) -> None:
    issue = check(text)
    assert issue is not None
    for said in (issue.explanation, advice(issue)):
        assert fragment.casefold() not in said.casefold()
        assert not any(c.isdigit() for c in said)


def test_a_valid_nhs_number_is_caught() -> None:
    assert check(f"thanks for chasing {VALID_NHS}") == PrivacyIssue(
        Finding.NHS_NUMBER, "It has a number that looks like an NHS number."
    )


def test_a_ten_digit_number_that_fails_the_check_digit_is_left_alone() -> None:
    # 1234567890 gives 210; 210 mod 11 is 1, so the check digit would be 10: never valid.
    assert check("1234567890") is None
    assert check("123 456 7890") is None


def test_a_failing_ten_digit_number_after_a_record_word_is_a_record_number() -> None:
    issue = check("hospital number 123 456 7890")
    assert issue is not None
    assert issue.finding is Finding.RECORD_NUMBER


def test_times_like_0730_are_left_alone() -> None:
    assert check("thanks for staying until 07:30 and back at 19:00") is None


def test_bare_years_and_dates_without_a_year_are_left_alone() -> None:
    assert check("on the ward since 2019, and brilliant on 12/03 and 12 March") is None


def test_a_full_date_needs_a_real_day_and_month() -> None:
    assert check("45/13/1990") is None
    assert check("1990-13-40") is None


def test_a_date_after_dob_counts_even_without_a_four_digit_year() -> None:
    issue = check("dob 1/2/48")
    assert issue is not None
    assert issue.finding is Finding.DATE_OF_BIRTH


def test_a_bed_on_its_own_is_fine_but_a_name_nearby_is_not() -> None:
    assert check("for the family in bed 4 after handover") is None
    issue = check("for the family in bed 4 after handover, Margaret")
    assert issue is not None
    assert issue.finding is Finding.BED_WITH_NAME


def test_a_name_far_from_the_bed_is_left_alone() -> None:
    assert check("for bed 4 and all the long night shift for Margaret") is None


def test_doctors_sisters_and_nurses_may_be_thanked_by_name() -> None:
    for text in ("Dr Smith", "Doctor Smith", "Prof Smith", "Sister Smith", "Nurse Smith"):
        assert check(text) is None


@pytest.mark.parametrize("finding", list(Finding))
def test_every_finding_is_explained_kindly_in_one_plain_sentence(finding: Finding) -> None:
    text = next(text for text, f, _ in CAUGHT if f is finding)
    issue = check(text)
    assert issue is not None
    assert issue.explanation.startswith("It ")
    assert issue.explanation.endswith(".")
    assert issue.explanation.count(".") == 1
    assert len(issue.explanation) < 80


@pytest.mark.parametrize("finding", list(Finding))
def test_advice_asks_for_a_rephrase_without_saying_patient(finding: Finding) -> None:
    text = advice(PrivacyIssue(finding, "It looked identifying."))
    assert "in our care" in text
    assert "?" in text
    assert "patient" not in text.casefold()
    assert len(text) < 160


def test_no_explanation_says_patient() -> None:
    for text, _, _ in CAUGHT:
        issue = check(text)
        assert issue is not None
        assert "patient" not in issue.explanation.casefold()


some_text = st.one_of(
    st.text(),
    st.text(st.sampled_from("0123456789 /-.:#@'\u2019\nMrsbdayBedK\u00e9\u0130")),
    st.lists(
        st.sampled_from(
            ["Mr", "Mrs.", "bay", "bed", "3", "Margaret", "DOB", "MRN", "12/03", "1948", "@Priya"]
        ),
        max_size=20,
    ).map(" ".join),
)


@settings(deadline=None, max_examples=300)
@given(some_text)
def test_check_never_raises_and_returns_an_issue_or_none(text: str) -> None:
    issue = check(text)
    assert issue is None or isinstance(issue, PrivacyIssue)


def check_digit(first_nine: list[int]) -> int:
    """The NHS modulus-11 check digit, worked out independently of the module; 10 means none."""
    digit = 11 - sum(d * w for d, w in zip(first_nine, range(10, 1, -1), strict=True)) % 11
    return 0 if digit == 11 else digit


valid_nhs_numbers = (
    st.lists(st.integers(0, 9), min_size=9, max_size=9)
    .filter(lambda nine: check_digit(nine) != 10)
    .map(lambda nine: "".join(map(str, nine)) + str(check_digit(nine)))
)


@settings(deadline=None, max_examples=300)
@given(valid_nhs_numbers)
def test_any_valid_nhs_number_is_caught_however_it_is_written(digits: str) -> None:
    groups = digits[:3], digits[3:6], digits[6:]
    for separator in ("", " ", "-"):
        issue = check(f"thank you for sorting {separator.join(groups)} today")
        assert issue is not None
        assert issue.finding is Finding.NHS_NUMBER


@pytest.mark.parametrize(("text", "finding", "fragment"), CAUGHT)
def test_words_given_back_to_change_leave_out_only_the_identifying_part(
    text: str, finding: Finding, fragment: str
) -> None:
    kept = privacy.redact(text, TODAY)
    assert fragment.casefold() not in kept.casefold()
    assert "…" in kept
    assert check(kept) is None
    assert len(kept) >= len(text) - len(fragment) - 12  # the rest of the words stay


def test_redacting_a_text_with_nothing_identifying_changes_nothing() -> None:
    for text in LEFT_ALONE:
        assert privacy.redact(text, TODAY) == text


@pytest.mark.parametrize(
    "text",
    [
        "SIOBHAN IN BED 9 IS ASKING FOR YOU",
        "Rose in bed 4 asked for a cup of tea",
        "mrn#: 12345678 wants to thank nights",
        "for Mabel, who we lost in bed 7 just before dawn",
    ],
)
def test_names_in_capitals_or_that_are_words_too_and_mrn_hashes_are_caught(text: str) -> None:
    assert check(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Miss Tan is on call tonight, bleep her if you need to",
        "bay 5 is closed for norovirus, no new admissions",
        "cubicle 2 still needs a new oxygen flowmeter",
        "Merry Christmas from all of us in bay 1",
        "the young man in room 12 and his family",
    ],
)
def test_staff_on_call_and_ward_words_by_a_bed_are_left_alone(text: str) -> None:
    assert check(text) is None
