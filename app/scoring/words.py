"""The words scorer: how frustrated, angry or annoyed what a person says sounds.

A fine-tuned all-MiniLM-L6-v2 encoder with a multi-task head (frustration + the 28 GoEmotions
labels), exported to int8 ONNX (models/words/MODEL_CARD.md). The score is a calibrated
probability: a two-weight logistic combiner (config.json "combiner", fitted on GoEmotions dev) of
the frustration logit and the log-sum-exp of the five frustration-label logits. `WORDS_THRESHOLDS`
holds the "elevated" and "high" cut-offs the coach uses, chosen on GoEmotions dev data.

Run time needs onnxruntime, tokenizers and numpy only. Every shipped file is checked against
models/words/SHA256SUMS at load; a missing or altered file is a `ModelError`, never a download.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.paths import models_dir

try:
    from app.errors import ModelError
except ImportError:  # pragma: no cover - the package may be used without the app's error module

    class ModelError(Exception):  # type: ignore[no-redef]
        """A shipped model is missing, corrupt or does not match its checksum."""


__all__ = [
    "EMPTY_SCORE",
    "PLEASED_LABELS",
    "WORDS_THRESHOLDS",
    "Combiner",
    "ModelError",
    "WordsReading",
    "WordsScorer",
    "load_words_scorer",
    "logit",
]

MODEL = "model.onnx"
TOKENIZER = "tokenizer.json"
CONFIG = "config.json"
THRESHOLDS = "thresholds.json"

EMPTY_SCORE = 0.0  # no words, no evidence of frustration
MAX_TOKENS = 128  # longer utterances are truncated (keeps latency bounded; trained on <= 96)
MAX_CHARS = 4000  # cut absurdly long input before tokenizing it at all
_SPACES = re.compile(r"\s+")
# the GoEmotions labels of a pleased speaker; `WordsReading.pleased` is the largest of their
# probabilities (the graph's "emotions" output, the multi-task head's auxiliary labels)
PLEASED_LABELS = (
    "admiration",
    "amusement",
    "approval",
    "caring",
    "excitement",
    "gratitude",
    "joy",
    "love",
    "optimism",
    "pride",
    "relief",
)

# The shipped values, used only if thresholds.json cannot be read at import (the scorer itself
# still refuses to load without it); a test checks they match the file.
_DEFAULT_THRESHOLDS = {"elevated": 0.339, "high": 0.617}


def _read_thresholds(model_dir: Path) -> dict[str, float]:
    data = json.loads((model_dir / THRESHOLDS).read_text(encoding="utf-8"))
    return {"elevated": float(data["elevated"]), "high": float(data["high"])}


try:
    WORDS_THRESHOLDS: dict[str, float] = _read_thresholds(models_dir() / "words")
except (OSError, ValueError, KeyError):  # pragma: no cover - a broken install; load reports it
    WORDS_THRESHOLDS = dict(_DEFAULT_THRESHOLDS)

_cache: dict[tuple[Path, int], WordsScorer] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Combiner:
    """Logistic combiner over the graph's logits: sigmoid(w_head * frustration logit
    + w_labels * logsumexp(logits of `label_columns`) + bias), or with no label columns
    sigmoid(w_head * frustration logit + bias). Fitted on GoEmotions dev by
    models/words/stack.py; the weights are the calibration, so no separate temperature applies."""

    w_head: float
    w_labels: float
    bias: float
    label_columns: tuple[int, ...]  # columns of the 28 emotion logits

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Combiner | None:
        spec = config.get("combiner")
        if spec is None:
            return None
        names = list(config["outputs"]["emotions"])
        return cls(
            w_head=float(spec["w_frustration_logit"]),
            w_labels=float(spec["w_logsumexp_label_logits"]),
            bias=float(spec["bias"]),
            label_columns=tuple(names.index(n) for n in spec["labels"]),
        )

    def __call__(self, logits: np.ndarray) -> np.ndarray:
        z = self.w_head * logits[:, 0]
        if self.label_columns:  # none: the head alone, Platt-scaled (calibration only)
            labels = logits[:, 1:][:, list(self.label_columns)]
            z = z + self.w_labels * np.logaddexp.reduce(labels, axis=1)
        return 1.0 / (1.0 + np.exp(-(z + self.bias)))


def logit(p: np.ndarray) -> np.ndarray:
    """Logits of sigmoid outputs (float64); also used by the training code."""
    # the graph ends in sigmoids; its logits stay within about +-10, far from float32 saturation
    q = np.clip(p.astype(np.float64), 1e-12, 1.0 - 1e-7)
    return np.log(q) - np.log1p(-q)


def pad_batch(encodings: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask (int64, [n, longest]) of tokenizer encodings, zero-padded.
    Shared with the training code so the model sees the same inputs in both."""
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
    return ids, mask


@dataclass(frozen=True, slots=True)
class WordsReading:
    """What the words model says of one text: `frustration`, the calibrated probability the
    coach and the fusion use, and `pleased`, the largest GoEmotions positive-label probability
    (`PLEASED_LABELS`; uncalibrated, compared with the fusion's own cut-off)."""

    frustration: float
    pleased: float


