"""Replaying an analysed call on the overlay (`callcoach demo` on a machine with a screen).

The events of a `CallResult` are delivered at their call times, sped up `speed` times, through the
same `EventBridge` path the live pipeline uses; the overlay's clock is the replay's clock, so
cards fade after 20 call seconds here just as they would live.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.events import CallEnded, Utterance
from app.ui.bridge import EventBridge
from app.ui.clock import finite
from app.ui.interrupt import quit_on_ctrl_c
from app.ui.overlay import OverlayWindow

if TYPE_CHECKING:  # the pipeline is not imported at run time: the overlay only needs its events
    from app.pipeline.call import CallResult

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


def event_time(event: object, previous: float = 0.0) -> float:
    """Call time at which the pipeline produced `event` (never earlier than `previous`)."""
    if isinstance(event, Utterance):
        t = finite(event.processed_t) or finite(event.end)
    else:
        t = finite(getattr(event, "t", None))
    return previous if t is None else max(previous, t)


class CallReplay(QObject):
    """Sends `events` to `sink` at their call times divided by `speed`; `finished` is emitted
    `linger_ms` after the call ends (or after the last event)."""

    finished = Signal()

    def __init__(
        self, events: Sequence[object], sink: EventBridge, speed: float = 8.0, linger_ms: int = 4000
    ) -> None:
        super().__init__()
        good = finite(speed)
        self.speed = good if good is not None and good > 0 else 8.0
        self._sink = sink
        self._linger_ms = linger_ms
        self._schedule: list[tuple[float, object]] = []
        t = 0.0
        for event in events:
            t = event_time(event, t)
            self._schedule.append((t, event))
        self._next = 0
        self._elapsed = QElapsedTimer()
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._step)

    def call_time(self) -> float:
        if not self._elapsed.isValid():
            return 0.0
        return self._elapsed.elapsed() / 1000.0 * self.speed

    def start(self) -> None:
        self._elapsed.start()
        self._step()

    def _step(self) -> None:
        now = self.call_time()
        while self._next < len(self._schedule) and self._schedule[self._next][0] <= now:
            event = self._schedule[self._next][1]
            self._next += 1
            self._sink.sink(event)
            if isinstance(event, CallEnded):
                self._next = len(self._schedule)
        if self._next >= len(self._schedule):
            QTimer.singleShot(self._linger_ms, self, self.finished.emit)
            return
        wait_s = (self._schedule[self._next][0] - now) / self.speed
        self._timer.start(max(0, round(wait_s * 1000)))


def replay_on_overlay(
    result: CallResult, settings: Settings, speed: float = 8.0, linger_s: float = 4.0
) -> None:
    """Show the overlay and replay `result.events` on it, `speed` times faster than the call;
    returns `linger_s` seconds after the call ends, when the overlay has closed.

    `settings` is taken for symmetry with the live path (nothing in it changes the overlay yet).
    Outcomes clicked during a replay are logged: the analysis they belong to is already written.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    bridge = EventBridge()
    replay = CallReplay(list(result.events), bridge, speed, round(max(0.0, linger_s) * 1000))
    overlay = OverlayWindow(
        lambda pid, outcome, t: log.info("demo: %s %s at %.1f s", pid, outcome, t),
        clock=replay.call_time,
        hide_when_idle=False,
        idle_after_call_ms=60_000,
    )
    bridge.connect_to(overlay.handle_event)
    overlay.show()
    name = getattr(getattr(result, "path", None), "name", "call")
    overlay.show_status("info", f"Replaying {name} at ×{replay.speed:g}")

    loop = QEventLoop()
    replay.finished.connect(loop.quit)
    try:
        with quit_on_ctrl_c(loop.quit):
            replay.start()
            loop.exec()
    finally:
        bridge.close()
        overlay.close()
        overlay.deleteLater()
        app.processEvents()
        log.info("replay finished: %d outcome(s) marked", len(overlay.outcomes))
