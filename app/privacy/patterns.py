"""Detectors that need no number context: e-mail addresses (written and spoken), UK National
Insurance numbers, postcodes, house numbers in street addresses, dates, and written phone numbers
(found by `phonenumbers`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from app.privacy.kinds import ADDRESS, EMAIL, NI, PHONE
from app.privacy.tokens import TEENS, TENS, UNITS, Token

REGIONS = ("GB", "US")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str
    rank: int = 5  # lower wins where spans overlap


_TLD = r"(?:com|co|uk|org|net|edu|gov|io|ie|de|fr|info|biz|me|us|ca|au|nz|eu|ac)"
_DOT = r"\s*(?:\.|\bdot\b)\s*"
_LOCAL = r"[a-z0-9][a-z0-9_+]*"
_JOIN = r"\s*(?:\.|\bdot\b|\bunderscore\b|_|\bdash\b|\bhyphen\b|-)\s*"
_WRITTEN_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w'])({_LOCAL}(?:{_JOIN}{_LOCAL})*)\s*(?:@|\bat\b)\s*"
    rf"{_LOCAL}(?:{_JOIN}{_LOCAL})*?{_DOT}{_TLD}\b(?:{_DOT}(?:uk|au|nz|za|in)\b)?",
    re.IGNORECASE,
)
# words that start a sentence rather than an address ("it's at gmail dot com" has no local part)
_NOT_LOCAL = {"is", "it's", "its", "me", "email", "e", "mail", "address", "it", "that's", "at"}
# a name said before the local part ("emma taylor at icloud dot com") belongs to it, these not
_BEFORE_LOCAL = _NOT_LOCAL | {
    "my",
    "to",
    "on",
    "send",
    "yes",
    "yeah",
    "so",
    "and",
    "the",
    "use",
    "try",
    "write",
    "contact",
    "reach",
    "um",
    "uh",
    "er",
    "erm",
    "that",
    "this",
    "was",
    "be",
    "of",
    "please",
    "ok",
    "okay",
    "sure",
    "oh",
    "just",
    "under",
    "via",
    "by",
}
_WORD_BEFORE = re.compile(r"(?<![\w'])([a-z]+)\s+$", re.IGNORECASE)

# UK National Insurance number: two prefix letters, six digits, a suffix letter A-D
_NI = re.compile(
    r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?:[\s.-]*\d){6}[\s.-]*[A-D]?\b", re.IGNORECASE
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")  # written in capitals by ASR

STREET_SUFFIXES = {
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "close",
    "way",
    "court",
    "ct",
    "crescent",
    "place",
    "pl",
    "terrace",
    "gardens",
    "grove",
    "boulevard",
    "blvd",
    "hill",
    "square",
    "mews",
    "row",
    "walk",
    "parade",
    "rise",
    "green",
    "highway",
    "circle",
    "park",
}
_NOT_A_STREET_NAME = {
    "the",
    "a",
    "an",
    "of",
    "on",
    "in",
    "at",
    "to",
    "down",
    "up",
    "my",
    "your",
    "our",
    "their",
    "this",
    "that",
    "these",
    "and",
    "or",
    "but",
    "from",
    "for",
    "with",
    "by",
    "is",
    "was",
    "it",
    "i",
    "you",
    "we",
    "they",
    "he",
    "she",
    "times",
    "days",
    "day",
    "weeks",
    "week",
    "minutes",
    "minute",
    "hours",
    "hour",
    "years",
    "year",
    "months",
    "month",
    "pounds",
    "dollars",
    "miles",
    "more",
    "other",
    "people",
    "cars",
    "houses",
    "doors",
}
_UNIT_FLAT = {"flat", "apartment", "apt", "unit", "suite"}


def email_spans(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), EMAIL, 0) for m in _WRITTEN_EMAIL.finditer(text)]
    for m in _SPOKEN_EMAIL.finditer(text):
        start = m.start()
        local = m.group(1)
        if local.lower() in _NOT_LOCAL:
            continue
        before = _WORD_BEFORE.search(text, 0, start)
        if (
            before is not None
            and "@" not in m.group()
            and before.group(1).lower() not in _BEFORE_LOCAL
        ):
            start = before.start(1)
        spans.append(Span(start, m.end(), EMAIL, 0))
    return spans


def ni_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), NI, 1) for m in _NI.finditer(text) if _ni_shape(m.group())]


def _ni_shape(found: str) -> bool:
    # "AB 12 34 56 C": letters in capitals, or a suffix letter; "at 123456" is not one
    letters = found[:2]
    return letters.isupper() or found.rstrip()[-1].isalpha()


def postcode_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), ADDRESS, 3) for m in _POSTCODE.finditer(text)]


def _is_number_word(low: str) -> bool:
    return low in UNITS or low in TEENS or low in TENS or low == "hundred"


def house_number_spans(tokens: list[Token]) -> list[Span]:
    """The number in "42 Baker Street", "forty two baker street", "flat 3"."""
    spans: list[Span] = []
    for k, tok in enumerate(tokens):
        low = tok.low
        if low in _UNIT_FLAT and k + 1 < len(tokens):
            nxt = tokens[k + 1]
            if nxt.text.isdigit() or _is_number_word(nxt.low):
                spans.append(Span(nxt.start, nxt.end, ADDRESS, 3))
            continue
        if low not in STREET_SUFFIXES:
            continue
        # walk back over one to three street-name words to the house number
        j = k - 1
        names = 0
        while j >= 0 and names < 3:
            t = tokens[j]
            if not t.is_word or t.low in _NOT_A_STREET_NAME or _is_number_word(t.low):
                break
            names += 1
            j -= 1
        if names == 0 or j < 0:
            continue
        if tokens[j].text == ",":
            j -= 1
        end_tok = j
        while j >= 0 and (_house_number_token(tokens[j].text) or _is_number_word(tokens[j].low)):
            j -= 1
        if j == end_tok:
            continue
        first = tokens[j + 1]
        spans.append(Span(first.start, tokens[end_tok].end, ADDRESS, 3))
    return spans


def _house_number_token(text: str) -> bool:
    return bool(re.fullmatch(r"\d{1,4}[A-Za-z]?", text))


def written_phone_spans(text: str) -> list[Span]:
    spans = []
    for region in REGIONS:
        found = phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)
        for m in found:
            spans.append(Span(m.start, m.end, PHONE, 2))
    return spans


def phone_like(digits: str, plus: bool) -> bool:
    """Whether a digit string is a phone number of a country we serve (or any, after '+')."""
    if not 7 <= len(digits) <= 15:
        return False
    try:
        if plus:
            return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits, None))
        for region in REGIONS:
            if phonenumbers.is_valid_number(phonenumbers.parse(digits, region)):
                return True
    except phonenumbers.NumberParseException:
        return False
    return False
