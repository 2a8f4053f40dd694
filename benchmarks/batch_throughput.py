"""Batch throughput of `callcoach analyze`: calls per hour and audio-hours per hour for
`--jobs 1`, `--jobs 2` and a local Ray, side by side in one run, on the same calls.

Usage: python -m benchmarks.batch_throughput [--repeats 1] [--ray-cpus 2] [--no-ray]

The calls: the two bundled demo calls (117 s and 101 s, stereo) and the recordings of
../shared/data/asr_eval_small (LJSpeech, LibriSpeech, faster-whisper and lhotse clips, 4-35 s).
Each mode runs the real batch runner (app/batch) into a fresh output folder, so every call is
analysed (nothing skipped as done) and written as JSON, HTML and CSV and into a call store of the
benchmark's own. Wall time is the whole batch as a user waits for it:
planning (hashing), starting workers, loading the models in each worker, analysing, writing.
For Ray, the local Ray instance is started before the clock starts (with `--ray auto` a
cluster is already running); its start time is printed on its own line. Modes run in turn,
in a rotated order on each repeat; the best of the repeats is kept (the machine is shared).
The reports of every mode are compared with those of `--jobs 1`: they must be identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from app.batch import BatchOptions, run_batch
from app.batch.summary import last_run
from app.config import Settings
from app.paths import ASSETS_DIR

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "asr_eval_small" / "audio"
AUDIO = {".wav", ".flac", ".ogg"}


def benchmark_calls(folder: Path) -> list[Path]:
    """Copies of the benchmark calls in `folder` (one folder per source, names kept)."""
    sources = [ASSETS_DIR / "demo_call.ogg", ASSETS_DIR / "demo_call_resolved.ogg"]
    if SHARED.is_dir():
        sources += sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in AUDIO)
    calls = []
    for src in sources:
        dest = folder / src.parent.name / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest)
        calls.append(dest)
    return calls


def run_mode(mode: str, calls: Path, out: Path) -> tuple[float, dict]:
    jobs = {"jobs 1": 1, "jobs 2": 2, "ray": 0}[mode]
    options = BatchOptions(
        inputs=[calls],
        out=out,
        jobs=jobs,
        ray="auto" if mode == "ray" else None,
        progress=False,
    )
    started = time.perf_counter()
    status = run_batch(options, Settings())
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{mode}: the batch exited {status}")
    return wall, last_run(out)


def reports(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in out.glob("*.json")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--ray-cpus", type=int, default=2, help="CPUs of the local Ray")
    parser.add_argument("--no-ray", action="store_true", help="only --jobs 1 and --jobs 2")
    args = parser.parse_args()

    modes = ["jobs 1", "jobs 2"]
    ray = None
    if not args.no_ray:
        from app.batch.ray_executor import import_ray

        ray = import_ray()
        t0 = time.perf_counter()
        ray.init(num_cpus=args.ray_cpus, include_dashboard=False, log_to_driver=False)
        print(f"local Ray started in {time.perf_counter() - t0:.1f} s (not counted below)")
        modes.append("ray")

    work = Path(tempfile.mkdtemp(prefix="callcoach-batch-bench-"))
    # each mode also saves its calls in the call store: a store of the benchmark's own, not
    # the user's (Linux: platformdirs reads XDG_DATA_HOME when the store is opened)
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    try:
        calls = benchmark_calls(work / "calls")
        print(f"{len(calls)} calls; {os.cpu_count()} CPUs on this machine")
        best: dict[str, float] = {}
        audio_s = 0.0
        outputs: dict[str, Path] = {}
        for repeat in range(args.repeats):
            order = modes[repeat % len(modes) :] + modes[: repeat % len(modes)]
            for mode in order:
                out = work / f"out-{mode.replace(' ', '')}-{repeat}"
                wall, summary = run_mode(mode, work / "calls", out)
                audio_s = summary["audio_s_analysed"]
                best[mode] = min(best.get(mode, wall), wall)
                outputs[mode] = out
                print(f"  repeat {repeat + 1}: {mode:7s} {wall:7.1f} s")
        base = reports(outputs["jobs 1"])
        n = len(calls)
        print(f"\n{n} calls, {audio_s / 60:.1f} min of audio; best of {args.repeats}")
        print(
            f"{'mode':8s} {'wall s':>8s} {'calls/h':>9s} {'audio-h/h':>10s} "
            f"{'vs jobs 1':>10s}  same reports as jobs 1"
        )
        for mode in modes:
            wall = best[mode]
            same = "yes" if reports(outputs[mode]) == base else "NO"
            print(
                f"{mode:8s} {wall:8.1f} {n / wall * 3600:9.0f} {audio_s / wall:10.1f} "
                f"{best['jobs 1'] / wall:9.2f}x  {same}"
            )
    finally:
        if ray is not None:
            ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
