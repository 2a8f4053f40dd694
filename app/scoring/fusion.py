"""Fusing the tone and words scores into one frustration score per utterance."""

from __future__ import annotations


def fuse(tone: float, words: float, tone_weight: float = 0.6, words_weight: float = 0.85) -> float:
    """Weighted noisy-OR: either channel of evidence can raise frustration on its own, both
    together raise it more, and neither alone reaches 1.

    Words carry more weight than tone: an angry sentence said calmly is still a complaint,
    while a loud voice alone may be excitement. The result is in [0, 1].
    """
    t = min(max(float(tone), 0.0), 1.0)
    w = min(max(float(words), 0.0), 1.0)
    return 1.0 - (1.0 - words_weight * w) * (1.0 - tone_weight * t)
