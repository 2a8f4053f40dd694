"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on Python 3.11 dropped a
reference to None on every Qt call returning nothing (and to True on every signal emit), so a
window aborted with "Fatal Python error: none_dealloc" after some minutes of painting."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QLabel

CALLS = 2000


class _Emitter(QObject):
    fired = Signal(str)


def test_void_qt_calls_and_emits_keep_none_and_true_alive(qapp: QApplication) -> None:
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        label.setText("x")  # returns None
    assert abs(sys.getrefcount(None) - before) < CALLS // 10

    emitter = _Emitter()
    seen: list[str] = []
    emitter.fired.connect(seen.append)
    before = sys.getrefcount(True)
    for _ in range(CALLS):
        emitter.fired.emit("x")
    assert len(seen) == CALLS
    assert abs(sys.getrefcount(True) - before) < CALLS // 10
