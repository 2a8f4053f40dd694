"""Ctrl+C while a Qt event loop runs: quit the loop cleanly instead of being ignored."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QTimer


@contextmanager
def quit_on_ctrl_c(quit_loop: Callable[[], object]) -> Iterator[None]:
    """While inside: SIGINT calls `quit_loop`. A light timer wakes the interpreter so Python
    can run its signal handler while Qt waits; both are undone on exit."""
    wake = QTimer(interval=200)
    wake.timeout.connect(lambda: None)
    wake.start()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: quit_loop())
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        wake.stop()
