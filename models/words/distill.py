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
from spoken_style import spoken_variant
from tokenizers import Tokenizer
from train_common import log, pad_tokens


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return np.log(q) - np.log1p(-q)


def teacher_logits(paths: list[Path], tok: Tokenizer, texts: list[str], threads: int) -> np.ndarray:
    """Mean over the teacher graphs of their 29 logits per text, [n, 29] float32."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.log_severity_level = 3
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    total = np.zeros((len(texts), 29), dtype=np.float64)
    for path in paths:
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            ids, mask = pad_tokens(tok, [texts[i] for i in idx])
            frus, emo = sess.run(
                ["frustration", "emotions"], {"input_ids": ids, "attention_mask": mask}
            )
            total[idx] += _logit(np.concatenate([frus[:, None], emo], axis=1))
    return (total / len(paths)).astype(np.float32)


@dataclass
class SoftTable:
    """Every rendering of every training comment and the teachers' targets for it.

    texts[v][i] is rendering v of comment i (v = 0 the clean text), probs[v][i] the 29 teacher
    probabilities for it."""

    texts: list[list[str]]
    probs: list[np.ndarray]

    def pick(self, i: int, rng: random.Random, spoken_share: float = 0.5) -> tuple[str, np.ndarray]:
        v = rng.randint(1, len(self.texts) - 1) if rng.random() < spoken_share else 0
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
