"""Work off the GUI thread (analysing a recording, computing waveform peaks): a plain thread
that reports progress, its result or one line of error back through queued signals."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.errors import one_line

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

Work = Callable[[Callable[[float], None], Callable[[], bool]], Any]

# While a job decodes audio, Python hands the GIL between threads every 1 ms instead of 5 ms:
# measured on a one-hour FLAC under load, the GUI thread's 10 ms timer then had 0 gaps over
# 100 ms instead of 5 in 8 s (the same as with no job). Restored when the last job ends.
JOB_SWITCH_INTERVAL_S = 0.001
_running = 0
_saved_interval = 0.0
_interval_lock = threading.Lock()


def _job_started() -> None:
    global _running, _saved_interval
    with _interval_lock:
        if _running == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved_interval, JOB_SWITCH_INTERVAL_S))
        _running += 1


def _job_ended() -> None:
    global _running
    with _interval_lock:
        _running -= 1
        if _running == 0:
            sys.setswitchinterval(_saved_interval)


class Job(QObject):
    """`work(progress, cancelled)` in a thread; `progress(float)`, then `done(result)` or
    `failed(message)` or `cancelled()` on the GUI thread (connect with queued connections or to
    QObject slots: the signals are emitted from the worker)."""

    progress = Signal(float)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self, work: Work, name: str, cancel_types: tuple[type[BaseException], ...] = ()
    ) -> None:
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self._cancel_types = cancel_types
        self._percent = -1
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        _job_started()
        try:
            self._thread.start()
        except BaseException:
            _job_ended()
            raise

    def cancel(self) -> None:
        self._cancel.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self._run_work()
        finally:
            _job_ended()

    def _run_work(self) -> None:
        try:
            result = self._work(self._report, self._cancel.is_set)
        except self._cancel_types:
            self._emit(self.cancelled)
            return
        except Exception as exc:
            log.info("%s failed", self._thread.name, exc_info=True)
            self._emit(self.failed, one_line(str(exc)) or type(exc).__name__)
            return
        if self._cancel.is_set():
            self._emit(self.cancelled)
        else:
            self._emit(self.done, result)

    def _report(self, fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != self._percent:  # at most 101 updates, however many blocks
            self._percent = percent
            self._emit(self.progress, float(fraction))

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the window (this object's C++ side) is gone
            signal.emit(*args)
