"""Stopping a batch cleanly: Ctrl-C and SIGTERM end it between writes, never in the middle of
one, so every manifest line's outputs are complete."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any


class BatchInterrupted(BaseException):
    """Ctrl-C or SIGTERM. A BaseException, like KeyboardInterrupt, so that no `except
    Exception` on the way (a call's own error handling) can take it for that call's failure."""

    def __init__(self, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame


class StopSignals:
    """Ctrl-C and SIGTERM stop the batch between writes, never in the middle of one: inside
    `writing()` a signal is held and raised as BatchInterrupted when the write is over."""

    def __init__(self) -> None:
        self.pending: str | None = None
        self.critical = 0
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.critical:
            self.pending = self.pending or name
        else:
            raise BatchInterrupted(name)

    def writing(self) -> _Writing:
        return _Writing(self)


class _Writing:
    def __init__(self, signals: StopSignals) -> None:
        self.signals = signals

    def __enter__(self) -> None:
        self.signals.critical += 1

    def __exit__(self, *exc: object) -> None:
        self.signals.critical -= 1
        if not self.signals.critical and self.signals.pending:
            raise BatchInterrupted(self.signals.pending)
