"""Detectors that need no number context: e-mail addresses (written and spoken), UK National
Insurance numbers, postcodes, house numbers in street addresses, dates, and written phone numbers
(found by `phonenumbers`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from app.privacy.kinds import ACCOUNT, ADDRESS, EMAIL, NI, PHONE
from app.privacy.tokens import TEENS, TENS, UNITS, Token

REGIONS = ("GB", "US")


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str
    rank: int = 5  # lower wins where spans overlap


_TLD = r"(?:com|co|uk|org|net|edu|gov|io|ie|de|fr|info|biz|me|us|ca|au|nz|eu|ac)"
_DOT = r",?\s*(?:\.|\bdot\b)\s*"  # ASR puts a comma where the speaker paused
_LOCAL = r"[a-z0-9][a-z0-9_+]*"
_JOIN = r",?\s*(?:\.|\bdot\b|\bunderscore\b|_|\bdash\b|\bhyphen\b|-)\s*"
_WRITTEN_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_SPOKEN_EMAIL = re.compile(
    rf"(?<![\w'])({_LOCAL}(?:{_JOIN}{_LOCAL})*),?\s*(?:@|\bat\b)\s*"
    rf"{_LOCAL}(?:\s+{_LOCAL})?(?:{_JOIN}{_LOCAL})*?{_DOT}{_TLD}\b(?:{_DOT}(?:uk|au|nz|za|in)\b)?",
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
    "i",
    "think",
    "maybe",
    "probably",
    "were",
    "email's",
    "address's",
    "is",
}
_JOIN_BACK = r"(?:\s+(?:dot|underscore|dash|hyphen)\s+|[._-])"  # not a full stop and a space
_JOINED_BEFORE = re.compile(rf"(?<![\w'])({_LOCAL}){_JOIN_BACK}$", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"(?<![\w'])([a-z0-9]+)\s+$", re.IGNORECASE)


def _extend_local(text: str, start: int) -> int:
    """Take in the words said before a spoken local part: "lucy dot evans ninety", "emma taylor"."""
    plain = 0
    for _ in range(6):
        joined = _JOINED_BEFORE.search(text, 0, start)
        if joined is not None:
            start = joined.start(1)
            continue
        word = _WORD_BEFORE.search(text, 0, start)
        if word is None or plain >= 3 or word.group(1).lower() in _BEFORE_LOCAL:
            break
        start = word.start(1)
        plain += 1
    return start


# UK National Insurance number: two prefix letters, six digits, a suffix letter A-D
_NI = re.compile(
    # six digits and no more ("AB12 3456 7890" is some other code), then maybe the suffix letter
    r"\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?:[\s.-]*\d){6}(?![\s.-]*\d)(?:[\s.-]*[A-D])?"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")  # written in capitals by ASR
# in any case, right after the word "postcode" ("the postcode is cb23hx", "C.B 2 3HX" is not)
_SAID_POSTCODE = re.compile(
    r"\bpost ?code(?: is|:)?\s+([a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2})\b", re.IGNORECASE
)

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
        if "@" not in m.group():
            start = _extend_local(text, start)
        spans.append(Span(start, m.end(), EMAIL, 0))
    return spans


# an IBAN written out: country, check digits, then the account in groups of four (ISO 13616)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_SAID_IBAN = re.compile(r"\biban\b", re.IGNORECASE)


def _iban_valid(found: str) -> bool:
    code = found.replace(" ", "")
    if not 15 <= len(code) <= 34:
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def iban_spans(text: str) -> list[Span]:
    """IBANs (mod-97 checked) as one account number: the bank's code and the country's check
    digits stayed readable when only the digit runs inside were found."""
    said = _SAID_IBAN.search(text) is not None  # "the IBAN is ...": a misheard digit still counts
    return [
        Span(m.start(), m.end(), ACCOUNT, 1)
        for m in _IBAN.finditer(text)
        if said or _iban_valid(m.group())
    ]


def ni_spans(text: str) -> list[Span]:
    return [Span(m.start(), m.end(), NI, 1) for m in _NI.finditer(text) if _ni_shape(m.group())]


def _ni_shape(found: str) -> bool:
    # "AB 12 34 56 C": letters in capitals, or a suffix letter; "at 123456" is not one
    letters = found[:2]
    return letters.isupper() or found.rstrip()[-1].isalpha()


# a US ZIP code after a city and a state's two letters, as an address is written:
# "Springfield, IL 62704", "Austin TX 78701-1234"
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
_US_ZIP = re.compile(rf"\b[A-Z][a-z]+,?\s+(?:{_US_STATES}),?\s+(\d{{5}}(?:-\d{{4}})?)\b")


def postcode_spans(text: str) -> list[Span]:
    spans = [Span(m.start(), m.end(), ADDRESS, 3) for m in _POSTCODE.finditer(text)]
    spans += [Span(m.start(1), m.end(1), ADDRESS, 3) for m in _SAID_POSTCODE.finditer(text)]
    spans += [Span(m.start(1), m.end(1), ADDRESS, 3) for m in _US_ZIP.finditer(text)]
    return spans


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
            if len(t.text) == 1 and j > 0 and tokens[j - 1].end == t.start:
                break  # "221B": the letter belongs to the house number
            names += 1
            j -= 1
        if names == 0 or j < 0:
            continue
        if tokens[j].text == ",":
            j -= 1
        end_tok = j
        if j > 0 and tokens[j].is_word and len(tokens[j].text) == 1:
            j -= 1  # the letter of "221B"
        while j >= 0 and (
            _house_number_token(tokens[j].text)
            or _is_number_word(tokens[j].low)
            or (tokens[j].low == "and" and j > 0 and tokens[j - 1].low == "hundred")
        ):
            j -= 1
        if j == end_tok or not _has_number(tokens[j + 1 : end_tok + 1]):
            continue
        first = tokens[j + 1]
        spans.append(Span(first.start, tokens[end_tok].end, ADDRESS, 3))
    return spans


def _has_number(tokens: list[Token]) -> bool:
    return any(t.text.isdigit() or _is_number_word(t.low) for t in tokens)


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
