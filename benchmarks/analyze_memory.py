"""Peak memory of `callcoach analyze` against call length: it must stay flat.

Usage: python -m benchmarks.analyze_memory [--minutes 2 10 60] [--call FILE]
Builds calls of each length by repeating a real recording (default: the bundled demo call, 117 s
stereo) into a FLAC file written block by block, then analyses each in its own subprocess (a
fresh process per length, so one call's peak cannot hide in another's) and prints, per length:
the peak resident memory of the whole process (ru_maxrss, model loading included), the peak
while the call was analysed (VmHWM reset after loading, Linux), and the resident memory after
loading, so growth with call length shows as a difference. Target: a 60-minute call under
400 MB peak.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]

DEMO = ROOT / "app" / "assets" / "demo_call.ogg"


def build_call(source: Path, minutes: float, out: Path) -> Path:
    """`source` repeated to `minutes`, written in blocks (the builder itself stays small)."""
    from app.audio.reader import SAMPLE_RATE, read_all

    clip = read_all(source, max_s=900).T  # (samples, channels)
    total = round(minutes * 60 * SAMPLE_RATE)
    with sf.SoundFile(out, "w", SAMPLE_RATE, clip.shape[1], format="FLAC") as f:
        written = 0
        while written < total:
            part = clip[: total - written]
            f.write(part)
            written += len(part)
    return out


def _child(call: str) -> None:
    """Runs in the subprocess: load models, reset the peak, analyse, print JSON figures."""
    import resource

    from app.config import load_settings
    from app.pipeline import analyze_call, load_models

    def status(key: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")

    settings = load_settings(None, {})
    models = load_models(settings)
    loaded_rss = status("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the call's own peak
        reset = True
    except OSError:
        reset = False
    t0 = time.perf_counter()
    result = analyze_call(Path(call), settings, models)
    figures = {
        "duration_s": result.duration_s,
        "seconds": time.perf_counter() - t0,
        "utterances": sum(1 for e in result.events if type(e).__name__ == "Utterance"),
        "loaded_rss_mb": loaded_rss,
        "call_peak_mb": status("VmHWM") if reset else float("nan"),
        "process_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, nargs="+", default=[2, 10, 60])
    parser.add_argument("--call", type=Path, default=DEMO)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    report(args.minutes, args.call)


def report(minutes_list: list[float], call: Path = DEMO) -> None:
    """Build, analyse (one subprocess each) and print the table for these call lengths."""
    print(f"calls built from {call.name}; each analysed in a fresh process")
    print(
        f"{'minutes':>7s} {'process peak':>13s} {'call peak':>10s} {'after load':>11s} "
        f"{'utterances':>10s} {'RTF':>6s}"
    )
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for minutes in minutes_list:
            path = build_call(call, minutes, Path(d) / f"call_{minutes:g}min.flac")
            proc = subprocess.run(
                [sys.executable, "-m", "benchmarks.analyze_memory", "--child", str(path)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            path.unlink()
            if proc.returncode != 0:
                print(f"{minutes:7g} failed: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            fig = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append((minutes, fig))
            print(
                f"{minutes:7g} {fig['process_peak_mb']:10.0f} MB {fig['call_peak_mb']:7.0f} MB "
                f"{fig['loaded_rss_mb']:8.0f} MB {fig['utterances']:10d} "
                f"{fig['seconds'] / fig['duration_s']:6.3f}",
                flush=True,
            )
    if len(rows) >= 2:
        (m0, f0), (m1, f1) = rows[0], rows[-1]
        slope = (f1["process_peak_mb"] - f0["process_peak_mb"]) / (m1 - m0)
        print(f"growth: {slope:+.2f} MB per minute of call (process peak, {m0:g} -> {m1:g} min)")
        ok = f1["process_peak_mb"] < 400
        print(f"{m1:g}-minute call under 400 MB peak: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
