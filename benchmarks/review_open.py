"""The review window opening a one-hour analysed call: open + draw time against a 2-minute call.

Usage: QT_QPA_PLATFORM=offscreen python benchmarks/review_open.py [--hours 1] [--report R.json]
Builds a one-hour call by looping the demo call (its audio through the app's reader, written as
FLAC; its report — analysed by the pipeline here unless --report is given — repeated with times
shifted), then, in this one process:
  - baseline: the 2-minute demo call opened and fully drawn (report parsed, transcript listed,
    waveform peaks read from their cache in the worker, the whole window painted);
  - the one-hour call, the same way (target: under 2 s);
  - the one-hour call opened for the first time (no cached peaks): time to the first full draw
    (transcript, curves, cards; the waveform says "reading…"), time until the worker's peaks
    arrive, and the longest stall of the GUI thread meanwhile (a 10 ms timer's worst gap);
  - one repaint of the timeline during playback (playhead moved), one-hour call.
Each figure is the median of --repeats runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import soundfile as sf
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from app.audio.reader import SAMPLE_RATE, read_all
from app.paths import ASSETS_DIR
from app.ui.review import ReviewWindow

DEMO = ASSETS_DIR / "demo_call.ogg"


def looped_report(report: dict[str, Any], copies: int, duration: float, name: str) -> dict:
    out = json.loads(json.dumps(report))
    out["call"] = name
    out["duration_s"] = round(duration * copies, 2)
    for key, fields in (
        ("utterances", ("start", "end")),
        ("prompts", ("t", "source_t", "outcome_t")),
        ("trend", ("t",)),
    ):
        rows = []
        for k in range(copies):
            for row in report.get(key) or []:
                shifted = dict(row)
                for f in fields:
                    if isinstance(row.get(f), int | float):
                        shifted[f] = round(row[f] + k * duration, 2)
                rows.append(shifted)
        out[key] = rows
    return out


def build_calls(folder: Path, hours: float, report_path: Path | None) -> tuple[Path, Path]:
    if report_path is not None:
        report = json.loads(report_path.read_text())
    else:
        from app.config import Settings
        from app.review.analysis import analyse_recording

        print("analysing the demo call with the pipeline (once)…", flush=True)
        report = analyse_recording(DEMO, Settings())
    audio = read_all(DEMO)
    duration = audio.shape[1] / SAMPLE_RATE
    copies = int(np.ceil(hours * 3600 / duration))
    short_dir = folder / "short"
    short_dir.mkdir()
    (short_dir / "demo_call.ogg").write_bytes(DEMO.read_bytes())
    short = short_dir / "demo_call.json"
    short.write_text(json.dumps(report))
    long_dir = folder / "long"
    long_dir.mkdir()
    with sf.SoundFile(long_dir / "hour_call.flac", "w", SAMPLE_RATE, 2, "PCM_16") as out:
        for _ in range(copies):
            out.write(audio.T)
    long = long_dir / "hour_call.json"
    long.write_text(json.dumps(looped_report(report, copies, duration, "hour_call.flac")))
    return short, long


def wait_until(app: QApplication, done: Any, timeout_s: float = 300.0) -> None:
    end = time.perf_counter() + timeout_s
    while not done():
        app.processEvents()
        time.sleep(0.001)
        if time.perf_counter() > end:
            raise TimeoutError("the window did not finish")


def open_and_draw(app: QApplication, report: Path, cache: Path) -> tuple[float, ReviewWindow]:
    """Seconds from asking to open until the window is painted with its waveform."""
    window = ReviewWindow(peaks_cache=cache)
    window.resize(1600, 950)
    window.show()
    app.processEvents()
    started = time.perf_counter()
    window.open_paths([report])
    wait_until(app, lambda: window.timeline.peaks is not None)
    window.grab()  # paints every widget of the window
    return time.perf_counter() - started, window


def cold_open(app: QApplication, report: Path, cache: Path) -> dict[str, float]:
    window = ReviewWindow(peaks_cache=cache)
    window.resize(1600, 950)
    window.show()
    app.processEvents()
    gaps: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(10)

    def tick() -> None:
        gaps.append(clock.restart() / 1000)

    timer.timeout.connect(tick)
    # baseline: the same timer with nothing running (the machine's own scheduling noise)
    clock.start()
    timer.start()
    wait_until(app, lambda: len(gaps) >= 300)
    timer.stop()
    idle = max(gaps)
    idle_over = sum(1 for g in gaps if g > 0.1)
    gaps.clear()
    started = time.perf_counter()
    window.open_paths([report])
    window.grab()
    first_draw = time.perf_counter() - started
    clock.start()
    timer.start()
    wait_until(app, lambda: window.timeline.peaks is not None)
    timer.stop()
    peaks_s = time.perf_counter() - started
    window.close()
    return {
        "first_draw": first_draw,
        "peaks": peaks_s,
        "stall": max(gaps, default=0.0),
        "stalls_over_100ms": sum(1 for g in gaps if g > 0.1),
        "last_gap": gaps[-1] if gaps else 0.0,  # includes drawing the arrived waveform
        "idle_stall": idle,
        "idle_over_100ms": idle_over,
    }


def repaint_s(app: QApplication, window: ReviewWindow, frames: int = 50) -> float:
    started = time.perf_counter()
    for k in range(frames):
        window.playback.seek(60.0 + k * 0.04)
        window.timeline.repaint()
        window.transcript.viewport().repaint()
    return (time.perf_counter() - started) / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--report", type=Path, help="the demo call's report (else analysed here)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="review-bench-") as tmp:
        folder = Path(tmp)
        short, long = build_calls(folder, args.hours, args.report)
        long_report = json.loads(long.read_text())
        print(
            f"one-hour call: {long_report['duration_s'] / 3600:.2f} h, "
            f"{len(long_report['utterances'])} utterances, {len(long_report['prompts'])} cards, "
            f"{(long.parent / 'hour_call.flac').stat().st_size / 1e6:.0f} MB FLAC",
            flush=True,
        )
        cold = [cold_open(app, long, folder / f"cold{k}") for k in range(1)]
        cache = folder / "cache"
        open_and_draw(app, short, cache)[1].close()  # fill the caches
        open_and_draw(app, long, cache)[1].close()
        base, hour, paint = [], [], []
        for _ in range(args.repeats):
            s, w = open_and_draw(app, short, cache)
            w.close()
            base.append(s)
            s, w = open_and_draw(app, long, cache)
            hour.append(s)
            paint.append(repaint_s(app, w))
            w.close()
        b, h = statistics.median(base), statistics.median(hour)
        print(f"baseline, 2-minute demo call: open + draw {b:.3f} s")
        print(
            f"one-hour call: open + draw {h:.3f} s ({h / b:.1f}× the 2-minute call); "
            f"target under 2 s: {'PASS' if h < 2.0 else 'FAIL'}"
        )
        first = cold[0]
        print(
            f"one-hour call, first open (no cached peaks): first draw {first['first_draw']:.3f} s,"
            f" waveform ready after {first['peaks']:.1f} s (worker), longest GUI stall "
            f"meanwhile {first['stall'] * 1000:.0f} ms ({first['stalls_over_100ms']:.0f} over "
            f"100 ms; the waveform's first draw {first['last_gap'] * 1000:.0f} ms); baseline, "
            f"the idle window over 3 s: longest {first['idle_stall'] * 1000:.0f} ms "
            f"({first['idle_over_100ms']:.0f} over 100 ms)"
        )
        print(
            f"one-hour call, one playback frame (timeline + transcript): "
            f"{statistics.median(paint) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
