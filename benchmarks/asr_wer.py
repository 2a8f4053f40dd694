"""Word error rate of the speech model on ../shared/data/asr_eval_small.

Usage: python -m benchmarks.asr_wer [--model PATH] [--beam-size N] [--threads N] [--data DIR]
                                   [--conditions full,ulaw8k,quiet45]
Prints one line per reference and the corpus WER (total word errors / total reference words) for
each condition: ``full`` as recorded, ``ulaw8k`` a telephone line (300-3400 Hz, 8 kHz, G.711
µ-law), ``quiet45`` the recording at −45 dBFS RMS.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.asr.transcriber import load_transcriber
from app.config import AsrSettings
from benchmarks.asr_eval.conditions import CONDITIONS
from benchmarks.asr_eval.evaluation import evaluate_manifest

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "asr_eval_small"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="")
    parser.add_argument("--beam-size", type=int, default=AsrSettings.beam_size)
    parser.add_argument("--threads", type=int, default=AsrSettings.threads)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--min-context",
        type=float,
        default=AsrSettings.min_context_s,
        help="shortest encoder window in seconds (30 = Whisper's full window)",
    )
    parser.add_argument(
        "--conditions",
        default=",".join(CONDITIONS),
        help=f"comma-separated, of {', '.join(CONDITIONS)} (default: all)",
    )
    args = parser.parse_args()
    conditions = [c for c in args.conditions.split(",") if c]
    unknown = [c for c in conditions if c not in CONDITIONS]
    if unknown:
        parser.error(f"unknown condition {unknown[0]!r} (one of {', '.join(CONDITIONS)})")
    settings = AsrSettings(
        model=args.model,
        beam_size=args.beam_size,
        threads=args.threads,
        min_context_s=args.min_context,
    )
    transcriber = load_transcriber(settings)
    summary = []
    for condition in conditions:
        print(f"== {condition}")
        result = evaluate_manifest(
            args.data,
            transcriber,
            on_row=lambda rid, wer, text: print(f"{rid:32s} WER {wer:6.1%}  {text[:70]}"),
            condition=condition,
        )
        summary.append(
            f"{condition:8s} corpus WER {result.wer:.1%} over {result.audio_s:.0f} s of audio; "
            f"ASR {result.asr_s:.1f} s = {result.asr_s / result.audio_s:.3f}x real time"
        )
    print(
        f"\nbeam {settings.beam_size}, {settings.threads} threads, {settings.compute_type}, "
        f"encoder window >= {settings.min_context_s:g} s"
    )
    print("\n".join(summary))


if __name__ == "__main__":
    main()
