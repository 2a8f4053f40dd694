"""Words and numbers of a transcript line, with their places in the text.

ASR writes numbers both ways: "4111 1111", "4, 1, 1, 1", "four one one one", "forty one eleven",
"double five", "oh seven". A digit run is a stretch of such tokens read as one digit string,
with the span of text it covers, so a detector can replace exactly that span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)?|[A-Za-z]+(?:'[A-Za-z]+)?|[^\sA-Za-z\d]")

UNITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "nil": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "niner": "9",
}
TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fourty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
REPEAT = {"double": 2, "triple": 3, "treble": 3}
MAGNITUDE = {"hundred", "thousand", "million", "grand"}
_AMBIGUOUS_ZERO = {"oh", "o"}  # a digit only next to another number ("oh I see" is not)
# said between the digits of one number without ending it
FILLERS = {"um", "uh", "er", "erm", "ah", "uhm", "hmm", "mm", "sorry"}
SPOKEN_JOINERS = {"and", "then"}  # only between two spoken digits ("four one, and then one one")


@dataclass(slots=True)
class Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()

    @property
    def is_digits(self) -> bool:
        return self.text.isdigit()


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass(slots=True)
class Num:
    """One number token (or a pair like "forty one", "double five") in the token list."""

    first: int  # token indexes, inclusive
    last: int
    digits: str
    written: bool  # digits as figures ("4111") rather than words


@dataclass
class DigitRun:
    """Consecutive numbers read as one digit string."""

    nums: list[Num]
    start: int  # character span in the text
    end: int
    first: int  # token index span, inclusive
    last: int
    plus: bool = False  # "+44" / "plus four four"
    slashed: bool = False  # "04/26": a date or an expiry rather than one number
    groups: list[int] = field(default_factory=list)  # lengths of the written digit groups

    @property
    def digits(self) -> str:
        return "".join(n.digits for n in self.nums)

    @property
    def spoken(self) -> bool:
        return any(not n.written for n in self.nums)


def _num_at(tokens: list[Token], i: int) -> Num | None:
    """The number starting at token i, or None."""
    tok = tokens[i]
    low = tok.low
    if tok.is_digits:
        return Num(i, i, tok.text, True)
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    if low in REPEAT:
        if nxt in UNITS:
            return Num(i, i + 1, UNITS[nxt] * REPEAT[low], False)
        if i + 1 < len(tokens) and tokens[i + 1].is_digits and len(tokens[i + 1].text) == 1:
            return Num(i, i + 1, tokens[i + 1].text * REPEAT[low], False)
        return None
    if low in TENS:
        # "forty one" / "forty-one" → 41; "forty" → 40
        j = i + 1
        if j < len(tokens) and tokens[j].text == "-" and tokens[j].start == tok.end:
            j += 1
        if j < len(tokens) and tokens[j].low in UNITS and UNITS[tokens[j].low] != "0":
            return Num(i, j, TENS[low] + UNITS[tokens[j].low], False)
        return Num(i, i, TENS[low] + "0", False)
    if low in TEENS:
        return Num(i, i, TEENS[low], False)
    if low in UNITS:
        return Num(i, i, UNITS[low], False)
    return None


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2099


def digit_runs(tokens: list[Token], lone_zero: bool = False) -> list[DigitRun]:
    """All digit runs in the token list, left to right. `lone_zero`: a lone "oh" is a zero too
    (the speaker was reading out digits)."""
    nums: list[Num] = []
    i = 0
    while i < len(tokens):
        num = _num_at(tokens, i)
        if num is None:
            i += 1
            continue
        nums.append(num)
        i = num.last + 1
    runs: list[DigitRun] = []
    current: list[Num] = []
    slashed = False

    def close() -> None:
        nonlocal current, slashed
        kept = current if lone_zero else _drop_lone_zero_words(current, tokens)
        if kept:
            run = DigitRun(
                kept,
                tokens[kept[0].first].start,
                tokens[kept[-1].last].end,
                kept[0].first,
                kept[-1].last,
                slashed=slashed,
                groups=[len(n.digits) for n in kept if n.written],
            )
            before = kept[0].first - 1
            if before >= 0 and (tokens[before].text == "+" or tokens[before].low == "plus"):
                run.plus = True
                run.start = tokens[before].start
                run.first = before
            runs.append(run)
        current = []
        slashed = False

    for num in nums:
        if current:
            joined, slash = _joins(tokens, current[-1], num)
            if joined:
                current.append(num)
                slashed = slashed or slash
                continue
            close()
        current.append(num)
    if current:
        close()
    return runs


def _joins(tokens: list[Token], a: Num, b: Num) -> tuple[bool, bool]:
    """Whether number b continues the run ending in number a (and whether via a slash)."""
    between = tokens[a.last + 1 : b.first]
    if a.written and b.written and _is_year(tokens[a.last].text) and _is_year(tokens[b.first].text):
        return False, False  # "2019, 2020": two years, not one number
    if a.digits in MAGNITUDE or any(t.low in MAGNITUDE for t in between):
        return False, False
    slash = False
    for k, t in enumerate(between):
        low = t.low
        if low in FILLERS:
            continue
        if low in SPOKEN_JOINERS and not a.written and not b.written:
            continue
        if t.text in {"-", ",", "(", ")"}:
            continue
        if t.text == "." and (
            k + 1 < len(between) or t.end < tokens[b.first].start
        ):  # "4. 1. 1." joins; "45.99" is a price
            continue
        if t.text == "/" or low == "slash":
            slash = True
            continue
        return False, False
    return True, slash


def _drop_lone_zero_words(nums: list[Num], tokens: list[Token]) -> list[Num]:
    """ "oh" / "o" alone is an interjection, not a zero."""
    if len(nums) == 1 and tokens[nums[0].first].low in _AMBIGUOUS_ZERO:
        return []
    return nums


def followed_by_magnitude(tokens: list[Token], run: DigitRun) -> bool:
    nxt = run.last + 1
    return nxt < len(tokens) and tokens[nxt].low in MAGNITUDE


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
