"""Accuracy of the words model against a TF-IDF + logistic regression baseline, side by side.

    .venv/bin/python -m benchmarks.words_accuracy [--data ../shared/data] [--threads 1]

Three columns: the shipped scorer (the dev-fitted combiner of the frustration logit and the five
frustration-label logits), the previous shipped score (the single frustration head, same ONNX
run) and the baseline. All are scored on the GoEmotions test split (clean text; ASR-style text:
lower case and no punctuation; ASR-style with hesitation fillers), on the hand-written call lines
of models/words/call_lines_eval.tsv (evaluation only, never trained or tuned on) and on the three
abcd_sample customer-service chats. abcd has no frustration labels and its customers are calm, so
for it the script prints how high the calm turns score, and the ROC AUC / best F1 of telling those
calm turns apart from the frustrated GoEmotions test comments (ASR-style). The baseline is trained
here on GoEmotions train (clean + ASR-style copies), with numpy and scipy only; C=1 was chosen on
dev by models/words/train.py. Takes about two minutes on one core.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.stats import rankdata

from app.scoring.words import WORDS_THRESHOLDS, load_words_scorer
from models.words.spoken_style import asr_style, read_split, with_fillers

ROOT = Path(__file__).resolve().parents[1]

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def roc_auc(y: np.ndarray, score: np.ndarray) -> float:
    ranks = rankdata(score)
    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def best_f1(y: np.ndarray, score: np.ndarray) -> float:
    order = np.argsort(-score, kind="stable")
    tp = np.cumsum(y[order])
    k = np.arange(1, len(y) + 1)
    # only cut where the score changes, so ties are not split
    last = np.r_[score[order][1:] != score[order][:-1], True]
    f1 = 2 * tp / (k + y.sum())
    return float(f1[last].max())


class TfidfLogistic:
    """Word 1-2 grams, sublinear tf, smooth idf, l2 rows; L2 logistic regression (L-BFGS)."""

    def __init__(self, c: float = 1.0, min_df: int = 2) -> None:
        self.c, self.min_df = c, min_df

    @staticmethod
    def _grams(text: str) -> list[str]:
        words = _TOKEN.findall(text.lower())
        return words + [f"{a} {b}" for a, b in pairwise(words)]

    def _matrix(self, texts: list[str]) -> sparse.csr_matrix:
        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            counts = Counter(g for g in self._grams(text) if g in self.vocab)
            for gram, n in counts.items():
                rows.append(r)
                cols.append(self.vocab[gram])
                vals.append(1.0 + np.log(n))
        x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocab)))
        x = x.multiply(self.idf).tocsr()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
        return sparse.diags(1 / np.maximum(norms, 1e-12)) @ x

    def fit(self, texts: list[str], y: np.ndarray) -> TfidfLogistic:
        df = Counter(g for t in texts for g in set(self._grams(t)))
        kept = sorted(g for g, n in df.items() if n >= self.min_df)
        self.vocab = {g: i for i, g in enumerate(kept)}
        n = len(texts)
        self.idf = np.log((1 + n) / (1 + np.array([df[g] for g in kept]))) + 1
        x = self._matrix(texts)
        sign = 2 * y - 1

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = sign * (x @ w[:-1] + w[-1])
            nll = np.logaddexp(0, -z)
            g = -sign / (1 + np.exp(z))
            grad = np.r_[self.c * (x.T @ g) + w[:-1], self.c * g.sum()]
            return float(self.c * nll.sum() + 0.5 * w[:-1] @ w[:-1]), grad

        res = minimize(
            loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B", options={"maxiter": 500}
        )
        self.w = res.x
        return self

    def decision(self, texts: list[str]) -> np.ndarray:
        return self._matrix(texts) @ self.w[:-1] + self.w[-1]


def abcd_customer_turns(data: Path) -> dict[str, list[str]]:
    chats = json.loads((data / "abcd_sample" / "data" / "abcd_sample.json").read_text())
    return {str(c["convo_id"]): [t for who, t in c["original"] if who == "customer"] for c in chats}


def call_lines(path: Path) -> tuple[list[str], np.ndarray]:
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return [text for _, text in rows], np.array([int(label) for label, _ in rows])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    ge = args.data / "goemotions" / "original"
    train, test = read_split(ge, "train"), read_split(ge, "test")
    y = np.array(test.frustrated)
    rng = random.Random(7)
    sets = {
        "GoEmotions test, clean": test.texts,
        "GoEmotions test, ASR-style": [asr_style(t) for t in test.texts],
        "GoEmotions test, ASR + fillers": [with_fillers(asr_style(t), rng) for t in test.texts],
    }
    abcd = abcd_customer_turns(args.data)
    calm = [t for turns in abcd.values() for t in turns]
    positives = [t for t, f in zip(sets["GoEmotions test, ASR-style"], y, strict=True) if f]

    t0 = time.time()
    tr_texts = train.texts + [asr_style(t) for t in train.texts]
    baseline = TfidfLogistic(c=1.0).fit(tr_texts, np.array(train.frustrated * 2, dtype=float))
    print(f"baseline trained in {time.time() - t0:.0f}s ({len(baseline.vocab)} n-grams)")
    scorer = load_words_scorer(threads=args.threads)

    def model_scores(texts: list[str]) -> np.ndarray:
        out: list[float] = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), 32):
            out.extend(scorer.score([texts[j] for j in order[i : i + 32]]))
        scores = np.empty(len(texts))
        scores[order] = out
        return scores

    def single_head(texts: list[str]) -> np.ndarray:
        """The score shipped before the combiner: the frustration head alone."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        scores = np.empty(len(texts))
        for i in range(0, len(order), 32):
            idx = order[i : i + 32]
            scores[idx] = scorer.head_logits([texts[j] for j in idx])[:, 0]
        return scores

    models = {
        "shipped (combiner)": model_scores,
        "previous (single head)": single_head,
        "TF-IDF + LR baseline": baseline.decision,
    }
    header = f"{'set':<44}" + "".join(f"{m:>26}" for m in models)
    print("\nROC AUC / best F1")
    print(header)

    def row(labels: np.ndarray, texts: list[str]) -> str:
        cells = [models[m](texts) for m in models]
        return "".join(f"{roc_auc(labels, s):>16.4f} / {best_f1(labels, s):.3f}" for s in cells)

    for name, texts in sets.items():
        print(f"{name:<44}{row(y, texts)}")
    calls, call_y = call_lines(ROOT / "models" / "words" / "call_lines_eval.tsv")
    print(f"{f'call lines ({len(calls)}, hand-written), clean':<44}{row(call_y, calls)}")
    print(f"{'call lines, ASR-style':<44}{row(call_y, [asr_style(t) for t in calls])}")
    yy = np.r_[np.zeros(len(calm)), np.ones(len(positives))]
    print(f"{'abcd calm turns vs GoEmotions frustrated':<44}{row(yy, calm + positives)}")

    elevated, high = WORDS_THRESHOLDS["elevated"], WORDS_THRESHOLDS["high"]
    print(f"\nabcd_sample customer turns, words model (elevated >= {elevated}, high >= {high})")
    for convo, turns in abcd.items():
        s = model_scores(turns)
        print(
            f"  chat {convo}: {len(turns)} turns, mean {s.mean():.3f}, max {s.max():.3f} "
            f"({turns[int(s.argmax())]!r}), above elevated {int((s >= elevated).sum())}, "
            f"above high {int((s >= high).sum())}"
        )


if __name__ == "__main__":
    main()
