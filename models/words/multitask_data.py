"""The multi-task training and dev table for fine-tuning the top of the shipped encoder.

One row per text, with a target and a mask over 35 outputs:
- 0..28: the shipped GoEmotions head (0 = frustrated, 1..28 the GoEmotions labels), taught by
  GoEmotions train (half spoken-style, as train.py), the hand-written call lines
  (call_phrases.py) and calm customer-service turns as frustration negatives (USS calm user turns
  and airline neutral tweets, their emotion labels masked: only "frustrated = 0" is known);
- "contrast" rows (contrast_lines.py, with `contrast_copies`): hand-written calm and frustrated
  lines on the same service topics, teaching the frustration output (and, in multitask.py with
  `--contrast-set-heads 1`, every taught set head) only; their emotion labels are masked;
- 29..34: one head per conversational set (convo_data.TRAIN_SETS order), each taught only by
  its own set, so each set's label meaning stays its own.

Row weights: GoEmotions rows 1; each conversational set gets `set_share` x (GoEmotions rows / 6)
in all, half to each class (without that a head learns the set's base rate from its style).
Emocontext is never here: it is evaluation only. Dev rows carry the sets' own dev splits, clean
(and GoEmotions dev also ASR-style), for selection only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.words import contrast_lines
from models.words.call_phrases import CALM, FRUSTRATED
from models.words.convo_data import TRAIN_SETS, load_split
from models.words.spoken_style import asr_style, read_label_names, read_split, spoken_variant

N_GE = 29
N_OUT = N_GE + len(TRAIN_SETS)
CALM_SERVICE = {"uss_satisfaction": 3000, "airline_tweets": 2000}  # calm negatives, at most
# rows kept per set (a random subset), so that one pass of the lower layers and an epoch of the
# top layer fit the shared 2-core machine
TRAIN_CAP = {
    "goemotions": 20000,
    "empathetic_dialogues": 8000,
    "carer_emotion": 5000,
    "airline_tweets": 6000,
    "uss_satisfaction": 4000,
}


@dataclass
class Table:
    texts: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # which set / split a row comes from
    targets: list[np.ndarray] = field(default_factory=list)
    masks: list[np.ndarray] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def add(self, text: str, group: str, target: np.ndarray, mask: np.ndarray, w: float) -> None:
        self.texts.append(text)
        self.groups.append(group)
        self.targets.append(target.astype(np.float32))
        self.masks.append(mask.astype(np.float32))
        self.weights.append(float(w))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "targets": np.stack(self.targets),
            "masks": np.stack(self.masks),
            "weights": np.array(self.weights, dtype=np.float32),
            "groups": np.array(self.groups),
        }


def _ge_row(ids: list[int], frustrated: int) -> tuple[np.ndarray, np.ndarray]:
    target, mask = np.zeros(N_OUT), np.zeros(N_OUT)
    target[0] = frustrated
    target[1 + np.array(ids)] = 1.0
    mask[:N_GE] = 1.0
    return target, mask


def _set_row(k: int, label: int, calm_negative: bool) -> tuple[np.ndarray, np.ndarray]:
    target, mask = np.zeros(N_OUT), np.zeros(N_OUT)
    target[N_GE + k] = label
    mask[N_GE + k] = 1.0
    if calm_negative:  # a calm service turn: the frustration output learns it is not frustrated
        mask[0] = 1.0
    return target, mask


def _subset(n: int, cap: int | None, rng: random.Random) -> list[int]:
    return sorted(rng.sample(range(n), cap)) if cap and n > cap else list(range(n))


def train_table(
    data: Path,
    seed: int = 13,
    set_share: float = 0.5,
    copies: int = 4,
    contrast_copies: int = 0,
    contrast_plain: bool = False,
    contrast_idioms: bool = False,
) -> Table:
    rng = random.Random(seed)
    ge_dir = data / "goemotions" / "original"
    names = read_label_names(ge_dir)
    ge = read_split(ge_dir, "train")
    table = Table()
    keep = _subset(len(ge.texts), TRAIN_CAP["goemotions"], rng)
    for i in keep:
        text, ids, frus = ge.texts[i], ge.labels[i], ge.frustrated[i]
        text = spoken_variant(text, rng) if rng.random() < 0.5 else text
        table.add(text, "goemotions", *_ge_row(ids, frus), 1.0)
    for phrases, label, frus in ((FRUSTRATED, "annoyance", 1), (CALM, "neutral", 0)):
        for phrase in phrases:
            for _ in range(copies):
                text = spoken_variant(phrase, rng) if rng.random() < 0.7 else phrase
                table.add(text, "call_phrases", *_ge_row([names.index(label)], frus), 1.0)
    contrast = [(contrast_lines.FRUSTRATED, 1), (contrast_lines.CALM, 0)]
    if contrast_plain:
        contrast += [(contrast_lines.PLAIN_FRUSTRATED, 1), (contrast_lines.PLAIN_CALM, 0)]
    if contrast_idioms:
        contrast += [(contrast_lines.IDIOM_FRUSTRATED, 1), (contrast_lines.IDIOM_CALM, 0)]
    for phrases, frus in contrast:
        for phrase in phrases:
            for _ in range(contrast_copies):
                text = spoken_variant(phrase, rng) if rng.random() < 0.7 else phrase
                target, mask = np.zeros(N_OUT), np.zeros(N_OUT)
                target[0], mask[0] = frus, 1.0
                table.add(text, "contrast", target, mask, 1.0)
    n_ge = len(keep)
    for k, name in enumerate(TRAIN_SETS):
        part = load_split(name, "train", data, seed=seed)
        rows = _subset(len(part.texts), TRAIN_CAP.get(name), rng)
        part.texts = [part.texts[i] for i in rows]
        part.labels = [part.labels[i] for i in rows]
        labels = np.array(part.labels)
        n_pos, n_neg = int(labels.sum()), int(len(labels) - labels.sum())
        total = set_share * n_ge / len(TRAIN_SETS)
        calm_left = CALM_SERVICE.get(name, 0)
        for text, label in zip(part.texts, part.labels, strict=True):
            w = total / 2 / (n_pos if label else n_neg)
            calm = label == 0 and calm_left > 0 and rng.random() < 0.5
            calm_left -= int(calm)
            text = spoken_variant(text, rng) if rng.random() < 0.5 else text
            table.add(text, name, *_set_row(k, label, calm), w)
    return table


def dev_table(data: Path) -> Table:
    ge_dir = data / "goemotions" / "original"
    ge = read_split(ge_dir, "dev")
    table = Table()
    for text, ids, frus in zip(ge.texts, ge.labels, ge.frustrated, strict=True):
        table.add(text, "goemotions", *_ge_row(ids, frus), 1.0)
    for text, ids, frus in zip(ge.texts, ge.labels, ge.frustrated, strict=True):
        table.add(asr_style(text), "goemotions_asr", *_ge_row(ids, frus), 1.0)
    for k, name in enumerate(TRAIN_SETS):
        part = load_split(name, "dev", data)
        for text, label in zip(part.texts, part.labels, strict=True):
            table.add(text, name, *_set_row(k, label, False), 1.0)
    return table
