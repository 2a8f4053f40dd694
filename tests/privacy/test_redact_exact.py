"""Exact redactions of typical lines, and numbers read over several utterances of a call."""

from __future__ import annotations

import pytest

from app.privacy import CallRedactor, redact_text

CASES = [
    ("My card number is 4111 1111 1111 1111.", "My card number is [CARD]."),
    ("four one one one one one one one one one one one one one one one", "[CARD]"),
    ("It's 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.", "It's [CARD]."),
    ("Call me on 07911 123456 please.", "Call me on [PHONE] please."),
    ("my email is john dot smith at gmail dot com", "my email is [EMAIL]"),
    ("My email is john, dot smith, at gmail, dot com.", "My email is [EMAIL]."),  # ASR pauses
    ("my national insurance number is AB 12 34 56 C", "my national insurance number is [NI]"),
    ("my social security number is 123-45-6789", "my social security number is [SSN]"),
    ("sort code 20-00-00, account 12345678", "sort code [SORT_CODE], account [ACCOUNT]"),
    ("I live at 42 Baker Street", "I live at [ADDRESS] Baker Street"),
    ("my date of birth is 12/03/1985", "my date of birth is [DOB]"),
    ("my pin is 4 3 2 1", "my pin is [PIN]"),  # a credential: stored as heard before stop 37
    ("the one time code you sent me is 4 8 2 9 1 3", "the one time code you sent me is [PIN]"),
    # a whole IBAN, bank code and check digits too (they stayed: "GB29 NWBK [ACCOUNT]")
    ("The IBAN is GB29 NWBK 6016 1331 9268 19.", "The IBAN is [ACCOUNT]."),
    ("refund DE89370400440532013000 please", "refund [ACCOUNT] please"),
    (
        "It's 12 Elm Road, Springfield, IL 62704.",
        "It's [ADDRESS] Elm Road, Springfield, IL [ADDRESS].",
    ),
    # negatives: left as they are
    ("The product code is AB12 3456 7890 ABCD.", "The product code is AB12 3456 7890 ABCD."),
    ("the password reset email came at 10 30", "the password reset email came at 10 30"),
    ("My order number is 4 5 1 2.", "My order number is 4 5 1 2."),
    ("It cost £45.99 at 3:30 in 2019.", "It cost £45.99 at 3:30 in 2019."),
    ("oh I see, one of them was broken", "oh I see, one of them was broken"),
    ("I ordered two hundred of them", "I ordered two hundred of them"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_line(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_card_asked_for_then_read_in_pieces() -> None:
    r = CallRedactor()
    lines = [
        ("agent", "Can I take the long number on the card please?"),
        ("customer", "Yes, four one one one"),
        ("customer", "one one one one"),
        ("customer", "one one one one"),
        ("customer", "one one one one."),
        ("agent", "And the expiry date?"),
        ("customer", "oh four twenty six"),
        ("agent", "and the three digit security code on the back?"),
        ("customer", "seven three seven"),
    ]
    out = [r.redact(who, text, 3.0 * k, 3.0 * k + 2) for k, (who, text) in enumerate(lines)]
    assert out[1:5] == ["Yes, [CARD]", "[CARD]", "[CARD]", "[CARD]."]
    assert out[6] == "[EXPIRY]"
    assert out[8] == "[CVV]"
    assert r.counts == {"CARD": 4, "EXPIRY": 1, "CVV": 1}


def test_pieces_without_context_leave_at_most_six_digits() -> None:
    r = CallRedactor()
    out = [r.redact("customer", "four one one one", 0.0, 1.0)]
    out += [r.redact("customer", "one one one one", 2.0 * k, 2.0 * k + 1) for k in (1, 2, 3)]
    assert out[0] == "four one one one"  # four digits: the issuer's number at most
    assert all(text.startswith("[") for text in out[1:])
