"""Speed of the words model on the CPU: load time, latency per utterance, throughput.

    .venv/bin/python -m benchmarks.words_speed [--data ../shared/data] [--threads 1] [--n 500]
        [--baseline DIR]

With `--baseline DIR` (another model folder, for example the graph shipped before the
conversational head) both are timed in the same process, utterance by utterance alternately, and
the ratio of their p50 and p95 is printed: on a shared machine only such a ratio means anything.

Latency is one utterance at a time (batch size 1) on `--threads` onnxruntime threads, over real
utterances: GoEmotions test comments in ASR style (lower case, no punctuation) and the abcd_sample
customer turns. Tokenizing is included. Throughput is given at batch 1 and batch 32.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from app.scoring.words import load_words_scorer
from models.words.spoken_style import asr_style, read_split

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--n", type=int, default=500, help="utterances to time")
    p.add_argument("--baseline", type=Path, help="another model folder, timed alongside")
    args = p.parse_args()

    texts = [asr_style(t) for t in read_split(args.data / "goemotions" / "original", "test").texts]
    chats = json.loads((args.data / "abcd_sample" / "data" / "abcd_sample.json").read_text())
    texts = [t for c in chats for who, t in c["original"] if who == "customer"] + texts
    texts = texts[: args.n]

    t0 = time.perf_counter()
    scorer = load_words_scorer(threads=args.threads)
    load_s = time.perf_counter() - t0
    scorers = {"shipped": scorer}
    if args.baseline:
        scorers["baseline"] = load_words_scorer(args.baseline, threads=args.threads)
    for t in texts[:20]:  # warm-up
        for s in scorers.values():
            s.score([t])

    lat: dict[str, list[float]] = {name: [] for name in scorers}
    for t in texts:
        for name, s in scorers.items():  # alternate, so both see the same machine load
            t1 = time.perf_counter()
            s.score([t])
            lat[name].append(time.perf_counter() - t1)

    words = np.mean([len(t.split()) for t in texts])
    print(
        f"words model, {args.threads} thread(s), {len(texts)} utterances (mean {words:.1f} words)"
    )
    print(f"load (sha256 check + tokenizer + session): {load_s * 1000:.0f} ms")
    for name, s in scorers.items():
        lat_ms = np.array(lat[name]) * 1000
        t1 = time.perf_counter()
        for i in range(0, len(texts), 32):
            s.score(texts[i : i + 32])
        batch_s = time.perf_counter() - t1
        print(
            f"{name}: latency per utterance, batch 1: p50 {np.percentile(lat_ms, 50):.2f} ms, "
            f"p95 {np.percentile(lat_ms, 95):.2f} ms, max {lat_ms.max():.2f} ms; "
            f"throughput batch 1 {len(texts) / lat_ms.sum() * 1000:.0f} utt/s, "
            f"batch 32 {len(texts) / batch_s:.0f} utt/s"
        )
    if args.baseline:
        a, b = np.array(lat["shipped"]), np.array(lat["baseline"])
        print(
            f"shipped / baseline: p50 x{np.percentile(a, 50) / np.percentile(b, 50):.3f}, "
            f"p95 x{np.percentile(a, 95) / np.percentile(b, 95):.3f}"
        )


if __name__ == "__main__":
    main()
