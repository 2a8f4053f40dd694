"""Word error rate of the speech model on ../shared/data/asr_eval_small.

Usage: python benchmarks/asr_wer.py [--model PATH] [--beam-size N] [--data DIR]
Prints one line per reference and the corpus WER (total word errors / total reference words).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.asr.transcriber import load_transcriber  # noqa: E402
from app.asr.wer import word_errors  # noqa: E402
from app.audio.reader import read_all  # noqa: E402
from app.config import AsrSettings  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "asr_eval_small"


def channel_audio(path: Path, channel: str):  # type: ignore[no-untyped-def]
    audio = read_all(path)
    if channel.startswith("left"):
        return audio[0]
    if channel.startswith("right"):
        return audio[1]
    return audio.mean(axis=0)


def evaluate(data: Path, settings: AsrSettings, verbose: bool = True) -> tuple[float, float, float]:
    """(corpus WER, seconds of audio, seconds spent transcribing)."""
    transcriber = load_transcriber(settings)
    errors = words = 0
    audio_s = asr_s = 0.0
    with open(data / "manifest.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        audio = channel_audio(data / row["audio_path"], row["channel"])
        t0 = time.perf_counter()
        text = transcriber.transcribe(audio)
        asr_s += time.perf_counter() - t0
        audio_s += audio.size / 16_000
        e, n = word_errors(row["reference_text"], text)
        errors, words = errors + e, words + n
        if verbose:
            print(f"{row['id']:32s} WER {e / max(n, 1):6.1%}  {text[:70]}")
    return errors / max(words, 1), audio_s, asr_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="")
    parser.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    settings = AsrSettings(model=args.model, beam_size=args.beam_size, threads=args.threads)
    corpus_wer, audio_s, asr_s = evaluate(args.data, settings)
    print(
        f"\ncorpus WER {corpus_wer:.1%} over {audio_s:.0f} s of audio; "
        f"ASR {asr_s:.1f} s = {asr_s / audio_s:.3f}x real time "
        f"(beam {settings.beam_size}, {settings.threads} threads, {settings.compute_type})"
    )


if __name__ == "__main__":
    main()
