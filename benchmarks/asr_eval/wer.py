"""Word error rate, with the light text normalisation used for callcoach's ASR checks."""

from __future__ import annotations

import re

_KEEP = re.compile(r"[^a-z0-9' ]+")


def normalise_for_wer(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("-", " ")
    text = _KEEP.sub(" ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edit distance in words, number of reference words)."""
    ref, hyp = normalise_for_wer(reference), normalise_for_wer(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1], len(ref)


def wer(reference: str, hypothesis: str) -> float:
    errors, n = word_errors(reference, hypothesis)
    return errors / max(n, 1)
