"""A long turn cut into its sentences, so that the tone model can read each as the utterance it
was trained on (`ToneScorer.read_turn`).

A part is the speech between two pauses: runs of PAUSE_S or more under the turn's own speech
level. Each part keeps up to PART_PAD_S of the pause around it, as the VAD cuts an utterance and
as the tone models' Whisper views were trained (models/tone/train.py `as_cut`). Numpy only.
"""

from __future__ import annotations

import numpy as np

PAUSE_S = 0.2
PART_PAD_S = 0.2
MIN_PART_S = 1.0  # a part shorter than this between its pauses joins its neighbour
MAX_PARTS = 8  # more pauses than this: the longest ones split the turn
PART_FRAME_S = 0.02


def turn_parts(audio: np.ndarray, sr: int = 16000) -> list[tuple[int, int]]:
    """`audio` split at its pauses into sentence-like parts, as (start, end) sample indices,
    each with up to PART_PAD_S of the pause either side; [] when it has no pause to split at.

    A pause is a run of PAUSE_S or more of 20 ms frames under the midpoint (in dB) between the
    turn's quiet floor (10th percentile) and its speech level (95th percentile); a turn whose
    level spans less than 10 dB (speech in heavy noise) is not split. A part with less than
    MIN_PART_S between its pauses joins the next one (the last joins the one before)."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    x = np.clip(np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    hop = max(1, round(PART_FRAME_S * sr))
    n = x.size // hop
    if n < 2:
        return []
    db = 10.0 * np.log10(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    floor, level = np.percentile(db, 10), np.percentile(db, 95)
    if level - floor < 10.0:
        return []
    quiet = np.concatenate([[False], db < (floor + level) / 2.0, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    min_run = max(1, round(PAUSE_S / PART_FRAME_S))
    pauses = [(a, b) for a, b in runs if b - a >= min_run and a > 0 and b < n]
    pauses = sorted(sorted(pauses, key=lambda r: r[0] - r[1])[: MAX_PARTS - 1])
    # speech between pauses, in frames: [start, end)
    spans, start = [], 0
    for a, b in pauses:
        spans.append((start, a))
        start = b
    spans.append((start, n))
    min_part = MIN_PART_S / PART_FRAME_S
    merged: list[tuple[int, int]] = []
    pending: tuple[int, int] | None = None
    for s, e in spans:
        s = pending[0] if pending is not None else s
        if e - s < min_part:
            pending = (s, e)
            continue
        merged.append((s, e))
        pending = None
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], pending[1])
        else:
            merged.append(pending)
    if len(merged) < 2:
        return []
    pad = round(PART_PAD_S / PART_FRAME_S)
    return [(max(0, s - pad) * hop, min(x.size, (e + pad) * hop)) for s, e in merged]
