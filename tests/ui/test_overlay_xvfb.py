"""The "why?" hover on a real X server (Xvfb, no window manager, no compositor): the X pointer is
moved over "why?" and Qt, not the test, decides whether the reason shows. The overlay is never
the active window there, as on an agent's desktop."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start_xvfb(size: str) -> tuple[subprocess.Popen, str]:
    """A private Xvfb on a display number it picks itself (-displayfd), so it never lands on
    another test's or user's server; returns (process, ":N") once it accepts connections."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        ready, _, _ = select.select([pipe], [], [], 30)
        number = pipe.readline().strip() if ready else ""
    if not number.isdigit():
        server.kill()
        server.wait(timeout=5)
        pytest.skip("Xvfb did not start")
    return server, f":{number}"


HOVER = r"""
import json, sys, tempfile
from pathlib import Path
from PySide6.QtCore import QEventLoop, QPoint, QTimer
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QApplication, QToolTip
from app.coaching.playbook import load_playbook
from app.events import Prompt
from app.ui import GeometryStore, OverlayWindow

app = QApplication([])
def wait(ms):
    loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()
QCursor.setPos(QPoint(5, 5))
spec = load_playbook().prompt("acknowledge_anger")
overlay = OverlayWindow(geometry_store=GeometryStore(Path(tempfile.mkdtemp()) / "g.json"))
overlay.move(300, 40)
overlay.handle_event(Prompt(t=5.0, id=spec.id, title=spec.title, say=spec.say,
                            reason="frustration 0.80 and rising", priority=spec.priority,
                            group=spec.group, interrupts=spec.interrupts, source_t=5.0))
overlay.show()
wait(800)
why = overlay.card.why
QCursor.setPos(why.mapToGlobal(QPoint(why.width() // 2, why.height() // 2)))
wait(1500)
print(json.dumps({"active": overlay.isActiveWindow(), "composited": overlay.composited,
                  "masked": not overlay.mask().isEmpty(), "tip": QToolTip.isVisible(),
                  "text": QToolTip.text()}))
"""


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb not installed")
def test_why_hover_shows_on_a_real_x_server(tmp_path: Path) -> None:
    server, display = start_xvfb("1024x600x24")
    try:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONPATH": str(ROOT),
            "XDG_DATA_HOME": str(tmp_path),
        }
        done = subprocess.run(
            [sys.executable, "-c", HOVER],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.terminate()
        server.wait(timeout=5)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["active"] is False  # never the active window
    assert seen["composited"] is False and seen["masked"] is True  # bare X: opaque, masked
    assert seen["tip"] is True and "0.80 and rising" in seen["text"]
