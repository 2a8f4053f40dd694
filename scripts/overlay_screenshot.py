"""Screenshots of the overlay over a plain desktop, for the README and docs/overlay.md.

    .venv/bin/python scripts/overlay_screenshot.py --xvfb docs/overlay.png
    .venv/bin/python scripts/overlay_screenshot.py --xvfb --scenes all --prefix docs/overlay-after-

`--xvfb` starts a virtual X screen (Xvfb, 1280x800) and, if installed and not `--no-compositor`,
the xcompmgr compositor; both are stopped at the end. Without `--xvfb` the script uses the
current DISPLAY. Debian: apt-get install xvfb (xcompmgr optional) plus the xcb libraries listed
in the README.

The first form grabs the whole screen with the "card" scene. `--scenes` grabs one cropped image
per scene (the overlay and a margin of desktop around it) to PREFIX<scene>.png:

- card: a live call (capturing, frustration 0.80 rising, the agent's pace tag) with the
  "Acknowledge their anger" card; the pointer is moved over "why?" with a real X pointer warp and
  the screen is grabbed after Qt's tooltip delay, so the reason shows only if a real hover shows it.
- policy: the "Say what you *can* do" card (a playbook title with Markdown emphasis).
- between: the same call after the card was marked done, no card showing.
- fading: a stale card two thirds of the way through its fade.
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

SCENES = ("card", "policy", "between", "fading")
FADE_MS = 3000


def start_virtual_screen(display: str, size: str, compositor: bool) -> list[subprocess.Popen]:
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb not found: apt-get install xvfb")
    procs = [
        subprocess.Popen(
            ["Xvfb", display, "-screen", "0", f"{size}x24", "-nolisten", "tcp", "-noreset"]
        )
    ]
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    if compositor and shutil.which("xcompmgr"):
        procs.append(subprocess.Popen(["xcompmgr", "-d", display]))
        time.sleep(0.3)
    else:
        print("no compositor (xcompmgr not found or --no-compositor)", file=sys.stderr)
    return procs


def wait_ms(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def make_desktop():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

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
    return desktop


def card_prompt(prompt_id: str, t: float, reason: str):  # type: ignore[no-untyped-def]
    """The card as the coach makes it (`PromptSpec.to_prompt`: `{name}` filled in or left out)."""
    from app.coaching.playbook import load_playbook

    spec = load_playbook().prompt(prompt_id)
    assert spec is not None, prompt_id
    return spec.to_prompt(t, reason)


def stage(scene: str, tmp: Path):  # type: ignore[no-untyped-def]
    """The overlay in the state of `scene`, shown and settled; returns it."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QCursor, QGuiApplication

    from app.events import ToneUpdate, TrendPoint
    from app.ui import GeometryStore, OverlayWindow

    screen = QGuiApplication.primaryScreen().geometry()
    QCursor.setPos(QPoint(5, screen.height() - 5))  # away from the overlay
    overlay = OverlayWindow(
        geometry_store=GeometryStore(tmp / f"{scene}.json"),
        fade_ms=FADE_MS,
        clock=lambda: 252.0,
    )
    overlay.resize(430, 196)
    overlay.move(screen.right() - 430 - 40, 40)
    overlay.set_capturing(True)
    overlay.handle_event(TrendPoint(251.0, 0.8, 0.21, "rising"))
    overlay.handle_event(ToneUpdate(251.5, "agent", 0.8))
    if scene == "policy":
        card = card_prompt(
            "avoid_policy_language", 252.0, 'the agent said "our policy" to a frustrated customer'
        )
    else:
        card = card_prompt(
            "acknowledge_anger", 252.0, "customer frustration 0.80 and rising (threshold 0.65)"
        )
    overlay.handle_event(card)
    overlay.show()
    overlay.raise_()
    wait_ms(800)
    if scene == "card":  # a real hover: the X pointer moves over "why?", Qt decides the rest
        why = overlay.card.why
        QCursor.setPos(why.mapToGlobal(QPoint(why.width() // 2, why.height() // 2)))
        wait_ms(1500)
    elif scene == "between":
        overlay.mark_done()
        wait_ms(600)
    elif scene == "fading":
        overlay.card.fade_out()
        wait_ms(FADE_MS * 2 // 3)
    return overlay


def grab(out: Path, crop_around=None) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    if crop_around is None:
        pixmap = screen.grabWindow(0)
    else:
        g = crop_around.geometry()
        area = screen.geometry()
        x0 = max(0, g.left() - 200)
        y0 = max(0, g.top() - 30)
        x1 = min(area.right(), g.right() + 30)
        y1 = min(area.bottom(), g.bottom() + 120)
        pixmap = screen.grabWindow(0, x0, y0, x1 - x0 + 1, y1 - y0 + 1)
    image = pixmap.toImage()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG", 9):
        sys.exit(f"could not write {out}")
    print(f"{out} {out.stat().st_size // 1024} KB {image.width()}x{image.height()}")


def take(scenes: list[str], out: Path | None, prefix: str | None) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    desktop = make_desktop()
    with tempfile.TemporaryDirectory() as tmp:
        for scene in scenes:
            overlay = stage(scene, Path(tmp))
            if prefix is not None:
                grab(Path(f"{prefix}{scene}.png"), crop_around=overlay)
            else:
                assert out is not None
                grab(out)
            overlay.close()
            overlay.deleteLater()
            app.processEvents()
    desktop.close()
    app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=ROOT / "docs" / "overlay.png")
    parser.add_argument("--xvfb", action="store_true", help="run on a private virtual screen")
    parser.add_argument("--display", default=":99")
    parser.add_argument("--no-compositor", action="store_true", help="with --xvfb: no xcompmgr")
    parser.add_argument(
        "--scenes", help=f"comma-separated scenes or 'all' ({', '.join(SCENES)}), cropped"
    )
    parser.add_argument("--prefix", default="docs/overlay-", help="PREFIX<scene>.png")
    args = parser.parse_args()
    if args.scenes:
        scenes = list(SCENES) if args.scenes == "all" else args.scenes.split(",")
        unknown = sorted(set(scenes) - set(SCENES))
        if unknown:
            sys.exit(f"unknown scene(s): {', '.join(unknown)}")
    procs = (
        start_virtual_screen(args.display, "1280x800", not args.no_compositor) if args.xvfb else []
    )
    if args.xvfb or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        os.environ["QT_QPA_PLATFORM"] = "xcb"  # a real window system, or nothing to grab
    try:
        if args.scenes:
            take(scenes, None, args.prefix)
        else:
            take(["card"], args.out, None)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=5)


if __name__ == "__main__":
    main()
