"""The transcript as the review window lists it: lines in call-time order, and which line is
current at a given time (the list follows playback) or where a line starts (clicking seeks)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any


class TranscriptTimeline:
    """Utterances of a report sorted by start time (both speakers interleaved).

    `lines[i]` is the report's utterance dict; `report_index[i]` its index in the report."""

    def __init__(self, utterances: Sequence[Mapping[str, Any]]) -> None:
        order = sorted(range(len(utterances)), key=lambda i: (_num(utterances[i], "start"), i))
        self.report_index = order
        self.lines = [utterances[i] for i in order]
        self._starts = [_num(u, "start") for u in self.lines]

    def __len__(self) -> int:
        return len(self.lines)

    def start_of(self, line: int) -> float:
        return self._starts[line]

    def line_at(self, t: float) -> int | None:
        """The line being spoken at call time `t`: the latest-started line that has started by
        then (in a pause, the line before it stays current); None before the first line."""
        i = bisect_right(self._starts, t) - 1
        return i if i >= 0 else None


def _num(row: Mapping[str, Any], key: str) -> float:
    value = row.get(key, 0.0)
    return float(value) if isinstance(value, int | float) else 0.0
