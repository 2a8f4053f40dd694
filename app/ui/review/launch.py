"""Opening the review window as its own application (`callcoach review`) or from the tray."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.config import Settings
from app.errors import CallcoachError, one_line
from app.store import Store, open_store
from app.ui.interrupt import quit_on_ctrl_c
from app.ui.review.palette import apply_palette, system_prefers_dark
from app.ui.review.window import ReviewWindow


def _open_store(settings: Settings) -> tuple[Store | None, str]:
    """The configured call store, or None and why (turned off, or it cannot be opened)."""
    if not settings.store.enabled:
        return None, "store.enabled = false"
    try:
        return open_store(settings), ""
    except CallcoachError as exc:
        return None, one_line(exc)


def open_review_window(paths: Sequence[Path], settings: Settings) -> ReviewWindow:
    """A review window inside a running QApplication (the tray's "Review calls…") over the
    configured call store."""
    store, problem = _open_store(settings)
    window = ReviewWindow(settings, store=store)
    window.store_problem = problem
    if store is not None:
        window.destroyed.connect(store.close)
    window.refresh_calls()
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
