"""The review window's commands: the File, View and Help menus with the dialogs behind them
(open, locate audio, export), the keyboard shortcuts, and the table of shortcuts that Help
shows (kept beside the bindings it describes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.errors import CallcoachError, one_line

if TYPE_CHECKING:
    from app.ui.review.window import ReviewWindow

SHORTCUTS = (
    ("Space", "play / pause"),
    ("Left / Right", "back / forward 5 s"),
    ("Shift+Left / Shift+Right", "back / forward 30 s"),
    ("Home / End", "start / end of the call"),
    ("+ / -", "faster / slower (0.5–2×)"),
    ("N / P", "next / previous card"),
    ("Z", "zoom: two minutes around the playhead / the whole call"),
    ("Ctrl+wheel / wheel", "zoom the timeline / scroll it when zoomed"),
    ("Enter (transcript)", "play from that line"),
    ("Ctrl+O", "open a recording or report"),
    ("Ctrl+E", "export the call's report"),
    ("Ctrl+F", "search the transcript"),
    ("Ctrl+D", "dark / light palette"),
)


def add_menus(window: ReviewWindow) -> tuple[QAction, QAction, QAction, QAction]:
    """File (open, locate audio, export, close), View (dark palette), Help (shortcuts); returns
    the open, locate-audio, export and dark-palette actions."""
    menu = window.menuBar().addMenu("&File")
    open_action = QAction("&Open recording or report…", window)
    open_action.setShortcut(QKeySequence.StandardKey.Open)
    locate_action = QAction("&Locate audio…", window)
    export_action = QAction("&Export report…", window)
    export_action.setShortcut(QKeySequence("Ctrl+E"))
    menu.addActions([open_action, locate_action, export_action])
    menu.addSeparator()
    menu.addAction("&Close", QKeySequence.StandardKey.Close, window.close)
    view = window.menuBar().addMenu("&View")
    dark_action = QAction("&Dark palette", window, checkable=True)
    dark_action.setShortcut(QKeySequence("Ctrl+D"))
    view.addAction(dark_action)
    help_menu = window.menuBar().addMenu("&Help")
    help_menu.addAction("&Keyboard shortcuts", QKeySequence("F1"), window.show_shortcuts)
    open_action.triggered.connect(lambda: open_dialog(window))
    locate_action.triggered.connect(lambda: locate_dialog(window))
    export_action.triggered.connect(lambda: export_dialog(window))
    return open_action, locate_action, export_action, dark_action


def add_shortcuts(window: ReviewWindow) -> None:
    """The keys of SHORTCUTS that no menu action carries."""
    playback = window.playback

    def key(seq: str, slot: Callable[[], object]) -> None:
        QShortcut(QKeySequence(seq), window, slot)

    key("Space", playback.toggle)
    key("Left", lambda: playback.skip(-5))
    key("Right", lambda: playback.skip(5))
    key("Shift+Left", lambda: playback.skip(-30))
    key("Shift+Right", lambda: playback.skip(30))
    key("Home", lambda: playback.seek(0))
    key("End", lambda: playback.seek(playback.end))
    for seq in ("+", "=", "Shift++"):
        key(seq, lambda: window.step_speed(1))
    key("-", lambda: window.step_speed(-1))
    key("N", lambda: window.step_prompt(1))
    key("P", lambda: window.step_prompt(-1))
    key("Z", window.toggle_zoom)
    key("Ctrl+F", window.transcript_search.setFocus)


def show_shortcuts(parent: QWidget) -> None:
    rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
    QMessageBox.information(parent, "Keyboard shortcuts", f"<table>{rows}</table>")


def export_dialog(window: ReviewWindow) -> None:
    if window.current is None:
        window.show_message("Open a call first.", error=True)
        return
    folder = QFileDialog.getExistingDirectory(window, "Export the call's report to…")
    if not folder:
        return
    try:
        written = window.export_to(Path(folder))
    except (OSError, CallcoachError) as exc:
        window.show_message(f"Export failed: {one_line(exc)}", error=True)
        return
    window.show_message("Exported " + ", ".join(p.name for p in written) + f" to {folder}")


def open_dialog(window: ReviewWindow) -> None:
    files, _ = QFileDialog.getOpenFileNames(
        window,
        "Open recordings or reports",
        "",
        "Calls (*.json *.wav *.flac *.ogg *.mp3 *.m4a *.opus);;All files (*)",
    )
    if files:
        window.open_paths([Path(f) for f in files])


def locate_dialog(window: ReviewWindow) -> None:
    call = window.current
    if call is None or call.report is None:
        return
    name, _ = QFileDialog.getOpenFileName(window, f"Where is {call.report.get('call')}?")
    if name:
        window.set_audio(Path(name))
