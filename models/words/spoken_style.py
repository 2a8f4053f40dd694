"""Make written text look like what the ASR hands the words model, and load GoEmotions.

Shared by the training script (augmentation) and the accuracy benchmark (the "ASR-style"
evaluation), so both mean the same thing by "ASR-style". Standard library only: it runs on the
training machine, on the GPU box and in the benchmark alike.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# GoEmotions labels that make up the "frustrated customer" positive class.
FRUSTRATION_LABELS = ("anger", "annoyance", "disappointment", "disapproval", "disgust")

FILLERS = ("um", "uh", "erm", "like", "you know", "i mean", "so", "well", "okay", "hmm")
_NAMES = ("john", "maria", "alex", "sam", "priya", "chris", "linda", "omar", "kate", "david")
_NOT_WORD = re.compile(r"[^\w\s']+")
_SPACES = re.compile(r"\s+")


def asr_style(text: str) -> str:
    """Lower-case, drop punctuation (apostrophes inside words stay), collapse spaces.

    Deterministic: this is the evaluation transform.
    """
    text = text.replace("[NAME]", "name").replace("[RELIGION]", "religion")
    text = _NOT_WORD.sub(" ", text.lower()).replace(" '", " ").replace("' ", " ")
    return _SPACES.sub(" ", text).strip()


def with_fillers(text: str, rng: random.Random, rate: float = 0.12) -> str:
    """Insert hesitation fillers between words, as a speaker (and Whisper) would."""
    words = text.split()
    out: list[str] = []
    if words and rng.random() < 0.3:
        out.append(rng.choice(FILLERS))
    for word in words:
        out.append(word)
        if rng.random() < rate:
            out.append(rng.choice(FILLERS))
    return " ".join(out)


def spoken_variant(text: str, rng: random.Random) -> str:
    """A random spoken-style rendering of `text`, for training-time augmentation."""
    text = text.replace("[NAME]", rng.choice(_NAMES).title())
    if rng.random() < 0.8:
        text = asr_style(text)
        if rng.random() < 0.3:
            text = text.replace("'", "")  # "im", "dont": some ASR output drops them
    if rng.random() < 0.6:
        text = with_fillers(text, rng)
    return text


@dataclass(frozen=True)
class Split:
    texts: list[str]
    labels: list[list[int]]  # GoEmotions label ids per example
    frustrated: list[int]  # 1 if any frustration label, else 0


def read_label_names(folder: Path) -> list[str]:
    return (folder / "labels.txt").read_text(encoding="utf-8").split()


def frustration_ids(names: Sequence[str]) -> set[int]:
    return {names.index(name) for name in FRUSTRATION_LABELS}


def read_split(folder: Path, split: str) -> Split:
    """Read `{split}.tsv` of GoEmotions' "original" 28-label folder."""
    positive = frustration_ids(read_label_names(folder))
    texts: list[str] = []
    labels: list[list[int]] = []
    for line in (folder / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        text, ids, _comment_id = line.split("\t")
        texts.append(text)
        labels.append([int(i) for i in ids.split(",")])
    frustrated = [int(bool(positive.intersection(ids))) for ids in labels]
    return Split(texts, labels, frustrated)
