"""What was wrong with a recording and what was done about it: the report's `warnings`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
        """One line in words (stderr); the report page's `warning_text` says it the same way."""
        said = [f"{self.duration_s:.1f} s" if self.length_known else "length unknown"]
        if self.count is not None:
            said.append(str(self.count))
        elif self.length_known and self.duration_s == 0.0:
            said = []  # a note about the whole file ("channels chosen"): no length to give
        if not said and self.start_s == 0.0:
            out = self.what  # nor a place: "streams joined: ...", not "at 0.0 s"
        else:
            out = f"{self.what} at {self.start_s:.1f} s" + (f" ({', '.join(said)})" if said else "")
        return out + (f": {self.detail}" if self.detail else "")
