"""The one door between the pipeline's worker threads and the Qt GUI thread.

The pipeline calls `bridge.sink(event)` from whatever thread produced the event; the event is
posted through a queued connection and `event_received` is emitted on the thread the bridge lives
in (create it on the GUI thread). The GUI only ever receives finished events: it never calls a
model and never blocks a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


class EventBridge(QObject):
    """`sink(event)` from any thread; `event_received(event)` on the bridge's (GUI) thread."""

    event_received = Signal(object)
    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = False
        # queued even when emitted from the GUI thread itself, so delivery order is the same
        # whichever thread the event came from
        self._posted.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def sink(self, event: Any) -> None:
        """Thread-safe; never blocks and never raises (a closed bridge drops the event)."""
        if self._closed:
            return
        try:
            self._posted.emit(event)
        except RuntimeError:  # the C++ object is gone (application shutting down)
            self._closed = True

    def connect_to(self, handler: Callable[[Any], None]) -> None:
        """Deliver every event to `handler` on the GUI thread (`OverlayWindow.handle_event`)."""
        self.event_received.connect(handler)

    def close(self) -> None:
        """Stop delivering: events sunk after this are dropped."""
        self._closed = True

    @Slot(object)
    def _deliver(self, event: Any) -> None:
        if not self._closed:
            self.event_received.emit(event)
