"""The README's picture of an HTML report: the bundled demo call analysed by the real pipeline
(`callcoach analyze`), rendered by `callcoach report`, photographed by Debian's headless Chromium.

    .venv/bin/python scripts/report_screenshot.py docs/report.png [--width 1280 --height 1500]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--call", type=Path, default=ROOT / "app" / "assets" / "demo_call.ogg")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("report_screenshot: needs Debian's chromium (apt-get install chromium)")
        return 2

    from app.cli import main as callcoach

    with tempfile.TemporaryDirectory(prefix="callcoach-shot-") as tmp:
        work = Path(tmp)
        if callcoach(["analyze", str(args.call), "--out", str(work / "out")]) != 0:
            return 1
        (report,) = sorted((work / "out").rglob(f"{args.call.stem}*.json"))
        page = work / "report.html"
        if callcoach(["report", str(report), "--html", str(page)]) != 0:
            return 1
        args.out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                browser,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                f"--user-data-dir={work / 'profile'}",
                f"--window-size={args.width},{args.height}",
                f"--screenshot={args.out.resolve()}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
