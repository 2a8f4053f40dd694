"""The per-call CSV of utterances, for spreadsheets and QA scripts.

One row per utterance: call, speaker, start, end, text, tone, words, frustration. Written with
the csv module (quoting, embedded newlines and commas handled), UTF-8 without a byte-order mark
(what scripts expect; a BOM would end up in the first column's name). Text cells that a
spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return: the
OWASP list) get a leading apostrophe, so a transcript line like "=HYPERLINK(...)" stays text.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from app.report.files import write_atomically

COLUMNS = ("call", "speaker", "start", "end", "text", "tone", "words", "frustration")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A text cell that a spreadsheet will show as text, never evaluate."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _number(value: Any, digits: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    v = float(value)
    return f"{v:.{digits}f}" if math.isfinite(v) else ""


def utterance_rows(report: Mapping[str, Any]) -> Iterable[list[str]]:
    call = neutralise(str(report.get("call", "")))
    for u in report.get("utterances") or []:
        if not isinstance(u, Mapping):
            continue
        yield [
            call,
            neutralise(str(u.get("speaker", ""))),
            _number(u.get("start"), 2),
            _number(u.get("end"), 2),
            neutralise(str(u.get("text", ""))),
            _number(u.get("tone"), 3),
            _number(u.get("words"), 3),
            _number(u.get("frustration"), 3),
        ]


def write_rows(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)


def write_csv_atomically(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> Path:
    return write_atomically(path, lambda out: write_rows(out, header, rows), newline="")


def write_utterances_csv(report: Mapping[str, Any], path: Path) -> Path:
    """Write the call's utterances to `path` as CSV (one row per utterance, a header first)."""
    return write_csv_atomically(path, COLUMNS, utterance_rows(report))