class WordsScorer:
    """Probability in [0, 1] that an utterance expresses frustration, anger or annoyance."""

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        thresholds: dict[str, float],
        combiner: Combiner | None = None,
        emotions: Sequence[str] | None = None,
    ) -> None:
        self._session = session
        # columns of the pleased labels among the graph's 28 emotion outputs (none: no names)
        names = list(emotions or ())
        self._pleased_columns = [names.index(n) for n in PLEASED_LABELS] if names else []
        self._tokenizer = tokenizer
        self.thresholds = thresholds
        self.combiner = combiner
        self._lock = threading.Lock()  # the tokenizer's truncation state is shared

    def head_logits(self, texts: Sequence[str]) -> np.ndarray:
        """The graph's 29 logits per non-empty text, [n, 29] float64: column 0 the frustration
        logit (after the graph's temperature), 1-28 the GoEmotions labels (config.json order).
        The texts must be non-empty after whitespace clean-up; `score` handles empty ones."""
        cleaned = [_SPACES.sub(" ", t or "").strip()[:MAX_CHARS] for t in texts]
        with self._lock:
            encodings = self._tokenizer.encode_batch(cleaned)
        ids, mask = pad_batch(encodings)
        frustration, emotions = self._session.run(
            ["frustration", "emotions"], {"input_ids": ids, "attention_mask": mask}
        )
        return logit(np.concatenate([frustration[:, None], emotions], axis=1))

    def outputs(self, texts: Sequence[str], names: Sequence[str]) -> list[np.ndarray]:
        """Named graph outputs for non-empty texts (for benchmarks and model comparisons: the
        shipped graph also carries the GoEmotions head alone, `frustration_goemotions`, and the
        conversational head alone, `conversational`; see config.json "outputs")."""
        cleaned = [_SPACES.sub(" ", t or "").strip()[:MAX_CHARS] for t in texts]
        with self._lock:
            encodings = self._tokenizer.encode_batch(cleaned)
        ids, mask = pad_batch(encodings)
        return list(self._session.run(list(names), {"input_ids": ids, "attention_mask": mask}))

    def score(self, texts: Sequence[str]) -> list[float]:
        """One score per text, same order. Empty or whitespace-only text scores `EMPTY_SCORE`."""
        return [r.frustration for r in self.read(texts)]

    def read(self, texts: Sequence[str]) -> list[WordsReading]:
        """The frustration score and how pleased the words sound, per text, from one run of the
        graph. Empty or whitespace-only text reads `EMPTY_SCORE` and not pleased (0)."""
        cleaned = [_SPACES.sub(" ", t or "").strip()[:MAX_CHARS] for t in texts]
        readings = [WordsReading(EMPTY_SCORE, 0.0)] * len(cleaned)
        todo = [i for i, t in enumerate(cleaned) if t]
        if not todo:
            return readings
        logits = self.head_logits([cleaned[i] for i in todo])
        if self.combiner is None:
            probs = 1.0 / (1.0 + np.exp(-logits[:, 0]))
        else:
            probs = self.combiner(logits)
        if self._pleased_columns:
            cols = logits[:, 1:][:, self._pleased_columns]
            pleased = 1.0 / (1.0 + np.exp(-cols.max(axis=1)))
        else:
            pleased = np.zeros(len(todo))
        for i, p, q in zip(todo, probs, pleased, strict=True):
            readings[i] = WordsReading(
                float(p) if np.isfinite(p) else EMPTY_SCORE,
                float(q) if np.isfinite(q) else 0.0,
            )
        return readings


def _check_sums(model_dir: Path) -> None:
    sums = model_dir / "SHA256SUMS"
    if not sums.is_file():
        raise ModelError(f"words model: {sums} is missing")
    names = set()
    for line in sums.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, name = line.split(maxsplit=1)
        path = model_dir / name.strip()
        names.add(name.strip())
        if not path.is_file():
            raise ModelError(f"words model: {path} is missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ModelError(f"words model: {path} does not match its sha256 (corrupt or replaced)")
    missing = {MODEL, TOKENIZER, CONFIG, THRESHOLDS} - names
    if missing:
        raise ModelError(f"words model: SHA256SUMS does not list {', '.join(sorted(missing))}")


def _load(model_dir: Path, threads: int) -> WordsScorer:
    _check_sums(model_dir)
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ModelError("words model: the 'tokenizers' package is not installed") from exc
    try:
        from app.inference import inference_session, onnxruntime

        ort = onnxruntime()
    except ImportError as exc:
        raise ModelError("words model: onnxruntime is not installed") from exc
    try:
        thresholds = _read_thresholds(model_dir)
        config = json.loads((model_dir / CONFIG).read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER))
        combiner = Combiner.from_config(config)
    except Exception as exc:
        raise ModelError(f"words model: cannot read {model_dir}: {exc}") from exc
    tokenizer.no_padding()  # we pad per batch, to the longest text only
    tokenizer.enable_truncation(max_length=min(MAX_TOKENS, int(config.get("max_len", MAX_TOKENS))))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    try:
        session = inference_session(model_dir / MODEL, opts)
    except Exception as exc:
        raise ModelError(f"words model: cannot load {model_dir / MODEL}: {exc}") from exc
    missing = {"frustration", "emotions"} - {o.name for o in session.get_outputs()}
    if missing:
        raise ModelError(f"words model: {model_dir / MODEL} has no {sorted(missing)} output")
    emotions = list(config.get("outputs", {}).get("emotions", []))
    if not set(PLEASED_LABELS) <= set(emotions):
        raise ModelError(f"words model: {model_dir / CONFIG} does not name the GoEmotions labels")
    return WordsScorer(session, tokenizer, thresholds, combiner, emotions)


def load_words_scorer(model_dir: Path | None = None, threads: int = 1) -> WordsScorer:
    """The words scorer for `model_dir` (default: the shipped models/words), cached per
    (folder, threads). Raises `ModelError` with a one-line message if the model is unusable."""
    folder = (model_dir or models_dir() / "words").resolve()
    key = (folder, max(1, int(threads)))
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(folder, key[1])
        return _cache[key]
