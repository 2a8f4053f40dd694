"""A screenshot of the QA review window over a real analysed call, for the README and docs.

    .venv/bin/python scripts/review_screenshot.py --xvfb docs/review.png
    .venv/bin/python scripts/review_screenshot.py --xvfb --dark docs/review-dark.png

The demo call (app/assets/demo_call.ogg) is analysed by the pipeline (or `--report R.json` from
`callcoach demo`/`analyze` is used, with its recording beside it), opened in the review window on
a virtual X screen (Xvfb, 1600x1000; `--xvfb`, else the current DISPLAY), the "Acknowledge their
anger" card is selected, the call is played for a moment from just before it, a reviewer's note
is added (saved in a call store made for the screenshot), and the screen is grabbed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def start_xvfb(size: str) -> subprocess.Popen:
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb not found: apt-get install xvfb")
    read, write = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{size}x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write,),
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    os.environ["DISPLAY"] = f":{number}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return server


def wait_ms(ms: int) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--xvfb", action="store_true")
    parser.add_argument("--dark", action="store_true")
    parser.add_argument("--report", type=Path, help="a report JSON with its recording beside it")
    parser.add_argument("--size", default="1600x1000")
    args = parser.parse_args()
    server = start_xvfb(args.size) if args.xvfb else None
    try:
        shoot(args)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


def shoot(args: argparse.Namespace) -> None:
    from PySide6.QtWidgets import QApplication

    from app.paths import ASSETS_DIR
    from app.ui.review import ReviewWindow
    from app.ui.review.palette import apply_palette

    work = Path(tempfile.mkdtemp(prefix="review-shot-"))
    if args.report is None:
        from app.config import Settings
        from app.review.analysis import analyse_recording

        shutil.copy(ASSETS_DIR / "demo_call.ogg", work / "demo_call.ogg")
        report = work / "demo_call.json"
        report.write_text(json.dumps(analyse_recording(work / "demo_call.ogg", Settings())))
    else:
        report = args.report
    app = QApplication.instance() or QApplication(["callcoach review"])
    apply_palette(app, args.dark)  # type: ignore[arg-type]
    from app.store import Store

    window = ReviewWindow(peaks_cache=work / "peaks", store=Store(work / "calls.sqlite3"))
    window.set_dark(args.dark)
    width, height = (int(v) for v in args.size.split("x"))
    window.setGeometry(0, 0, width, height)
    window.show()
    window.open_paths([report])
    deadline = time.monotonic() + 60
    while window.timeline.peaks is None and time.monotonic() < deadline:
        wait_ms(100)
    prompts = window.timeline.prompts
    k = next((i for i, p in enumerate(prompts) if p["id"] == "acknowledge_anger"), 0)
    window.select_prompt(k)
    window.judge.note_edit.setPlainText("Right card; the acknowledgement only came after the hold.")
    window.judge.rating.setCurrentIndex(3)
    window.judge.save_prompt_button.click()
    window.playback.play()
    wait_ms(1500)
    window.playback.pause()
    wait_ms(300)
    screen = window.screen()
    shot = screen.grabWindow(0, 0, 0, width, height)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shot.save(str(args.out))
    print(f"wrote {args.out} ({shot.width()}x{shot.height()})")
    window.close()


if __name__ == "__main__":
    main()
