"""Tone scoring speed: feature extraction + model time per second of audio, on one core.

    .venv/bin/python -m benchmarks.tone_speed [--seconds 60] [--repeats 5] [--model-dir DIR]

Pins the process to one CPU and onnxruntime to one thread. Audio: RAVDESS clips laid end to end
(or a synthetic voice-like signal when the shared data is absent), scored as 3 s utterances (the
pipeline's per-utterance path: prosodic features + the Whisper-encoder view + the ONNX models) and
as live 0.5 s windows (`window_scores`, 1.5 s of context each, prosodic models only). Then 9 s
turns against a ready baseline, read whole and as the front end reads them (`read_turn`: each
sentence again, for a turn longer than 4 s that has pauses), and the ratio of the two.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

from app.scoring.tone import SpeakerBaseline, extract_features, load_tone_scorer  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "ravdess"
SR = 16000


def test_audio(seconds: float) -> tuple[np.ndarray, str]:
    if (DATA / "manifest.csv").is_file():
        import soundfile as sf

        paths = sorted((DATA / "audio").glob("Actor_*/*.flac"))
        chunks, total = [], 0
        for p in paths[:: max(1, len(paths) // 60)]:
            x, _ = sf.read(p, dtype="float32")
            chunks.append(x)
            total += x.size
            if total >= seconds * SR:
                break
        return np.concatenate(chunks)[: int(seconds * SR)], "RAVDESS clips"
    t = np.arange(int(seconds * SR)) / SR
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.sin(k * phase) / k for k in range(1, 20)) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (0.1 * x).astype(np.float32), "synthetic harmonic signal"


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description="Tone scoring speed on one core.")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--model-dir", type=Path, default=None, help="another tone model folder")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    scorer = load_tone_scorer(args.model_dir, threads=1)
    audio, what = test_audio(args.seconds)
    dur = audio.size / SR
    utt = [audio[i : i + 3 * SR] for i in range(0, audio.size, 3 * SR)]
    baseline = SpeakerBaseline()
    baseline.add_calm(scorer.features(utt[0]))
    feats = [scorer.features(u) for u in utt]

    t_pros = best_of(lambda: [extract_features(u) for u in utt], args.repeats)
    t_feat = best_of(lambda: [scorer.features(u) for u in utt], args.repeats)
    t_model = best_of(lambda: [scorer.score_features(f, baseline) for f in feats], args.repeats)
    t_win = best_of(lambda: [scorer.window_scores(u, baseline) for u in utt], args.repeats)
    print(f"audio: {dur:.1f} s of {what}, one core, onnxruntime 1 thread, best of {args.repeats}")
    print(f"  prosodic     {1000 * t_pros / dur:6.2f} ms per s of audio")
    print(
        f"  encoder view {1000 * (t_feat - t_pros) / dur:6.2f} ms per s of audio (Whisper tiny.en)"
    )
    print(f"features       {1000 * t_feat / dur:6.2f} ms per s of audio")
    print(f"model          {1000 * t_model / dur:6.2f} ms per s of audio")
    total = t_feat + t_model
    print(
        f"features+model {1000 * total / dur:6.2f} ms per s of audio ({dur / total:.0f}x real time)"
    )
    print(f"live 0.5 s windows (1.5 s context each) {1000 * t_win / dur:6.2f} ms per s of audio")

    turns = [audio[i : i + 9 * SR] for i in range(0, audio.size - 9 * SR + 1, 9 * SR)]
    ready = SpeakerBaseline()
    for u in utt:
        if ready.ready:
            break
        ready.add_calm(scorer.features(u))
    if not turns or not ready.ready:
        print("9 s turns: not enough audio for a ready baseline and one turn (--seconds)")
        return
    turn_s = len(turns) * 9.0
    t_whole = best_of(lambda: [scorer.read(scorer.features(u), ready) for u in turns], args.repeats)
    t_parts = best_of(
        lambda: [scorer.read_turn(u, scorer.features(u), ready) for u in turns], args.repeats
    )
    print(
        f"9 s turns, baseline ready: whole {1000 * t_whole / turn_s:6.2f} ms per s, "
        f"sentence by sentence {1000 * t_parts / turn_s:6.2f} ms per s "
        f"({t_parts / t_whole:.2f}x; {turn_s / t_parts:.0f}x real time)"
    )


if __name__ == "__main__":
    main()
