"""What was wrong with a recording and what was done about it: the report's `warnings`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.report.fields import number


@dataclass(frozen=True, slots=True)
class AudioRepair:
    """Something wrong with a recording that the reader repaired (or could not), with where.

    `what` is a short kind ("corrupt stretch", "non-finite samples", "truncated",
    "unreadable tail", "corrupt packets", "DC offset", ...), `start_s` and `duration_s` are call
    time, `count` the number of samples, packets or stretches where that means something.
    """

    what: str
    start_s: float
    duration_s: float
    count: int | None = None
    detail: str = ""
    length_known: bool = True  # False: how much is affected cannot be known (duration_s is 0)
    speaker: str = ""  # the side it is about, where it is about one ("silent channel")

    def to_report(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "what": self.what,
            "where": round(self.start_s, 2),
            "how_long": round(self.duration_s, 2) if self.length_known else None,
        }
        if self.count is not None:
            row["count"] = self.count
        if self.detail:
            row["detail"] = self.detail
        if self.speaker:
            row["speaker"] = self.speaker
        return row

    def text(self) -> str:
        """One line in words (stderr), the place in seconds: `warning_words` of its report row."""
        return warning_words(self.to_report())


def _seconds(t: float) -> str:
    return f"{t:.1f} s"


def warning_words(row: Mapping[str, Any], place: Callable[[float], str] = _seconds) -> str:
    """One report warning (`AudioRepair.to_report`'s row, maybe from an older report) in words:
    stderr gives its place in seconds, the report page and the review window as a clock
    (`place`). A note about the whole file ("streams joined", "channels chosen": no place, no
    length) is its kind and detail alone."""
    what = str(row.get("what") or "repair")
    where = number(row.get("where")) or 0.0
    how_long, count = number(row.get("how_long")), row.get("count")
    said = []
    if how_long is not None and (how_long or count is not None):
        said.append(f"{how_long:.1f} s")
    elif how_long is None and "how_long" in row:  # null: how much is affected cannot be known
        said.append("length unknown")
    if count is not None:
        said.append(str(count))
    if not said and where == 0.0:
        out = what
    else:
        out = f"{what} at {place(where)}" + (f" ({', '.join(said)})" if said else "")
    detail = row.get("detail")
    return out + (f": {detail}" if detail else "")
