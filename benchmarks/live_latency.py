"""Latency, CPU and memory of the live path, replaying recordings at real-time speed.

Usage: python -m benchmarks.live_latency [CALL ...] [--speed 1] [--no-shared]
By default replays the demo call and the recordings in ../shared/data/asr_eval_small through
`LiveSession` exactly as `callcoach live --simulate` does. Prints, per prompt, the delay from the
end of the triggering utterance to the card being emitted to the UI, p50/p95 over all prompts
(and over all utterances: speech end -> transcript emitted), average CPU while listening (as a
share of one core) and peak memory.
Targets (2 cores, tiny.en int8, both channels): prompt p95 < 1.0 s, CPU < 60 % of one core,
memory < 700 MB.
"""

from __future__ import annotations

import argparse
import csv
import resource
import time
from pathlib import Path

import numpy as np

from app.audio.capture import SimulatedSource
from app.config import load_settings
from app.events import Prompt, Utterance
from app.paths import ASSETS_DIR
from app.pipeline.live import LiveSession
from app.pipeline.models import load_models

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared" / "data" / "asr_eval_small"


def default_calls() -> list[Path]:
    calls = [ASSETS_DIR / "demo_call.ogg"]
    if SHARED.is_dir():
        with open(SHARED / "manifest.csv", newline="", encoding="utf-8") as f:
            paths = dict.fromkeys(SHARED / row["audio_path"] for row in csv.DictReader(f))
        calls += list(paths)
    return calls


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("calls", nargs="*", type=Path)
    parser.add_argument("--speed", type=float, default=1.0)
    args = parser.parse_args()
    calls = args.calls or default_calls()
    settings = load_settings(None, {})
    models = load_models(settings)

    prompt_delays: list[float] = []
    utt_delays: list[float] = []
    listen_wall = listen_cpu = audio_s = 0.0
    for call in calls:
        source = SimulatedSource(call, settings.audio.agent_channel, args.speed)
        session = LiveSession(source, models, settings)
        w0, c0 = time.monotonic(), cpu_seconds()
        session.start()
        session.wait()
        listen_wall += time.monotonic() - w0
        listen_cpu += cpu_seconds() - c0
        audio_s += session.front.t
        print(f"\n{call.name} ({session.front.t:.1f} s, {len(source.speakers)} ch)")
        for event, _call_t, wall_t in session.events:
            # with speed 1 the wall clock and the call clock run together
            if isinstance(event, Prompt) and event.group != "after_call":
                delay = wall_t - event.source_t / args.speed
                prompt_delays.append(delay)
                print(
                    f"  prompt {event.id:24s} trigger ended {event.source_t:6.1f} s, "
                    f"card after {delay:5.2f} s"
                )
            elif isinstance(event, Utterance):
                utt_delays.append(wall_t - event.end / args.speed)
        if source.audio and session.blocks.dropped_blocks:
            print(f"  dropped {session.blocks.dropped_s:.1f} s of audio")

    print(
        f"\nprompts: {len(prompt_delays)}  delay p50 {pct(prompt_delays, 50):.2f} s  "
        f"p95 {pct(prompt_delays, 95):.2f} s  max {max(prompt_delays, default=float('nan')):.2f} s"
    )
    print(
        f"utterances: {len(utt_delays)}  speech end -> transcript p50 {pct(utt_delays, 50):.2f} s  "
        f"p95 {pct(utt_delays, 95):.2f} s"
    )
    print(
        f"CPU while listening: {100 * listen_cpu / listen_wall:.0f} % of one core "
        f"({listen_cpu:.1f} s CPU over {listen_wall:.1f} s wall, {audio_s:.0f} s of audio, "
        f"speed {args.speed:g}x)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
