"""A day of use: a shift of simulated calls through the live path, watching for leaks.

Usage: python -m benchmarks.soak [--hours 8] [--speed 12] [CALL ...]

Replays calls (default: the demo call, 117 s) back to back through `LiveSession` with a
`SimulatedSource`, a fresh session per call as the tray's "Start listening" makes one, the models
loaded once, until `--hours` of call audio have gone through. `--speed` is the replay speed: as
fast as this machine's pipeline keeps up with (audio it cannot keep up with is dropped by the
bounded queue, counted and printed, exactly as in a live call). Prints the process's resident
memory (RSS), threads (Python and native) and open file descriptors after the models load, after
the first call (the baseline: caches warmed) and at the end, RSS every `--every` calls, and the
audio dropped. Passes when RSS grows less than 50 MB from the baseline to the end and threads and
open files come back to the baseline.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.audio.capture import SimulatedSource
from app.config import Settings
from app.events import Prompt, Utterance
from app.paths import ASSETS_DIR
from app.pipeline.live import LiveSession
from app.pipeline.models import Models, load_models

MAX_GROWTH_MB = 50.0


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def heap_mb() -> tuple[float, float] | None:
    """glibc's heap (all arenas): (MB in use, MB free but kept), or None without glibc 2.33+.

    In use = allocated blocks (uordblks) + mmapped blocks (hblkhd): what the program (Python's
    large objects, onnxruntime, CTranslate2, PyAV) holds. Free = what malloc keeps for reuse.
    A leak grows "in use"; RSS growing while "in use" stays flat is the allocator keeping pages.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    fn.restype = _Mallinfo2
    m = fn()
    return (m.uordblks + m.hblkhd) / 2**20, m.fordblks / 2**20


@dataclass(frozen=True)
class Sample:
    rss_mb: float
    threads_native: int
    threads_python: int
    fds: int
    heap: tuple[float, float] | None = None

    def line(self) -> str:
        heap = ""
        if self.heap is not None:
            heap = f"  heap in use {self.heap[0]:6.1f} MB, free {self.heap[1]:5.1f} MB"
        return (
            f"RSS {self.rss_mb:7.1f} MB  threads {self.threads_native:3d} native "
            f"({self.threads_python} Python)  open fds {self.fds:3d}{heap}"
        )


def sample() -> Sample:
    gc.collect()
    status = Path("/proc/self/status").read_text().splitlines()
    fields = {k: v.split() for k, _, v in (line.partition(":") for line in status)}
    return Sample(
        rss_mb=int(fields["VmRSS"][0]) / 1024,
        threads_native=int(fields["Threads"][0]),
        threads_python=threading.active_count(),
        fds=len(os.listdir("/proc/self/fd")),
        heap=heap_mb(),
    )


@dataclass
class CallFigures:
    audio_s: float
    wall_s: float
    dropped_s: float
    utterances: int
    prompts: int


def one_call(path: Path, speed: float, models: Models, settings: Settings) -> CallFigures:
    source = SimulatedSource(path, settings.audio.agent_channel, speed, settings.audio.block_s)
    session = LiveSession(source, models, settings)
    t0 = time.perf_counter()
    session.start()
    if not session.wait(timeout=3600):
        raise RuntimeError(f"{path.name}: the call did not finish within an hour")
    wall = time.perf_counter() - t0
    source.stop()
    if session.error is not None:
        raise RuntimeError(f"{path.name}: {session.error}")
    events = [e for e, _, _ in session.events]
    return CallFigures(
        audio_s=session.front.t,
        wall_s=wall,
        dropped_s=session.dropped_audio_s,
        utterances=sum(isinstance(e, Utterance) for e in events),
        prompts=sum(isinstance(e, Prompt) for e in events),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", nargs="*", type=Path, help="recordings (default: the demo call)")
    parser.add_argument("--hours", type=float, default=8.0, help="call audio to put through")
    parser.add_argument("--speed", type=float, default=12.0, help="replay speed (× real time)")
    parser.add_argument("--every", type=int, default=20, help="print RSS every N calls")
    args = parser.parse_args(argv)
    if not args.hours > 0 or not args.speed > 0:
        parser.error("--hours and --speed must be positive")
    calls = args.calls or [ASSETS_DIR / "demo_call.ogg"]
    settings = Settings()  # the defaults, not this user's settings file

    t_start = time.perf_counter()
    print(f"soak: {args.hours:g} h of calls at ×{args.speed:g}, {len(calls)} recording(s)")
    before_models = sample()
    print(f"start (no models):  {before_models.line()}")
    models = load_models(settings)
    loaded = sample()
    print(f"models loaded:      {loaded.line()}")

    target_s = args.hours * 3600
    done_s = dropped_s = wall_s = 0.0
    n = prompts = 0
    baseline = loaded
    while done_s < target_s:
        figures = one_call(calls[n % len(calls)], args.speed, models, settings)
        n += 1
        done_s += figures.audio_s
        dropped_s += figures.dropped_s
        wall_s += figures.wall_s
        prompts += figures.prompts
        if n == 1:
            baseline = sample()
            print(f"after first call:   {baseline.line()}   (the baseline)")
        elif n % args.every == 0:
            now = sample()
            print(
                f"call {n:4d} ({done_s / 3600:5.2f} h):  {now.line()}  "
                f"growth {now.rss_mb - baseline.rss_mb:+6.1f} MB  dropped {dropped_s:.1f} s",
                flush=True,
            )
    end = sample()
    growth = end.rss_mb - baseline.rss_mb
    print(f"end:                {end.line()}")
    print(
        f"calls {n}, call audio {done_s / 3600:.2f} h in {(time.perf_counter() - t_start) / 60:.1f}"
        f" min (×{done_s / wall_s:.1f} real time while calls ran), prompts {prompts}"
    )
    # (call audio above is what the pipeline heard: dropped audio is not part of it)
    share = 100 * dropped_s / max(done_s + dropped_s, 1e-9)
    print(f"dropped audio: {dropped_s:.1f} s ({share:.2f} % of the calls' audio)")
    print(
        f"RSS growth from the baseline: {growth:+.1f} MB (limit {MAX_GROWTH_MB:.0f} MB); "
        f"from models loaded: {end.rss_mb - loaded.rss_mb:+.1f} MB"
    )
    if end.heap is not None and baseline.heap is not None:
        # a leak grows what the program holds; RSS over a flat "in use" is the allocator's
        print(
            f"heap in use growth from the baseline: {end.heap[0] - baseline.heap[0]:+.1f} MB; "
            f"freed but kept by malloc: {baseline.heap[1]:.1f} -> {end.heap[1]:.1f} MB"
        )
    ok = (
        growth < MAX_GROWTH_MB
        and end.threads_python <= baseline.threads_python
        and end.threads_native <= baseline.threads_native
        and end.fds <= baseline.fds
    )
    print(f"soak: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
