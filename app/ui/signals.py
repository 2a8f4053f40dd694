"""Emitting Qt signals from Python without the PySide6 6.12.0 reference bug.

PySide6 6.12.0's `Signal.emit()` returns `True` (or `False`) without taking a reference to it,
so every emit from Python leaves the interpreter one reference short. On Python 3.11, where
`True` is an ordinary object, a few hundred emits later the process aborts ("Fatal Python
error: bool_dealloc"). Signals emitted by Qt itself (QTimer.timeout, clicked, ...) are not
affected. `emit()` below checks once per process whether the installed PySide6 loses the
reference and, only then, gives it back after each emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Probe(QObject):
    ping = Signal()


def _emit_loses_a_reference() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.ping.emit()
    lost = before - sys.getrefcount(True)
    if lost > 0:  # give back what the probe itself took
        for _ in range(lost):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return lost >= 12


EMIT_LOSES_REFERENCE = _emit_loses_a_reference()


def emit(signal: Any, *args: Any) -> bool:
    """`signal.emit(*args)`, safe to call any number of times."""
    result = signal.emit(*args)
    if EMIT_LOSES_REFERENCE and isinstance(result, bool):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
    return bool(result)
