"""The PII test set (pii_hand.tsv: hand-written ASR-style lines and calls; pii_generated.tsv:
made by make_pii_cases.py) and its scoring, shared by the tests and benchmarks/pii_recall.py.

Each row: call id, speaker, form (written/spoken), text, expected text. Rows with the same call
id are one call, in order. Scoring compares the placeholders of the expected and the produced
text per row and kind: a kind expected n times and produced m times gives min(n, m) true
positives; a line counts as exact when the produced text equals the expected one.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = (HERE / "pii_hand.tsv", HERE / "pii_generated.tsv")
_PLACEHOLDER = re.compile(r"\[([A-Z_]+)\]")


@dataclass(frozen=True)
class Row:
    call: str
    speaker: str
    form: str
    text: str
    expected: str


def load_rows(files: Iterable[Path] = FILES) -> list[Row]:
    rows = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                rows.append(
                    Row(rec["call"], rec["speaker"], rec["form"], rec["text"], rec["expected"])
                )
    return rows


def calls(rows: list[Row]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row.call, []).append(row)
    return out


def kinds_in(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in _PLACEHOLDER.finditer(text):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


@dataclass
class Score:
    tallies: dict[tuple[str, str], Tally] = field(default_factory=dict)  # (kind, form)
    exact: int = 0
    lines: int = 0
    misses: list[tuple[Row, str]] = field(default_factory=list)

    def tally(self, kind: str, form: str) -> Tally:
        return self.tallies.setdefault((kind, form), Tally())

    def total(self, kind: str) -> Tally:
        t = Tally()
        for (k, _), s in self.tallies.items():
            if k == kind:
                t.tp, t.fp, t.fn = t.tp + s.tp, t.fp + s.fp, t.fn + s.fn
        return t

    def kinds(self) -> list[str]:
        return sorted({k for k, _ in self.tallies})


# a redactor for one call: (speaker, text, start, end) -> redacted text
CallFn = Callable[[str, str, float, float], str]


def score(rows: list[Row], new_call: Callable[[], CallFn]) -> Score:
    result = Score()
    for lines in calls(rows).values():
        redact = new_call()
        for k, row in enumerate(lines):
            got = redact(row.speaker, row.text, 3.0 * k, 3.0 * k + 2.5)
            result.lines += 1
            if got == row.expected:
                result.exact += 1
            else:
                result.misses.append((row, got))
            want, have = kinds_in(row.expected), kinds_in(got)
            for kind in set(want) | set(have):
                t = result.tally(kind, row.form)
                hit = min(want.get(kind, 0), have.get(kind, 0))
                t.tp += hit
                t.fn += want.get(kind, 0) - hit
                t.fp += have.get(kind, 0) - hit
    return result
