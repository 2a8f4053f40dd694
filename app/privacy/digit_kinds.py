"""What a run of digits is: a card, a phone number, an account … or nothing to hide (an order
number, a price, a time, a quantity), from its length, its shape and the words around it."""

from __future__ import annotations

from dataclasses import dataclass

from app.privacy.context import KEEP, Cue
from app.privacy.kinds import (
    ACCOUNT,
    ADDRESS,
    CARD,
    CVV,
    DOB,
    EXPIRY,
    NI,
    PHONE,
    PIN,
    SORT_CODE,
    SSN,
)
from app.privacy.patterns import phone_like
from app.privacy.tokens import DigitRun, Token, followed_by_magnitude, luhn_valid

READABLE_DIGITS = 6  # digits of an unexplained number that may stay readable (PCI: first six)
CUE_REACH = 90  # characters between cue words and the number they name


@dataclass
class Tail:
    """The digits a speaker's last utterance ended with (kept in memory only)."""

    digits: str
    kind: str | None  # what it was redacted as, None if left readable
    end: float


# how many digits each kind of number can have
_LENGTHS: dict[str, tuple[int, int]] = {
    CARD: (4, 19),
    CVV: (3, 4),
    EXPIRY: (3, 6),
    ACCOUNT: (6, 18),
    SORT_CODE: (6, 6),
    SSN: (9, 9),  # pieces (and "the last four of my social") through `piece`
    NI: (6, 6),
    PHONE: (7, 15),
    DOB: (4, 8),
    ADDRESS: (5, 9),
    PIN: (4, 8),
    KEEP: (1, 40),
}
_READ_IN_PIECES = {CARD, PHONE, ACCOUNT, SSN, SORT_CODE, NI}
_UNIT_WORDS = {
    "pounds",
    "pound",
    "quid",
    "dollars",
    "dollar",
    "bucks",
    "pence",
    "p",
    "cents",
    "euros",
    "percent",
    "%",
    "times",
    "minutes",
    "minute",
    "mins",
    "hours",
    "hour",
    "seconds",
    "days",
    "day",
    "weeks",
    "week",
    "months",
    "month",
    "years",
    "year",
    "items",
    "boxes",
    "pm",
    "am",
    "o'clock",
    "gb",
    "mb",
    "kg",
    "miles",
    "of",
}
_CURRENCY = {"£", "$", "€"}


def nearest(cues: list[Cue], start: int, stop: int) -> list[Cue]:
    """Cues before the span (nearest first) within reach, then cues after it."""
    before = [c for c in cues if c.end <= start and start - c.end <= CUE_REACH]
    after = [c for c in cues if c.start >= stop and c.start - stop <= CUE_REACH // 2]
    return sorted(before, key=lambda c: -c.end) + sorted(after, key=lambda c: c.start)


def _fits(kind: str, n: int, piece: int = 0) -> bool:
    """Whether n digits can be this kind, or (piece > 0) the start of one: its rest may come in
    the next utterance, too late to take back what was shown."""
    low, high = _LENGTHS[kind]
    if piece and kind in _READ_IN_PIECES:
        low = min(low, piece)
    return low <= n <= high


def classify(
    run: DigitRun,
    tokens: list[Token],
    cues: list[Cue],
    asked: list[str],
    text: str,
    tail: Tail | None,
    piece: int = 0,
) -> str | None:
    """The kind of the run, or None to leave it. `piece`: the run may be the first part of a
    number read in pieces; this many digits are enough for a kind usually read that way."""
    digits = run.digits
    n = len(digits)
    chained = (tail.digits if tail else "") + digits
    # a whole card number is always redacted, whatever the words around it say (no card number
    # starts with 0: "double oh four four …" is a phone number)
    for d in (digits, chained):
        if 13 <= len(d) <= 19 and d[0] != "0" and luhn_valid(d):
            return CARD
    if _is_quantity(run, tokens, text) or _looks_like_year(run, tokens):
        return None
    if tail is not None and tail.kind is not None:
        return tail.kind  # the rest of a number already redacted
    close = [c.kind for c in nearest(cues, run.start, run.end)]
    if not close and (phone_like(digits, run.plus) or phone_like(chained, False)):
        return PHONE  # a valid phone number beats what was asked a while ago
    candidates = close + asked
    for kind in candidates:
        if kind == KEEP:
            if tail is None or tail.kind is None:
                return None
            continue
        if run.slashed and kind not in (EXPIRY, DOB):
            continue
        if kind == PIN and _after_when_word(run, tokens):
            continue  # "reset my password on 12 03 2024", "the code came at 10 30"
        if _fits(kind, n, piece) or (tail is not None and _fits(kind, len(chained))):
            return kind
    if run.slashed:
        return None  # a date nobody asked about
    groups = run.groups
    if not run.spoken and groups == [3, 2, 4]:
        return SSN
    if not run.spoken and groups == [2, 2, 2] and "-" in text[run.start : run.end]:
        return SORT_CODE
    if phone_like(digits, run.plus) or phone_like(chained, False):
        return PHONE
    if len(chained) > READABLE_DIGITS:
        return _guess(chained, run.plus, tail is not None)
    return None


def _guess(digits: str, plus: bool, in_pieces: bool) -> str:
    """The likeliest kind of an unexplained long number (card numbers are the ones read out in
    groups over several utterances)."""
    if plus or digits.startswith("0"):
        return PHONE
    if len(digits) >= 12 or (in_pieces and digits[0] in "3456"):
        return CARD
    if len(digits) == 10:
        return PHONE
    return ACCOUNT


# words before a time or a date, never before a code being read out
_WHEN_WORDS = frozenset(
    ("at", "on", "in", "since", "by", "until", "till", "from", "before", "after", "around")
)


def _after_when_word(run: DigitRun, tokens: list[Token]) -> bool:
    return run.first > 0 and tokens[run.first - 1].low in _WHEN_WORDS


def _is_quantity(run: DigitRun, tokens: list[Token], text: str) -> bool:
    """Prices, amounts and times: "£45.99", "forty five pounds", "two hundred", "3:30"."""
    if len(run.digits) >= 13:
        return False
    before = run.first - 1
    if before >= 0 and tokens[before].text in _CURRENCY:
        return True
    after = run.last + 1
    if after < len(tokens) and (
        tokens[after].low in _UNIT_WORDS or tokens[after].text in {":", "%"}
    ):
        return True
    if before >= 0 and tokens[before].text == ":":
        return True
    return followed_by_magnitude(tokens, run)


def _looks_like_year(run: DigitRun, tokens: list[Token]) -> bool:
    """A written year: "in 2019", "(2010)" (not a date of birth: those come as dates)."""
    if len(run.nums) != 1 or not run.nums[0].written or len(run.digits) != 4:
        return False
    value = int(run.digits)
    before = tokens[run.first - 1].low if run.first > 0 else ""
    return 1900 <= value <= 2039 and before in {"in", "since", "from", "until", "of", "by", "("}
