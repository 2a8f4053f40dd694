"""Soft targets from an ensemble of fine-tuned words models, for distilling them into one.

Two fine-tuned encoders scored together (the mean of their logits) rank GoEmotions dev better
than either alone, but cost twice the time per utterance. `train.py --teachers A.onnx B.onnx`
trains one student of the same size on a mix of the hard labels and the teachers' mean
probabilities (this module), so the shipped model keeps the cost of one encoder.

The training text is augmented toward speech, and the teachers must score the very text the
student sees: each comment gets `variants` fixed spoken-style renderings (drawn once, with the
run's seed) besides its clean form, all scored by every teacher before training starts; each epoch
then picks one of them per comment. The teachers are the shipped kind of graph (int8 ONNX with a
`frustration` probability, temperature inside, and 28 `emotions` probabilities); their logits are
averaged as they come out, so the frustration target keeps the teachers' dev calibration.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from app.scoring.words import logit
from models.words.export import onnx_outputs
from models.words.spoken_style import spoken_variant
from models.words.train_common import log


def teacher_logits(paths: list[Path], tok: Tokenizer, texts: list[str], threads: int) -> np.ndarray:
    """Mean over the teacher graphs of their 29 logits per text, [n, 29] float32."""
    total = sum(logit(onnx_outputs(path, tok, texts, threads)) for path in paths)
    return (total / len(paths)).astype(np.float32)


@dataclass
class SoftTable:
    """Every rendering of every training comment and the teachers' targets for it.

    texts[v][i] is rendering v of comment i (v = 0 the clean text), probs[v][i] the 29 teacher
    probabilities for it."""

    texts: list[list[str]]
    probs: list[np.ndarray]

    def pick(self, i: int, rng: random.Random) -> tuple[str, np.ndarray]:
        """A spoken rendering half of the time (as without teachers), else the clean text."""
        v = rng.randint(1, len(self.texts) - 1) if rng.random() < 0.5 else 0
        return self.texts[v][i], self.probs[v][i]


def soft_table(
    paths: list[Path], tok: Tokenizer, texts: list[str], variants: int, seed: int, threads: int
) -> SoftTable:
    rng = random.Random(seed + 1000)
    renderings = [list(texts)] + [[spoken_variant(t, rng) for t in texts] for _ in range(variants)]
    probs = []
    for v, rendered in enumerate(renderings):
        logits = teacher_logits(paths, tok, rendered, threads)
        probs.append(1.0 / (1.0 + np.exp(-logits)))
        log(f"teachers scored rendering {v} of {len(renderings) - 1} ({len(rendered)} texts)")
    return SoftTable(renderings, probs)
