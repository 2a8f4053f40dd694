"""Sentence-like chunks of a long utterance, for the pooling experiment in stack.py.

Not used at run time: on GoEmotions dev, pooling chunk scores with the whole-utterance score
lowered AUC (MODEL_CARD.md), so the shipped scorer reads the whole utterance.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?;…])\s+|\n+")


def chunks(text: str, window: int = 12, stride: int = 6, min_words: int = 4) -> list[str]:
    """Split on sentence punctuation, merge pieces under `min_words` words into a neighbour, and
    cut pieces longer than `window` + 4 words (unpunctuated ASR text) into overlapping
    `window`-word windows every `stride` words."""
    pieces = [p for p in _SENTENCE_END.split(" ".join(text.split())) if p.strip()]
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1].split()) < min_words:
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    if len(merged) > 1 and len(merged[-1].split()) < min_words:
        tail = merged.pop()
        merged[-1] += " " + tail
    out: list[str] = []
    for piece in merged:
        words = piece.split()
        if len(words) <= window + 4:
            out.append(piece)
            continue
        starts = list(range(0, len(words) - window + 1, stride))
        if starts[-1] + window < len(words):
            starts.append(len(words) - window)
        out.extend(" ".join(words[s : s + window]) for s in starts)
    return out
