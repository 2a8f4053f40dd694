"""Speed and memory of `callcoach analyze` on the demo call (or any calls given).

Usage: python -m benchmarks.analyze_speed [CALL ...] [--model PATH] [--beam-size N]
Prints model load time, then per call the real-time factor (processing seconds / audio seconds)
of the whole pipeline and of each stage, and the process's peak resident memory.
Targets (2-core machine, tiny.en int8, two channels): whole pipeline RTF <= 0.1 (10x faster than
real time), model load < 3 s, peak memory < 700 MB.
With --memory-minutes 2 10 60 it then prints the peak memory of calls of those lengths, each
analysed in its own process (benchmarks/analyze_memory.py; target: 60 minutes under 400 MB).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from app.config import load_settings
from app.paths import ASSETS_DIR
from app.pipeline import analyze_call, load_models

ROOT = Path(__file__).resolve().parents[1]

STAGES = ("decode", "vad", "tone", "asr", "words", "coach")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("calls", nargs="*", type=Path, default=[ASSETS_DIR / "demo_call.ogg"])
    parser.add_argument("--model", default="")
    parser.add_argument("--beam-size", type=int)
    parser.add_argument("--block-s", type=float, help="audio block size (setting audio.block_s)")
    parser.add_argument(
        "--memory-minutes",
        type=float,
        nargs="*",
        help="also print peak memory for calls of these lengths (e.g. 2 10 60)",
    )
    args = parser.parse_args()
    overrides: dict[str, object] = {"asr.model": args.model}
    if args.beam_size:
        overrides["asr.beam_size"] = args.beam_size
    if args.block_s:
        overrides["audio.block_s"] = args.block_s
    settings = load_settings(None, overrides)

    t0 = time.perf_counter()
    models = load_models(settings)
    load_s = time.perf_counter() - t0
    print(
        f"model load: {load_s:.2f} s (ASR {settings.asr.compute_type}, "
        f"{settings.asr.threads} threads, beam {settings.asr.beam_size})"
    )

    for call in args.calls:
        result = analyze_call(call, settings, models)
        dur = result.duration_s
        total = result.times.get("total")
        print(f"\n{call.name}: {dur:.1f} s of audio, {len(result.speakers)} channel(s)")
        speedup = f"{dur / total:.1f}x real time"
        print(f"  whole pipeline: {total:7.2f} s  RTF {total / dur:.3f}  ({speedup})")
        for stage in STAGES:
            s = result.times.get(stage)
            print(f"  {stage:14s}: {s:7.2f} s  RTF {s / dur:.4f}")
    print(f"\npeak memory (RSS): {peak_rss_mb():.0f} MB")
    if args.memory_minutes:
        from benchmarks.analyze_memory import report

        print()
        report(args.memory_minutes)


if __name__ == "__main__":
    main()
