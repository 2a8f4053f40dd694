"""Redaction of one call's transcript, utterance by utterance, as it streams.

An utterance, once emitted, is never changed; so numbers read over several utterances ("four one
one one" … "one one one one" …) are handled by what each new utterance can still decide:

- the call remembers what was asked lately ("can I take the card number?"): a bare digit run in
  the next utterances of either speaker takes that type ([CARD] from four digits on);
- each speaker's trailing digit run is remembered (in memory only, never written): if the
  speaker's next utterance starts with digits, the two are judged as one number, and a
  continuation of a redacted number is redacted too;
- without any such words, a run is redacted once the digits read in a row reach 7. So at most
  the first six digits of a card read in pieces can stay readable — the most PCI DSS allows to
  be shown (the issuer number); any run that is a whole Luhn-valid card number is always
  redacted, whatever the words around it say.

Order, ticket and reference numbers stay readable (QA needs them, they are not personal data)
unless they are Luhn-valid card numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.privacy.context import KEEP, Cue, find_cues, strongest
from app.privacy.dates import date_spans
from app.privacy.kinds import (
    ACCOUNT,
    ADDRESS,
    CARD,
    CVV,
    DOB,
    EXPIRY,
    NI,
    PHONE,
    SORT_CODE,
    SSN,
    placeholder,
)
from app.privacy.patterns import (
    Span,
    email_spans,
    house_number_spans,
    ni_spans,
    phone_like,
    postcode_spans,
    written_phone_spans,
)
from app.privacy.tokens import (
    FILLERS,
    DigitRun,
    Token,
    digit_runs,
    followed_by_magnitude,
    luhn_valid,
    tokenize,
)

READABLE_DIGITS = 6  # digits of an unexplained number that may stay readable (PCI: first six)
CONTEXT_UTTERANCES = 4  # utterances after a question that its answer may take
CONTEXT_S = 45.0  # ... and seconds
CHAIN_GAP_S = 12.0  # a pause longer than this ends a number read in pieces
CUE_REACH = 90  # characters between cue words and the number they name

# how many digits each kind of number can have
_LENGTHS: dict[str, tuple[int, int]] = {
    CARD: (4, 19),
    CVV: (3, 4),
    EXPIRY: (3, 6),
    ACCOUNT: (6, 18),
    SORT_CODE: (6, 6),
    SSN: (4, 9),
    NI: (6, 6),
    PHONE: (7, 15),
    DOB: (4, 8),
    ADDRESS: (5, 9),
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
_LEAD_IN = FILLERS | {
    "yes",
    "yeah",
    "yep",
    "ok",
    "okay",
    "and",
    "then",
    "so",
    "it's",
    "its",
    "is",
    "that's",
    "next",
    "right",
    ",",
    ".",
    "-",
}


@dataclass
class _Tail:
    """The digits a speaker's last utterance ended with (memory only)."""

    digits: str
    kind: str | None  # what it was redacted as, None if left readable
    end: float


@dataclass
class _Asked:
    kinds: list[str]
    t: float
    left: int  # utterances it may still apply to


@dataclass
class CallRedactor:
    """Redacts the utterances of one call in order; holds per-speaker state for numbers read
    over several utterances and the call's recent questions."""

    counts: dict[str, int] = field(default_factory=dict)
    _tails: dict[str, _Tail] = field(default_factory=dict)
    _asked: list[_Asked] = field(default_factory=list)

    def redact(self, speaker: str, text: str, start: float = 0.0, end: float = 0.0) -> str:
        tokens = tokenize(text)
        cues = find_cues(text)
        recent = [a for a in reversed(self._asked) if start - a.t <= CONTEXT_S]
        asked = [kind for a in recent for kind in a.kinds]
        tail = self._tails.get(speaker)
        if tail is not None and start - tail.end > CHAIN_GAP_S:
            tail = None
        spans, new_tail = _find(text, tokens, cues, asked, tail, end)
        if new_tail is None:
            self._tails.pop(speaker, None)
        else:
            self._tails[speaker] = new_tail
        if cues:  # a new question ends the numbers the others were reading
            for other in [s for s in self._tails if s != speaker]:
                del self._tails[other]
        self._remember(cues, end)
        out = _apply(text, spans)
        for s in spans:
            self.counts[s.kind] = self.counts.get(s.kind, 0) + 1
        return out

    def _remember(self, cues: list[Cue], t: float) -> None:
        for a in self._asked:
            a.left -= 1
        self._asked = [a for a in self._asked if a.left > 0]
        kinds = strongest(cues)
        if kinds:
            self._asked.append(_Asked(kinds, t, CONTEXT_UTTERANCES))


def redact_text(text: str) -> str:
    """One line on its own (no call context)."""
    return CallRedactor().redact("customer", text)


def _apply(text: str, spans: list[Span]) -> str:
    out = text
    for s in sorted(spans, key=lambda s: s.start, reverse=True):
        out = out[: s.start] + placeholder(s.kind) + out[s.end :]
    return out


