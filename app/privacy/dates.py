"""Date expressions: "12/03/1985", "12th of March 1985", "the twelfth of march nineteen eighty
five", "oh four twenty six". Only redacted where the words around ask for a date of birth or a
card's expiry (a delivery date is not personal data)."""

from __future__ import annotations

from app.privacy.tokens import TEENS, TENS, UNITS, Token

MONTHS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}
ORDINALS = {
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "thirtieth",
}
_GLUE = {"of", "the", "/", "-", ".", ",", "slash"}
_NUMBER_WORDS = set(UNITS) | set(TEENS) | set(TENS) | {"hundred", "thousand", "double"}


def _dateish(tok: Token) -> str:
    """'m' month, 'o' ordinal, 'n' number, 'g' glue, '' none."""
    low = tok.low
    if low in MONTHS:
        return "m"
    if low in ORDINALS or (low[:-2].isdigit() and low[-2:] in {"st", "nd", "rd", "th"}):
        return "o"
    if (tok.text.isdigit() and len(tok.text) <= 4) or low in _NUMBER_WORDS:
        return "n"
    if low in _GLUE:
        return "g"
    return ""


def date_spans(tokens: list[Token]) -> list[tuple[int, int, int, int]]:
    """(char start, char end, first token, last token) of each date-like stretch."""
    spans = []
    k = 0
    while k < len(tokens):
        if _dateish(tokens[k]) in {"", "g"}:
            k += 1
            continue
        j = k
        while j + 1 < len(tokens) and _dateish(tokens[j + 1]):
            j += 1
        while j > k and _dateish(tokens[j]) == "g":
            j -= 1
        kinds = [_dateish(t) for t in tokens[k : j + 1]]
        digits = sum(len(t.text) for t in tokens[k : j + 1] if t.text.isdigit())
        stretch = tokens[k : j + 1]
        words = sum(1 for c, t in zip(kinds, stretch, strict=True) if c == "n" and t.is_word)
        has_number = "n" in kinds
        if (
            ("m" in kinds and (has_number or "o" in kinds))
            or ("o" in kinds and has_number)
            or digits >= 3
            or words >= 2
        ) and digits <= 8:
            first = k - 1 if k > 0 and tokens[k - 1].low == "the" else k  # "the twelfth of …"
            spans.append((tokens[first].start, tokens[j].end, first, j))
        k = j + 1
    return spans
