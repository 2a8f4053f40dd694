"""Two shipped words model folders and their logit average, ROC AUC on every dev split.

    .venv/bin/python -m models.words.ensemble_dev FIRST_DIR SECOND_DIR [--weights 0.3 0.5 0.7]

Each folder is scored as the app scores it (`load_words_scorer(...).score`: the graph and its
combiner); the ensemble is `w * logit(first) + (1 - w) * logit(second)` (a Platt scaling after it
would not change a ranking, so AUC needs none). Splits: GoEmotions dev (clean and ASR-style) and
the dev split of each conversational set (models/words/convo_data.py). Dev only: a candidate is
chosen here, test is read once afterwards by benchmarks/words_accuracy.py. Stop 37 ran it with
the session-1 folder (`git show e7de223:models/words/<file>` for model.onnx, tokenizer.json,
config.json, thresholds.json, SHA256SUMS) first and models/words second (MODEL_CARD.md).
Needs scikit-learn (requirements-train.txt). About 10 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score as roc_auc

from app.scoring.words import load_words_scorer, logit
from models.words.convo_data import TRAIN_SETS, load_split
from models.words.spoken_style import asr_style, read_split

ROOT = Path(__file__).resolve().parents[2]


def dev_splits(data: Path) -> dict[str, tuple[list[str], np.ndarray]]:
    ge = read_split(data / "goemotions" / "original", "dev")
    splits = {
        "GoEmotions clean": (ge.texts, np.array(ge.frustrated)),
        "GoEmotions ASR-style": ([asr_style(t) for t in ge.texts], np.array(ge.frustrated)),
    }
    for name in TRAIN_SETS:
        s = load_split(name, "dev", data)
        splits[name] = (s.texts, np.array(s.labels))
    return splits


def scores(scorer: Any, texts: list[str], batch: int = 64) -> np.ndarray:
    """The app's score of each text, in batches (one batch is padded to its longest text)."""
    out: list[float] = []
    for i in range(0, len(texts), batch):
        out.extend(scorer.score(texts[i : i + batch]))
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("first", type=Path)
    ap.add_argument("second", type=Path)
    ap.add_argument("--weights", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6, 0.7])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    scorers = [load_words_scorer(d, threads=args.threads) for d in (args.first, args.second)]
    print(
        f"{'dev split':24s} {'first':>7s} {'second':>7s} "
        + " ".join(f"w={w:<5}" for w in args.weights)
    )
    worst = dict.fromkeys(args.weights, np.inf)
    for name, (texts, y) in dev_splits(args.data).items():
        first, second = (scores(s, texts) for s in scorers)
        base = roc_auc(y, first)
        cells = []
        for w in args.weights:
            auc = roc_auc(y, w * logit(first) + (1 - w) * logit(second))
            worst[w] = min(worst[w], auc - base)
            cells.append(f"{auc:.4f} ")
        print(f"{name:24s} {base:.4f}  {roc_auc(y, second):.4f}  " + " ".join(cells))
    print(
        "worst (ensemble - first) over the splits: "
        + ", ".join(f"w={w}: {d:+.4f}" for w, d in worst.items())
    )


if __name__ == "__main__":
    main()
