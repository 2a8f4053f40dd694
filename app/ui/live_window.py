"""`callcoach live` with a screen: the overlay and tray driving live sessions.

The session's worker threads hand events to an `EventBridge`, which delivers them on the GUI
thread; the overlay's done/dismiss clicks go back to the session's queue (never straight into the
coach, which lives on a worker thread). "Stop listening" in the tray ends the call; "Start
listening" begins a new one with a fresh session.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.config import Settings, default_settings_path
from app.events import Event
from app.ui.bridge import EventBridge
from app.ui.hotkeys import GlobalHotkeys
from app.ui.interrupt import quit_on_ctrl_c
from app.ui.overlay import OverlayWindow
from app.ui.tray import CallcoachTray

if TYPE_CHECKING:
    from app.pipeline.live import LiveSession

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
LINGER_MS = 8000  # keep the after-call card up this long once a replayed call has ended


class LiveController:
    """Owns the current session and keeps the overlay and tray in step with it."""

    def __init__(
        self,
        make_session: Callable[[], LiveSession],
        overlay: OverlayWindow,
        bridge: EventBridge,
        on_finished: Callable[[], None],
    ) -> None:
        self._make_session = make_session
        self.overlay = overlay
        self.bridge = bridge
        self.tray: CallcoachTray | None = None
        self.session: LiveSession | None = None
        self._on_finished = on_finished
        self._watcher = QTimer(overlay, interval=200)  # dies with the overlay
        self._watcher.timeout.connect(self._check_finished)

    def start(self) -> None:
        if self.session is not None and not self.session.finished.is_set():
            return
        try:
            session = self._make_session()
        except Exception as exc:  # a device or file problem: show it, keep the overlay up
            log.exception("cannot start listening")
            self.overlay.show_status("error", f"cannot start listening: {exc}")
            return
        session.sinks.append(self._forward)
        self.session = session
        self.overlay.set_idle(False)
        session.start()
        self._set_capturing(True)
        self._watcher.start()

    def stop(self) -> None:
        if self.session is not None:
            self.session.stop()

    def record_outcome(self, prompt_id: str, outcome: str, t: float) -> None:
        if self.session is not None:
            self.session.record_outcome(prompt_id, outcome)

    def call_time(self) -> float:
        return self.session.call_t if self.session is not None else 0.0

    def _forward(self, event: Event, call_t: float, wall_t: float) -> None:
        self.bridge.sink(event)

    def _set_capturing(self, capturing: bool) -> None:
        self.overlay.set_capturing(capturing)
        if self.tray is not None:
            self.tray.set_capturing(capturing)

    def _check_finished(self) -> None:
        if self.session is not None and self.session.finished.is_set():
            self._watcher.stop()
            self._set_capturing(False)
            self._on_finished()


def run_live_window(
    make_session: Callable[[], LiveSession], settings: Settings, quit_when_done: bool = False
) -> LiveSession | None:
    """Show the overlay and tray, start listening, and return the last session when the user
    quits (or, with `quit_when_done`, a little after the call ends)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QApplication.setQuitOnLastWindowClosed(False)
    bridge = EventBridge()
    controller: LiveController

    def finished() -> None:
        if quit_when_done:
            QTimer.singleShot(LINGER_MS, app.quit)

    overlay = OverlayWindow(
        lambda pid, outcome, t: controller.record_outcome(pid, outcome, t),
        clock=lambda: controller.call_time(),
    )
    controller = LiveController(make_session, overlay, bridge, finished)
    bridge.connect_to(overlay.handle_event)
    overlay.status_changed.connect(lambda level, msg: log.info("%s: %s", level, msg))
    reviews: list[QWidget] = []  # open review windows (kept referenced while shown)

    def open_review() -> None:
        from app.ui.review.launch import open_review_window

        reviews[:] = [w for w in reviews if w.isVisible()]
        reviews.append(open_review_window([], settings))

    tray = CallcoachTray(
        on_start=controller.start,
        on_stop=controller.stop,
        on_open_review=open_review,
        on_quit=app.quit,
        settings_path=default_settings_path(),
        list_devices=_devices,
        current_device=settings.audio.stereo_device or settings.audio.agent_device,
    )
    controller.tray = tray
    tray.show_if_available()
    done_keys, dismiss_keys = (s.key().toString() for s in overlay.shortcuts)
    hotkeys = GlobalHotkeys(done_keys, dismiss_keys)
    hotkeys.done.connect(overlay.mark_done)
    hotkeys.dismiss.connect(overlay.dismiss)
    if hotkeys.start():
        for shortcut in overlay.shortcuts:  # the same keys must not act twice
            shortcut.setEnabled(False)

    try:
        with quit_on_ctrl_c(app.quit):
            overlay.show()
            controller.start()
            app.exec()
    finally:
        hotkeys.stop()
        controller.stop()
        if controller.session is not None:
            controller.session.wait(timeout=30)
        bridge.close()
        tray.hide()
        overlay.close()
    return controller.session


def _devices() -> list[tuple[str, str]]:
    from app.audio.capture import list_input_devices

    return [(str(d.id), f"{d.name} ({d.channels} ch)") for d in list_input_devices()]
