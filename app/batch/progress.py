"""The batch's progress bar on a terminal (tqdm), silent otherwise.

tqdm rather than rich: it is already installed with faster-whisper (no new dependency), writes
one line to standard error, and `tqdm.write` keeps the per-call lines above the bar. The bar
counts seconds of audio (the ETA follows call length, not the number of calls); the number of
calls done is shown beside it.
"""

from __future__ import annotations

import sys
from typing import Any

_FORMAT = "{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]"


class Progress:
    def __init__(self, enabled: bool | None = None) -> None:
        if enabled is None:
            try:
                enabled = sys.stderr.isatty()
            except (AttributeError, ValueError):
                enabled = False
        self.enabled = enabled
        self.bar: Any = None
        self.calls = 0
        self.done = 0
        self.stage = ""

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def _new(self, desc: str, total: float) -> None:
        self._close()
        if not self.enabled:
            return
        from tqdm import tqdm

        self.bar = tqdm(
            total=total, desc=desc, file=sys.stderr, bar_format=_FORMAT, dynamic_ncols=True
        )

    def start_checking(self, calls: int) -> None:
        """Hashing each call (what resume compares) before the work starts."""
        self.calls = calls
        self.done = 0
        self.stage = "checked"
        self._new("checking", calls)
        self._postfix()

    def checked(self) -> None:
        if self.bar is not None:
            self.done += 1
            self.bar.update(1)
            self._postfix()

    def start_analysing(self, calls: int, audio_s: float) -> None:
        self.calls = calls
        self.done = 0
        self.stage = "done"
        self._new("analysing", max(audio_s, 1e-9))
        self._postfix()

    def skipped(self) -> None:
        """A call already done or that failed before any work: counted, no audio time."""
        self.done += 1
        self._postfix()

    def analysed(self, audio_s: float) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(audio_s)
        self._postfix()

    def _postfix(self) -> None:
        if self.bar is not None:
            self.bar.set_description_str(f"{self.done}/{self.calls} calls {self.stage}")

    @staticmethod
    def write(line: str) -> None:
        """A line to standard error that does not break the bar."""
        from tqdm import tqdm

        tqdm.write(line, file=sys.stderr)