def _resolve(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans: lower rank first, then longer."""
    chosen: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.rank, -(s.end - s.start), s.start)):
        if all(s.end <= c.start or s.start >= c.end for c in chosen):
            chosen.append(s)
    return chosen


def _find(
    text: str,
    tokens: list[Token],
    cues: list[Cue],
    asked: list[str],
    tail: _Tail | None,
    end: float,
) -> tuple[list[Span], _Tail | None]:
    spans: list[Span] = []
    spans += email_spans(text)
    spans += ni_spans(text)
    spans += postcode_spans(text)
    # dates: only as a date of birth or a card's expiry
    for start, stop, _, _ in date_spans(tokens):
        kind = _date_kind(cues, asked, start, stop)
        if kind is not None:
            spans.append(Span(start, stop, kind, 1))
    taken = _resolve(spans)

    runs = [
        r
        for r in digit_runs(tokens, lone_zero=tail is not None)
        if all(r.end <= s.start or r.start >= s.end for s in taken)
    ]
    new_tail: _Tail | None = None
    for k, run in enumerate(runs):
        leading = k == 0 and tail is not None and _leads(tokens, run)
        trailing = _trails(tokens, run)
        # a piece of a number: all the utterance says is digits ("44"), or it ends with some
        piece = 1 if trailing and _leads(tokens, run) else 3 if trailing else 0
        kind = _classify(run, tokens, cues, asked, text, tail if leading else None, piece)
        if kind == NI:
            spans.append(_ni_letters(tokens, run))
        elif kind is not None:
            spans.append(Span(run.start, run.end, kind, 2))
        if trailing:
            chained = tail.digits if (leading and tail is not None) else ""
            new_tail = _Tail(chained + run.digits, kind, end)
    spans += written_phone_spans(text)
    spans += house_number_spans(tokens)
    return _resolve(spans), new_tail


def _ni_letters(tokens: list[Token], run: DigitRun) -> Span:
    """A spoken NI number's span with its letters: "J G [six digits] A"."""
    first, last = run.first, run.last
    letters = 0
    while first > 0 and letters < 2:
        t = tokens[first - 1]
        if t.text == ".":
            first -= 1
            continue
        if not (t.is_word and t.text.isupper() and len(t.text) <= 2 - letters):
            break
        letters += len(t.text)
        first -= 1
    nxt = last + 1
    if nxt < len(tokens) and tokens[nxt].text.upper() in {"A", "B", "C", "D"}:
        last = nxt
    return Span(tokens[first].start, tokens[last].end, NI, 2)


def _date_kind(cues: list[Cue], asked: list[str], start: int, stop: int) -> str | None:
    """DOB or EXPIRY when the nearest words (else the latest question) ask for one."""
    nearest = _nearest(cues, start, stop)
    if nearest:
        kind = nearest[0].kind
    elif asked:
        kind = asked[0]
    else:
        return None
    return kind if kind in (DOB, EXPIRY) else None


def _nearest(cues: list[Cue], start: int, stop: int) -> list[Cue]:
    """Cues before the span (nearest first) within reach, then cues after it."""
    before = [c for c in cues if c.end <= start and start - c.end <= CUE_REACH]
    after = [c for c in cues if c.start >= stop and c.start - stop <= CUE_REACH // 2]
    return sorted(before, key=lambda c: -c.end) + sorted(after, key=lambda c: c.start)


def _leads(tokens: list[Token], run: DigitRun) -> bool:
    return all(t.low in _LEAD_IN for t in tokens[: run.first])


def _trails(tokens: list[Token], run: DigitRun) -> bool:
    return all(t.low in _LEAD_IN or not t.is_word for t in tokens[run.last + 1 :])


def _fits(kind: str, n: int, piece: int = 0) -> bool:
    """Whether n digits can be this kind, or (piece > 0) the start of one: its rest may come in
    the next utterance, too late to take back what was shown."""
    low, high = _LENGTHS[kind]
    if piece and kind in _READ_IN_PIECES:
        low = min(low, piece)
    return low <= n <= high


def _classify(
    run: DigitRun,
    tokens: list[Token],
    cues: list[Cue],
    asked: list[str],
    text: str,
    tail: _Tail | None,
    piece: int = 0,
) -> str | None:
    """The kind of the run, or None to leave it. `piece`: the run may be the first part of a
    number read in pieces; this many digits are enough for a kind usually read that way."""
    digits = run.digits
    n = len(digits)
    chained = (tail.digits if tail else "") + digits
    # a whole card number is always redacted, whatever the words around it say
    for d in (digits, chained):
        if 13 <= len(d) <= 19 and luhn_valid(d):
            return CARD
    if tail is not None and tail.kind is not None:
        return tail.kind  # the rest of a number already redacted
    if _is_quantity(run, tokens, text):
        return None
    candidates = [c.kind for c in _nearest(cues, run.start, run.end)] + asked
    for kind in candidates:
        if kind == KEEP:
            if tail is None or tail.kind is None:
                return None
            continue
        if run.slashed and kind not in (EXPIRY, DOB):
            continue
        if _fits(kind, n, piece) or (tail is not None and _fits(kind, len(chained))):
            if kind == CARD and n == 4 and _looks_like_year(run, tokens):
                continue
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
    if len(run.nums) != 1 or not run.nums[0].written:
        return False
    value = int(run.digits)
    before = tokens[run.first - 1].low if run.first > 0 else ""
    return 1950 <= value <= 2039 and before in {"in", "since", "from", "until", "of", "by"}
