"""`callcoach live` with a screen: the overlay and tray driven by a running `LiveSession`.

The session's worker threads hand events to an `EventBridge`, which delivers them on the GUI
thread; the overlay's done/dismiss clicks go back to the session's queue (never straight into the
coach, which lives on a worker thread).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.config import Settings, default_settings_path
from app.events import Event
from app.ui.bridge import EventBridge
from app.ui.overlay import OverlayWindow
from app.ui.tray import CallcoachTray

if TYPE_CHECKING:
    from app.pipeline.live import LiveSession

log = logging.getLogger(__name__)
LINGER_MS = 8000  # keep the after-call card up this long once a replayed call has ended


def run_live_window(session: LiveSession, settings: Settings) -> None:
    """Show the overlay (and tray), run the session, return when it ends or the user quits."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setQuitOnLastWindowClosed(False)
    bridge = EventBridge()
    overlay = OverlayWindow(
        lambda pid, outcome, t: session.record_outcome(pid, outcome),
        clock=lambda: session.call_t,
    )
    bridge.connect_to(overlay.handle_event)
    overlay.status_changed.connect(lambda level, msg: log.info("%s: %s", level, msg))

    def forward(event: Event, call_t: float, wall_t: float) -> None:
        bridge.sink(event)

    session.sinks.append(forward)
    tray = CallcoachTray(
        on_stop=session.stop,
        on_quit=app.quit,
        settings_path=default_settings_path(),
        list_devices=_devices,
        current_device=settings.audio.stereo_device or settings.audio.agent_device,
    )
    tray.show_if_available()

    watcher = QTimer(interval=200)  # also lets Python's Ctrl+C handler run while Qt waits

    def check_finished() -> None:
        if session.finished.is_set():
            watcher.stop()
            overlay.set_capturing(False)
            tray.set_capturing(False)
            QTimer.singleShot(LINGER_MS, app.quit)

    watcher.timeout.connect(check_finished)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: app.quit())
    try:
        overlay.show()
        session.start()
        overlay.set_capturing(True)
        tray.set_capturing(True)
        watcher.start()
        app.exec()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        session.stop()
        session.wait(timeout=30)
        watcher.stop()
        bridge.close()
        tray.hide()
        overlay.close()


def _devices() -> list[tuple[str, str]]:
    from app.audio.capture import list_input_devices

    return [(str(d.id), f"{d.name} ({d.channels} ch)") for d in list_input_devices()]
