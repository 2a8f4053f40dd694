"""Emitting signals from Python many times must not break the interpreter (PySide6 6.12.0's
`Signal.emit()` returns `True` without a reference; on Python 3.11 a few hundred emits abort the
process). The bridge carries every pipeline event to the overlay, so a long call emits a lot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MANY_EVENTS = r"""
import sys
from PySide6.QtCore import QCoreApplication
from app.events import ToneUpdate
from app.ui.bridge import EventBridge
from app.ui.signals import EMIT_LOSES_REFERENCE
app = QCoreApplication([])
bridge = EventBridge()
got = [0]


def count(event):  # keeps no event (events hold references to True themselves)
    got[0] += 1


bridge.connect_to(count)
before = sys.getrefcount(True)
for i in range(20_000):  # a long live call's events, tone updates included
    bridge.sink(ToneUpdate(t=i * 0.1, speaker="customer", tone=0.5))
    if i % 500 == 0:
        app.processEvents()
app.processEvents()
print(got[0], sys.getrefcount(True) - before, EMIT_LOSES_REFERENCE)
"""


def test_twenty_thousand_bridge_events_keep_the_process_alive() -> None:
    done = subprocess.run(
        [sys.executable, "-c", MANY_EVENTS],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-1500:]
    delivered, drift, _ = done.stdout.split()
    assert int(delivered) == 20_000
    assert abs(int(drift)) < 100  # no reference lost per emit
