"""Recall and precision of PII redaction per kind, written and spoken forms separately: callcoach's
own redactor (app/privacy) and Microsoft Presidio's pattern recognizers side by side, on the PII
test set of tests/privacy (hand-written ASR-style lines and calls, generated variants, negatives).

Presidio needs a spaCy model for its AnalyzerEngine; its pattern recognizers run without one and
are used directly here (credit card, phone via `phonenumbers` for GB and US, e-mail, US SSN, UK
NINO, IBAN, US bank number, date, UK postcode), each line on its own (Presidio has no notion of a
call), every result kept (the AnalyzerEngine's default score threshold is 0). Its e-mail
recognizer (tldextract) tries to download the public suffix list at first use: one more reason it
is measured here and not shipped. presidio-analyzer
pulls in spaCy, so it is not a callcoach dependency; run this benchmark in a separate venv that
has it to see its column:

    python3.11 -m venv /tmp/presidio-venv && /tmp/presidio-venv/bin/pip install presidio-analyzer
    PYTHONPATH=$PWD /tmp/presidio-venv/bin/python -m benchmarks.pii_recall
    .venv/bin/python -m benchmarks.pii_recall            # callcoach only

`--misses` lists the lines each redactor got wrong; `--set hand|generated|holdout` scores one
file of the set (holdout: lines written after the redactor, see tests/privacy/pii_set.py).
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from typing import Any

from app.privacy import KINDS, CallRedactor
from tests.privacy.pii_set import (
    FILES,
    GENERATED,
    HAND,
    HOLDOUT,
    CallFn,
    Row,
    Score,
    load_rows,
    score,
)

PRESIDIO_KINDS = {
    "CREDIT_CARD": "CARD",
    "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL",
    "US_SSN": "SSN",
    "UK_NINO": "NI",
    "IBAN_CODE": "ACCOUNT",
    "US_BANK_NUMBER": "ACCOUNT",
    "DATE_TIME": "DOB",
    "UK_POSTCODE": "ADDRESS",
}


def presidio_factory() -> tuple[Callable[[], CallFn] | None, str]:
    try:
        from presidio_analyzer import predefined_recognizers as pr
    except ImportError:
        return None, "presidio-analyzer is not installed here (see this file's docstring)"
    from importlib.metadata import version

    # its e-mail recognizer's tldextract tries to download the public suffix list (and falls back
    # to its bundled copy when offline): a network attempt callcoach must never make
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    recognizers: list[Any] = [
        pr.CreditCardRecognizer(),
        pr.PhoneRecognizer(supported_regions=("GB", "US")),
        pr.EmailRecognizer(),
        pr.UsSsnRecognizer(),
        pr.UkNinoRecognizer(),
        pr.IbanRecognizer(),
        pr.UsBankRecognizer(),
        pr.DateRecognizer(),
    ]
    if hasattr(pr, "UkPostcodeRecognizer"):
        recognizers.append(pr.UkPostcodeRecognizer())

    def redact(_speaker: str, text: str, _start: float, _end: float) -> str:
        found = []
        for rec in recognizers:
            for r in rec.analyze(text, rec.supported_entities, None):
                if r.entity_type in PRESIDIO_KINDS:
                    found.append((r.score, r.end - r.start, r.start, r.end, r.entity_type))
        chosen: list[tuple[int, int, str]] = []
        for _, _, start, end, kind in sorted(found, reverse=True):
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, PRESIDIO_KINDS[kind]))
        out = text
        for start, end, kind in sorted(chosen, reverse=True):
            out = out[:start] + f"[{kind}]" + out[end:]
        return out

    return (lambda: redact), f"presidio-analyzer {version('presidio-analyzer')}"


def _cell(score: Score | None, kind: str, form: str) -> str:
    if score is None:
        return f"{'-':>17}"
    t = score.tallies.get((kind, form))
    if t is None or t.tp + t.fn + t.fp == 0:
        return f"{'':>17}"
    precision = f"{t.precision:5.2f}" if t.tp + t.fp else "    -"  # nothing found
    return f"{t.recall:5.2f} {precision} {t.tp + t.fn:5d}"


def _report(ours: Score, theirs: Score | None, label: str) -> None:
    print(f"{'kind':<10} {'form':<8} | {'callcoach R    P    n':>21} | {label[:26]:>26}")
    for kind in KINDS:
        for form in ("written", "spoken"):
            mine, other = _cell(ours, kind, form), _cell(theirs, kind, form)
            print(f"{kind:<10} {form:<8} |   {mine}   |   {other}")
    for form in ("written", "spoken"):
        print(f"{'ALL':<10} {form:<8} |   {_micro(ours, form)}   |   {_micro(theirs, form)}")
    exact = f"{ours.exact / ours.lines:.3f}"
    other = f"{theirs.exact / theirs.lines:.3f}" if theirs else "-"
    print(f"exact lines: callcoach {exact}  {label}: {other}  (of {ours.lines})")


def _micro(score: Score | None, form: str) -> str:
    if score is None:
        return f"{'-':>17}"
    tp = sum(t.tp for (_, f), t in score.tallies.items() if f == form)
    fp = sum(t.fp for (_, f), t in score.tallies.items() if f == form)
    fn = sum(t.fn for (_, f), t in score.tallies.items() if f == form)
    r = tp / (tp + fn) if tp + fn else 1.0
    p = f"{tp / (tp + fp):5.2f}" if tp + fp else "    -"
    return f"{r:5.2f} {p} {tp + fn:5d}"


def _misses(name: str, score: Score) -> None:
    print(f"\n{name}: {len(score.misses)} lines not as expected")
    for row, got in score.misses:
        print(f"  [{row.call} {row.form}] {row.text}")
        print(f"      got:      {got}\n      expected: {row.expected}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the lines each got wrong")
    parser.add_argument("--set", choices=["all", "hand", "generated", "holdout"], default="all")
    args = parser.parse_args()
    files = {"all": FILES, "hand": (HAND,), "generated": (GENERATED,), "holdout": (HOLDOUT,)}[
        args.set
    ]
    rows: list[Row] = load_rows(files)
    negatives = sum(1 for r in rows if r.expected == r.text)
    spoken = sum(r.form == "spoken" for r in rows)
    print(
        f"PII test set: {len(rows)} lines ({negatives} with nothing to redact), "
        f"{spoken} spoken, {len(rows) - spoken} written"
    )
    t0 = time.perf_counter()
    ours = score(rows, lambda: CallRedactor().redact)
    t_ours = time.perf_counter() - t0
    factory, label = presidio_factory()
    theirs = None
    t_theirs = 0.0
    if factory is not None:
        t0 = time.perf_counter()
        theirs = score(rows, factory)
        t_theirs = time.perf_counter() - t0
    else:
        print(f"Presidio: {label}")
        label = "presidio (not installed)"
    print(
        "R = recall, P = precision, n = PII items expected; a kind with n = 0 has only false hits\n"
    )
    _report(ours, theirs, label)
    per_line = 1000 * t_ours / len(rows)
    print(f"\ntime per line: callcoach {per_line:.2f} ms", end="")
    print(f", presidio {1000 * t_theirs / len(rows):.2f} ms" if theirs else "")
    if args.misses:
        _misses("callcoach", ours)
        if theirs is not None:
            _misses(label, theirs)


if __name__ == "__main__":
    main()
