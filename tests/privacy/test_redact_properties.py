"""Properties: a Luhn-valid card number of 13–19 digits, written or spoken, in any grouping, in
one utterance or read out over several, is never readable after redaction; any text at all is
redacted without an error.

The check reads digits back the way a person would read the output (figures and digit words,
"oh", "double five", "forty one"), independently of the redactor's own parser.
"""

from __future__ import annotations

import re

from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from app.privacy import CallRedactor, redact_text
from tests.privacy.make_pii_cases import TEENS, TENS, WORDS

ZERO_WORDS = ["oh", "zero", "o", "nought"]
_READ = {w: str(k) for k, w in enumerate(WORDS)} | {w: "0" for w in ZERO_WORDS}
_READ |= {w: str(10 + k) for k, w in enumerate(TEENS)}
_TENS = {w: str(k) for k, w in enumerate(TENS) if w}


def readable_digits(text: str) -> str:
    """Every digit a reader can get back from the text, in order."""
    out = []
    toks = re.findall(r"\d|[a-z]+", text.lower())
    k = 0
    while k < len(toks):
        t = toks[k]
        nxt = toks[k + 1] if k + 1 < len(toks) else ""
        if t.isdigit():
            out.append(t)
        elif t in ("double", "triple") and nxt in _READ and len(_READ[nxt]) == 1:
            out.append(_READ[nxt] * (2 if t == "double" else 3))
            k += 1
        elif t in _TENS:
            if nxt in _READ and len(_READ[nxt]) == 1 and _READ[nxt] != "0":
                out.append(_TENS[t] + _READ[nxt])
                k += 1
            else:
                out.append(_TENS[t] + "0")
        elif t in _READ:
            out.append(_READ[t])
        k += 1
    return "".join(out)


def luhn_complete(prefix: str) -> str:
    total = 0
    for k, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if k % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    first = draw(st.sampled_from("123456789"))  # no card number starts with 0 (ISO/IEC 7812)
    body = draw(st.text("0123456789", min_size=length - 2, max_size=length - 2))
    return luhn_complete(first + body)


@st.composite
def spoken_piece(draw: st.DrawFn, digits: str) -> str:
    """One stretch of digits as ASR writes it."""
    out: list[str] = []
    k = 0
    while k < len(digits):
        d = digits[k]
        style = draw(st.sampled_from(["word", "figure", "repeat", "pair"]))
        same = 1
        while k + same < len(digits) and digits[k + same] == d and same < 3:
            same += 1
        if style == "repeat" and same >= 2:
            word = draw(st.sampled_from(ZERO_WORDS)) if d == "0" else WORDS[int(d)]
            out.append(("double " if same == 2 else "triple ") + word)
            k += same
            continue
        if style == "pair" and k + 1 < len(digits) and d != "0":
            a, b = int(d), int(digits[k + 1])
            out.append(TEENS[b] if a == 1 else TENS[a] + ("" if b == 0 else " " + WORDS[b]))
            k += 2
            continue
        if style == "figure":
            out.append(d)
        else:
            out.append(draw(st.sampled_from(ZERO_WORDS)) if d == "0" else WORDS[int(d)])
        k += 1
    sep = draw(st.sampled_from([" ", ", ", "-", " - ", ". "]))
    return sep.join(out)


@st.composite
def written_or_spoken(draw: st.DrawFn, digits: str) -> str:
    """The digits in groups of any size, each group written ("4111") or spoken."""
    out = []
    k = 0
    while k < len(digits):
        size = draw(st.integers(1, 8))
        group = digits[k : k + size]
        k += size
        if draw(st.booleans()):
            out.append(group)
        else:
            out.append(draw(spoken_piece(group)))
    sep = draw(st.sampled_from([" ", ", ", "-", " - ", ". "]))
    return sep.join(out)


# shrinking a failure takes minutes on a shared machine; the failing example is printed as is
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)

LEADS = [
    "",
    "It's ",
    "My card number is ",
    "Yeah, so ",
    "Okay the number is ",
    "Um, ",
    "Right, ",
    "the long number on the front, ",
]


@settings(max_examples=300, deadline=None, phases=NO_SHRINK)
@given(card_numbers(), st.data())
def test_a_card_number_in_one_utterance_is_never_readable(pan: str, data: st.DataObject) -> None:
    said = data.draw(written_or_spoken(pan))
    lead = data.draw(st.sampled_from(LEADS))
    tail = data.draw(st.sampled_from(["", ".", " thanks.", ", is that okay?"]))
    out = redact_text(lead + said + tail)
    assert readable_digits(out) == "", (lead + said + tail, out)
    assert "[CARD]" in out


@settings(max_examples=300, deadline=None, phases=NO_SHRINK)
@given(card_numbers(), st.data())
def test_a_card_number_read_over_several_utterances_is_never_readable(
    pan: str, data: st.DataObject
) -> None:
    """At most the first six digits (what PCI DSS allows to be shown) stay readable, and only
    when nothing in the call said it was a card."""
    asked = data.draw(st.booleans())
    r = CallRedactor()
    outs = []
    t = 0.0
    if asked:
        outs.append(r.redact("agent", "Can I take the card number please?", t, t + 2))
        t += 3
    k = 0
    while k < len(pan):
        size = data.draw(st.integers(1, 6))
        piece = pan[k : k + size]
        k += size
        said = piece if data.draw(st.booleans()) else data.draw(spoken_piece(piece))
        if k == size and data.draw(st.booleans()):
            said = data.draw(st.sampled_from(["It's ", "Yeah, ", "Okay, so "])) + said
        outs.append(r.redact("customer", said, t, t + 1.5))
        t += 2.0
        if data.draw(st.booleans()):  # the agent acknowledges each group
            outs.append(
                r.redact(
                    "agent", data.draw(st.sampled_from(["Yep.", "Okay.", "Mm-hm."])), t, t + 0.5
                )
            )
            t += 1.0
    shown = readable_digits(" ".join(outs))
    assert len(shown) <= 6, (pan, outs)
    if asked:
        assert shown == "", (pan, outs)


@settings(max_examples=300, deadline=None, phases=NO_SHRINK)
@given(st.lists(st.text(max_size=120), min_size=1, max_size=5))
def test_any_text_is_redacted_without_error(lines: list[str]) -> None:
    r = CallRedactor()
    for k, line in enumerate(lines):
        out = r.redact("customer" if k % 2 else "agent", line, 2.0 * k, 2.0 * k + 1)
        assert isinstance(out, str)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(WORDS + ZERO_WORDS + ["double", "triple", "and", "um", ","]), max_size=40
    )
)
def test_number_word_soup_is_redacted_without_error(words: list[str]) -> None:
    assert isinstance(redact_text(" ".join(words)), str)
