"""What the HTML report's plot costs: callcoach's inline SVG against matplotlib's SVG backend.

Usage: python -m benchmarks.report_plot [--report REPORT.json] [--repeat 20]
Uses a real report (default: the demo call analysed by `callcoach analyze` first). Prints, in one
run, the time per plot and the SVG size of `frustration_svg` and of the same plot drawn with
matplotlib (the baseline that was compared when choosing; matplotlib is not a dependency of
callcoach: where it is not installed, only callcoach's figures are printed), and the whole
`render_call_html`. Figures vary with the machine's load; compare the ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.paths import ASSETS_DIR
from app.report.frustration_plot import AGENT, CUSTOMER, ELEVATED, HIGH, TREND, frustration_svg
from app.report.html import render_call_html


def _demo_report() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "app", "analyze", str(ASSETS_DIR / "demo_call.ogg")]
        subprocess.run([*cmd, "--out", tmp], check=True)
        (path,) = Path(tmp).rglob("demo_call*.json")
        report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return report


def _per_call(fn: Callable[[], str], repeat: int) -> tuple[float, int]:
    size = len(fn().encode())  # warm up, and the size
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat, size


def _matplotlib_svg(report: dict[str, Any]) -> Callable[[], str] | None:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    def draw() -> str:
        fig, ax = plt.subplots(figsize=(9.6, 3.4))
        for speaker, colour in (("customer", CUSTOMER), ("agent", AGENT)):
            pts = [
                ((u["start"] + u["end"]) / 2, u["frustration"])
                for u in report["utterances"]
                if u["speaker"] == speaker
            ]
            if pts:
                xs, ys = zip(*pts, strict=True)
                ax.plot(xs, ys, "o-", color=colour, label=speaker)
        ax.plot([p["t"] for p in report["trend"]], [p["level"] for p in report["trend"]],
                color=TREND, lw=3)  # fmt: skip
        for key, colour in (("elevated", ELEVATED), ("high", HIGH)):
            ax.axhline(report["thresholds"][key], color=colour, ls="--")
        for p in report["prompts"]:
            ax.axvline(p["t"], color="#2ca02c")
        ax.set_ylim(0, 1)
        ax.legend()
        out = io.StringIO()
        fig.savefig(out, format="svg")
        plt.close(fig)
        return out.getvalue()

    return draw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, help="a call's JSON report (default: the demo)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    report = json.loads(args.report.read_text(encoding="utf-8")) if args.report else _demo_report()
    own_t, own_size = _per_call(lambda: frustration_svg(report), args.repeat)
    page_t, page_size = _per_call(lambda: render_call_html(report), args.repeat)
    print(f"inline SVG (callcoach):  {own_t * 1000:8.2f} ms/plot  {own_size / 1024:6.1f} KiB")
    print(f"whole HTML report:       {page_t * 1000:8.2f} ms/call  {page_size / 1024:6.1f} KiB")
    started = time.perf_counter()
    draw = _matplotlib_svg(report)
    if draw is None:
        print("matplotlib: not installed here (the baseline needs `pip install matplotlib`)")
        return
    imported = time.perf_counter() - started
    mpl_t, mpl_size = _per_call(draw, args.repeat)
    print(f"matplotlib SVG backend:  {mpl_t * 1000:8.2f} ms/plot  {mpl_size / 1024:6.1f} KiB"
          f"  (import {imported * 1000:.0f} ms)")  # fmt: skip
    print(
        f"matplotlib / inline: {mpl_t / own_t:.0f}x the time, {mpl_size / own_size:.1f}x the size"
    )


if __name__ == "__main__":
    main()
