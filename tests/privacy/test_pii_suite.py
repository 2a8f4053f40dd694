"""The PII test set (550+ written and spoken lines, with order numbers, prices, times and other
negatives) through the call redactor: recall and precision per kind and form.

Thresholds: a card number that stays readable is a PCI DSS breach, so cards need recall ≥ 0.97
in both forms (the one designed miss: the first four digits of a card read in pieces with no word
saying it is a card, see app/privacy/redactor.py; that no whole card number is ever readable is
checked by the property tests). Every other kind needs recall ≥ 0.9 and precision ≥ 0.9: a miss
leaks personal data, a false hit hides what QA needs to read (order numbers, prices, times).
"""

from __future__ import annotations

import csv
import io
import random

import pytest

from app.privacy import CallRedactor
from tests.privacy import make_pii_cases
from tests.privacy.pii_set import GENERATED, load_rows, score

ROWS = load_rows()
SCORE = score(ROWS, lambda: CallRedactor().redact)
KINDS = ["CARD", "CVV", "EXPIRY", "ACCOUNT", "SORT_CODE", "SSN", "NI", "PHONE", "EMAIL", "DOB"]
KINDS += ["ADDRESS", "PIN"]


def test_the_set_is_large_and_mixed() -> None:
    assert len(ROWS) >= 300
    forms = {r.form for r in ROWS}
    assert forms == {"written", "spoken"}
    negatives = [r for r in ROWS if r.expected == r.text]
    assert len(negatives) >= 80
    assert {k for k, _ in SCORE.tallies} == set(KINDS)


def test_generated_cases_are_up_to_date() -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(["call", "speaker", "form", "text", "expected"])
    for k, (form, text, expected) in enumerate(make_pii_cases.rows(random.Random(17))):
        writer.writerow([f"g{k:03d}", "customer", form, text, expected])
    assert buf.getvalue() == GENERATED.read_text(encoding="utf-8")


@pytest.mark.parametrize("form", ["written", "spoken"])
@pytest.mark.parametrize("kind", KINDS)
def test_recall_and_precision(kind: str, form: str) -> None:
    t = SCORE.tallies[(kind, form)]
    low = 0.97 if kind == "CARD" else 0.9
    assert t.recall >= low, (kind, form, t, SCORE.misses)
    assert t.precision >= 0.9, (kind, form, t, SCORE.misses)


def test_most_lines_come_out_exactly_as_expected() -> None:
    assert SCORE.exact / SCORE.lines >= 0.95, SCORE.misses


def test_negatives_stay_readable() -> None:
    """Order numbers, prices, times, quantities, years, "one of them", "oh I see"."""
    kept = [r for r in ROWS if r.expected == r.text and r.call.startswith("h")]
    changed = [(r.text, got) for r, got in SCORE.misses if r in kept]
    assert len(changed) <= len(kept) // 20, changed


def test_off_means_unchanged() -> None:
    from app.config import PrivacySettings
    from app.pipeline.backend import BackEnd

    back = BackEnd(None, None, None, privacy=PrivacySettings(redact_pii=False))  # type: ignore[arg-type]
    assert back.redactor is None
    back = BackEnd(None, None, None)  # type: ignore[arg-type]
    assert back.redactor is not None  # on by default
