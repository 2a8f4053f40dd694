"""What the loud-voice detector costs: the front end with Silero alone vs with the detector.

Usage: python -m benchmarks.frontend_speed [CALL] [--rounds 5]

Cuts a call (default: the demo call) into utterances with the real front end (reader, high-pass,
VAD, echo gate, cutter; no tone, no ASR) with the second detector off and on, alternating in one
process so both see the same machine load, and prints the median seconds per round, the
real-time factor of each and their ratio, and the Python heap peak of one pass of each
(tracemalloc). The whole pipeline's figures: benchmarks/analyze_speed.py.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

from app.audio.reader import probe
from app.paths import ASSETS_DIR
from benchmarks.frontend_conditions import front_end_spans


def one_pass(call: Path, loud_voice: bool) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of one pass: CPU time is what a loaded machine
    disturbs least (Silero runs on one thread)."""
    t0, c0 = time.perf_counter(), time.process_time()
    front_end_spans(call, "left", loud_voice)
    return time.perf_counter() - t0, time.process_time() - c0


def heap_peak_mb(call: Path, loud_voice: bool) -> float:
    tracemalloc.start()
    front_end_spans(call, "left", loud_voice)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("call", nargs="?", type=Path, default=ASSETS_DIR / "demo_call.ogg")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    seconds = probe(args.call).duration_s
    one_pass(args.call, True)  # warm-up: model session, imports
    times: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for on in (False, True):
            times[on].append(one_pass(args.call, on))
    print(f"{args.call.name}: {seconds:.1f} s of audio, {args.rounds} alternating rounds (median)")
    base: tuple[float, float] | None = None
    for on, label in ((False, "Silero alone"), (True, "+ loud voice")):
        wall = statistics.median(t[0] for t in times[on])
        cpu = statistics.median(t[1] for t in times[on])
        ratio = f"  ({wall / base[0]:.2f}x wall, {cpu / base[1]:.2f}x CPU)" if base else ""
        rtf = wall / seconds
        print(f"  {label:13s} wall {wall:6.2f} s (RTF {rtf:.4f}), CPU {cpu:6.2f} s{ratio}")
        base = base or (wall, cpu)
    print(
        f"  Python heap peak: {heap_peak_mb(args.call, False):.1f} MB alone, "
        f"{heap_peak_mb(args.call, True):.1f} MB with the detector"
    )


if __name__ == "__main__":
    main()
