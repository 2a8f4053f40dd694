"""Word error rate of a transcriber over a manifest of reference recordings (asr_eval_small)."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.asr.transcriber import Transcriber
from app.audio.reader import SAMPLE_RATE, read_all
from benchmarks.asr_eval.conditions import apply_condition
from benchmarks.asr_eval.wer import word_errors


@dataclass
class WerResult:
    errors: int = 0
    words: int = 0
    audio_s: float = 0.0
    asr_s: float = 0.0
    rows: list[tuple[str, float, str]] = field(default_factory=list)  # (id, WER, hypothesis)

    @property
    def wer(self) -> float:
        return self.errors / max(self.words, 1)


def channel_audio(path: Path, channel: str) -> np.ndarray:
    """The manifest's channel: "left…", "right…" or all channels mixed."""
    audio = read_all(path)
    if channel.startswith("left"):
        return audio[0]
    if channel.startswith("right"):
        return audio[min(1, audio.shape[0] - 1)]
    return audio.mean(axis=0)


def evaluate_manifest(
    folder: Path,
    transcriber: Transcriber,
    on_row: Callable[[str, float, str], None] | None = None,
    condition: str = "full",
) -> WerResult:
    """WER of `transcriber` over the folder's manifest, each recording under `condition`
    (see benchmarks.asr_eval.conditions)."""
    result = WerResult()
    with open(folder / "manifest.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        audio = apply_condition(
            channel_audio(folder / row["audio_path"], row["channel"]), condition
        )
        t0 = time.perf_counter()
        text = transcriber.transcribe(audio)
        result.asr_s += time.perf_counter() - t0
        result.audio_s += audio.size / SAMPLE_RATE
        errors, words = word_errors(row["reference_text"], text)
        result.errors += errors
        result.words += words
        result.rows.append((row["id"], errors / max(words, 1), text))
        if on_row:
            on_row(row["id"], errors / max(words, 1), text)
    return result
