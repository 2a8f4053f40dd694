"""Opening the review window as its own application (`callcoach review`) or from the tray."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.ui.interrupt import quit_on_ctrl_c
from app.ui.review.palette import apply_palette, system_prefers_dark
from app.ui.review.window import ReviewWindow


def open_review_window(paths: Sequence[Path], settings: Settings) -> ReviewWindow:
    """A review window inside a running QApplication (the tray's "Review calls…")."""
    window = ReviewWindow(settings)
    window.show()
    if paths:
        window.open_paths(list(paths))
    return window


def run_review(paths: Sequence[Path], settings: Settings) -> int:
    """`callcoach review [CALL ...]`: the window until it is closed; the exit code."""
    app = QApplication.instance()
    own = app is None
    if not isinstance(app, QApplication):
        app = QApplication(["callcoach review"])
        app.setApplicationName("callcoach")
    dark = system_prefers_dark()
    apply_palette(app, dark)
    window = open_review_window(paths, settings)
    window.set_dark(dark)
    if not own:
        return 0
    with quit_on_ctrl_c(app.quit):
        return int(app.exec())
