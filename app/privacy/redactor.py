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
from app.privacy.digit_kinds import Tail, classify, nearest
from app.privacy.kinds import (
    DOB,
    EXPIRY,
    NI,
    placeholder,
)
from app.privacy.patterns import (
    Span,
    email_spans,
    house_number_spans,
    iban_spans,
    ni_spans,
    postcode_spans,
    written_phone_spans,
)
from app.privacy.tokens import (
    FILLERS,
    DigitRun,
    Token,
    digit_runs,
    luhn_valid,
    tokenize,
)

CONTEXT_UTTERANCES = 4  # utterances after a question that its answer may take
CONTEXT_S = 45.0  # ... and seconds
CHAIN_GAP_S = 12.0  # a pause longer than this ends a number read in pieces

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
class _Asked:
    kinds: list[str]
    t: float
    left: int  # utterances it may still apply to
    speaker: str
    # the asker's own next words may hold the number too: "my card number is" … (not a question)
    own: bool = False

    def applies(self, speaker: str, start: float) -> bool:
        return start - self.t <= CONTEXT_S and (speaker != self.speaker or self.own)


@dataclass
class CallRedactor:
    """Redacts the utterances of one call in order; holds per-speaker state for numbers read
    over several utterances and the call's recent questions."""

    counts: dict[str, int] = field(default_factory=dict)
    _tails: dict[str, Tail] = field(default_factory=dict)
    _asked: list[_Asked] = field(default_factory=list)

    def redact(self, speaker: str, text: str, start: float = 0.0, end: float = 0.0) -> str:
        tokens = tokenize(text)
        cues = find_cues(text)
        recent = [a for a in reversed(self._asked) if a.applies(speaker, start)]
        asked = [kind for a in recent for kind in a.kinds]
        tail = self._tails.get(speaker)
        if tail is not None and start - tail.end > CHAIN_GAP_S:
            tail = None
        spans, new_tail = _find(text, tokens, cues, asked, tail, end)
        if new_tail is None:
            self._tails.pop(speaker, None)
        else:
            self._tails[speaker] = new_tail
        if cues or not _backchannel(tokens):  # the others' numbers end when one speaks up
            for other in [s for s in self._tails if s != speaker]:
                del self._tails[other]
        self._remember(cues, speaker, text, end)
        out = _apply(text, spans)
        for s in spans:
            self.counts[s.kind] = self.counts.get(s.kind, 0) + 1
        return out

    def _remember(self, cues: list[Cue], speaker: str, text: str, t: float) -> None:
        for a in self._asked:
            a.left -= 1
        self._asked = [a for a in self._asked if a.left > 0]
        kinds = strongest(cues)
        if kinds:
            rest = text[max(c.end for c in cues) :]
            own = "?" not in rest and len(rest.split()) <= 3  # it ends on the cue words
            self._asked.append(_Asked(kinds, t, CONTEXT_UTTERANCES, speaker, own))


_BACKCHANNEL = FILLERS | {
    "yes",
    "yeah",
    "yep",
    "ok",
    "okay",
    "mm",
    "mhm",
    "hm",
    "uh",
    "huh",
    "right",
    "got",
    "it",
    "sure",
    "go",
    "on",
    "thanks",
    "thank",
    "you",
    "and",
    "next",
    "carry",
    "alright",
    "lovely",
    "great",
    "perfect",
    "cool",
}


def _backchannel(tokens: list[Token]) -> bool:
    """'Yep.', 'Okay, go on.': a listener's acknowledgement, not a turn of its own."""
    words = [t.low for t in tokens if t.is_word]
    return len(words) <= 4 and all(w in _BACKCHANNEL for w in words)


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
    tail: Tail | None,
    end: float,
) -> tuple[list[Span], Tail | None]:
    spans: list[Span] = []
    spans += email_spans(text)
    spans += ni_spans(text)
    spans += iban_spans(text)
    spans += postcode_spans(text)
    # dates: only as a date of birth or a card's expiry
    for start, stop, _, _ in date_spans(tokens):
        kind = _date_kind(cues, asked, start, stop)
        if kind is not None:
            spans.append(Span(start, stop, kind, 1))
    taken = _resolve(spans)

    # a house number before a street name is an address, whatever was asked before
    houses = house_number_spans(tokens)
    runs = [
        r
        for r in digit_runs(tokens, lone_zero=tail is not None)
        if all(r.end <= s.start or r.start >= s.end for s in taken)
        and (_whole_card(r) or all(r.end <= h.start or r.start >= h.end for h in houses))
    ]
    new_tail: Tail | None = None
    for k, run in enumerate(runs):
        leading = k == 0 and tail is not None and _leads(tokens, run)
        trailing = _trails(tokens, run)
        # a piece of a number: all the utterance says is digits ("44"), or it ends with some
        piece = 1 if trailing and _leads(tokens, run) else 3 if trailing else 0
        kind = classify(run, tokens, cues, asked, text, tail if leading else None, piece)
        if kind == NI:
            spans.append(_ni_letters(tokens, run))
        elif kind is not None:
            spans.append(Span(run.start, run.end, kind, 2))
        if trailing:
            chained = tail.digits if (leading and tail is not None) else ""
            new_tail = Tail(chained + run.digits, kind, end)
    for span in written_phone_spans(text):
        close = nearest(cues, span.start, span.end)
        if not close or close[0].kind != KEEP:  # "Order ID: 3348917502" is an order number
            spans.append(span)
    spans += houses
    return _resolve(spans), new_tail


def _whole_card(run: DigitRun) -> bool:
    d = run.digits
    return 13 <= len(d) <= 19 and d[0] != "0" and luhn_valid(d)


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
    close = nearest(cues, start, stop)
    if close:
        kind = close[0].kind
    elif asked:
        kind = asked[0]
    else:
        return None
    return kind if kind in (DOB, EXPIRY) else None


def _leads(tokens: list[Token], run: DigitRun) -> bool:
    return all(t.low in _LEAD_IN for t in tokens[: run.first])


def _trails(tokens: list[Token], run: DigitRun) -> bool:
    return all(t.low in _LEAD_IN or not t.is_word for t in tokens[run.last + 1 :])
