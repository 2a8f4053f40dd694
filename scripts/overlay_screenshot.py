"""Screenshot of the overlay over a plain desktop, for the README (docs/overlay.png).

    .venv/bin/python scripts/overlay_screenshot.py --xvfb docs/overlay.png

`--xvfb` starts a virtual X screen (Xvfb, 1280x800) and, if installed, the xcompmgr compositor so
the overlay's translucency shows as it does on a real desktop; both are stopped at the end.
Without it the script uses the current DISPLAY. Debian: apt-get install xvfb xcompmgr plus the
xcb libraries listed in the README. The whole screen is grabbed (QScreen.grabWindow(0)).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_virtual_screen(display: str, size: str) -> list[subprocess.Popen]:
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb not found: apt-get install xvfb")
    procs = [subprocess.Popen(["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp"])]
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    if shutil.which("xcompmgr"):
        procs.append(subprocess.Popen(["xcompmgr", "-d", display]))
        time.sleep(0.3)
    else:
        print("xcompmgr not found: translucent corners will show black", file=sys.stderr)
    return procs


def take(out: Path) -> None:
    from PySide6.QtCore import QEventLoop, QPoint, QRect, Qt, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QVBoxLayout, QWidget

    from app.coaching.playbook import load_playbook
    from app.events import Prompt, ToneUpdate, TrendPoint
    from app.ui import GeometryStore, OverlayWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    screen = QGuiApplication.primaryScreen().geometry()

    desktop = QWidget(
        None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnBottomHint
    )
    desktop.setStyleSheet("background: #2f4858;")
    desktop.setGeometry(screen)
    note = QLabel("plain desktop (Xvfb 1280×800)", desktop)
    note.setStyleSheet("color: rgba(255,255,255,90); font-size: 11pt;")
    note.move(24, screen.height() - 40)
    phone = QWidget(desktop)  # a stand-in for the agent's call software, under the overlay
    phone.setStyleSheet("background: #eceff1; color: #263238; border-radius: 6px;")
    phone.setGeometry(QRect(80, 120, 560, 420))
    box = QVBoxLayout(phone)
    for text, size in (
        ("Softphone", 14),
        ("On call · +1 555 0142 · 04:12", 11),
        ("Ticket #48213: router replacement not delivered", 11),
        ("", 11),
        ("Agent notes: customer called twice last week, no call back.", 10),
    ):
        label = QLabel(text)
        label.setStyleSheet(f"font-size: {size}pt; background: transparent;")
        box.addWidget(label)
    box.addStretch(1)
    desktop.show()

    with tempfile.TemporaryDirectory() as tmp:
        overlay = OverlayWindow(geometry_store=GeometryStore(Path(tmp) / "geometry.json"))
        overlay.resize(430, 196)
        overlay.move(screen.right() - 430 - 40, 40)
        overlay.set_capturing(True)
        spec = load_playbook().prompt("acknowledge_anger")
        assert spec is not None
        for event in (
            TrendPoint(251.0, 0.8, 0.21, "rising"),
            ToneUpdate(251.5, "agent", 0.8),
            Prompt(
                252.0,
                spec.id,
                spec.title,
                spec.say,
                "customer frustration 0.80 and rising (threshold 0.65)",
                spec.priority,
                spec.group,
                spec.interrupts,
            ),
        ):
            overlay.handle_event(event)
        overlay.show()
        overlay.raise_()

        loop = QEventLoop()
        QTimer.singleShot(800, loop.quit)
        loop.exec()
        why = overlay.card.why
        QToolTip.showText(why.mapToGlobal(QPoint(why.width() // 2, why.height())), why.toolTip())
        QTimer.singleShot(700, loop.quit)
        loop.exec()

        image = QGuiApplication.primaryScreen().grabWindow(0).toImage()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG", 9):
            sys.exit(f"could not write {out}")
        overlay.close()
    desktop.close()
    app.processEvents()
    print(f"{out} {out.stat().st_size // 1024} KB {image.width()}x{image.height()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "overlay.png")
    parser.add_argument("--xvfb", action="store_true", help="run on a private virtual screen")
    parser.add_argument("--display", default=":99")
    args = parser.parse_args()
    procs = start_virtual_screen(args.display, "1280x800") if args.xvfb else []
    if args.xvfb or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        os.environ["QT_QPA_PLATFORM"] = "xcb"  # a real window system, or nothing to grab
    try:
        take(args.out)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=5)


if __name__ == "__main__":
    main()
