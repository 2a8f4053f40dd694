"""Accuracy of the words model: before / now / simple baselines, every test split, one run.

    .venv/bin/python -m benchmarks.words_accuracy [--data ../shared/data] [--threads 1]
        [--candidate DIR] [--before DIR]

Columns:
- "before (GoEmotions)": the score shipped before the conversational head (the GoEmotions head
  and its dev-fitted combiner). When models/words holds the conversational head, this is
  computed from the same graph (its `frustration_goemotions` and `emotions` outputs and
  config.json "previous_combiner"), so it is exactly the old score.
- "now (shipped)": `load_words_scorer().score`, what the app uses.
- "candidate" (only with --candidate DIR): another model folder, scored the same way.
- "before" (only with --before DIR): an older model folder (e.g. the graph shipped before the
  session-8 top-layer tune: `git show` it out of history into a folder), scored the same way.
- "TF-IDF+LR (GoEmotions)": word 1-2 grams + logistic regression on GoEmotions train (clean +
  ASR-style copies), numpy and scipy only, C=1 (chosen on dev by models/words/train.py).
- "TF-IDF+LR (GE + convo)": the same, trained on GoEmotions train plus the training splits of the
  six conversational sets the new head learns from (models/words/convo_data.py, same mapping).

Rows: GoEmotions test (clean; ASR-style: lower case, no punctuation; ASR-style with fillers), the
hand-written call lines (models/words/call_lines_eval.tsv, evaluation only), abcd calm customer
turns vs the frustrated GoEmotions test comments (ASR-style), and the test split of every
conversational set (convo_data.py; emocontext is evaluation only, never trained or tuned on).
Each cell is ROC AUC / best F1. Then how high the abcd calm turns score. Several minutes on one
core (two TF-IDF fits, about 45k texts scored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.stats import rankdata

from app.scoring.words import WordsScorer, load_words_scorer, logit
from models.words.convo_data import ALL_SETS, TRAIN_SETS, load_split
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


def _batched(texts: list[str], fn: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Score in length-sorted batches of 32 (as the app would see short turns), input order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty(len(texts))
    for i in range(0, len(order), 32):
        idx = order[i : i + 32]
        out[idx] = fn([texts[j] for j in idx])
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def previous_scores(scorer: WordsScorer, config: dict) -> Callable[[list[str]], np.ndarray]:
    """The score shipped before the conversational head, from the same graph."""
    spec = config["previous_combiner"]
    names = list(config["outputs"]["emotions"])
    cols = [names.index(n) for n in spec["labels"]]

    def run(texts: list[str]) -> np.ndarray:
        frus, emo = scorer.outputs(texts, ["frustration_goemotions", "emotions"])
        z = spec["w_frustration_logit"] * logit(frus) + spec["bias"]
        if cols:
            z = z + spec["w_logsumexp_label_logits"] * np.logaddexp.reduce(
                logit(emo)[:, cols], axis=1
            )
        return _sigmoid(z)

    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--candidate", type=Path, help="another model folder to score beside")
    p.add_argument("--before", type=Path, help="an older model folder to score beside")
    args = p.parse_args()
    ge = args.data / "goemotions" / "original"
    train, test = read_split(ge, "train"), read_split(ge, "test")
    y = np.array(test.frustrated)
    rng = random.Random(7)
    asr_test = [asr_style(t) for t in test.texts]
    rows: list[tuple[str, list[str], np.ndarray]] = [
        ("GoEmotions test, clean", test.texts, y),
        ("GoEmotions test, ASR-style", asr_test, y),
        ("GoEmotions test, ASR + fillers", [with_fillers(t, rng) for t in asr_test], y),
    ]
    calls, call_y = call_lines(ROOT / "models" / "words" / "call_lines_eval.tsv")
    rows.append((f"call lines ({len(calls)}, hand-written), clean", calls, call_y))
    rows.append(("call lines, ASR-style", [asr_style(t) for t in calls], call_y))
    abcd = abcd_customer_turns(args.data)
    calm = [t for turns in abcd.values() for t in turns]
    positives = [t for t, f in zip(asr_test, y, strict=True) if f]
    rows.append(
        (
            "abcd calm turns vs GoEmotions frustrated",
            calm + positives,
            np.r_[np.zeros(len(calm)), np.ones(len(positives))],
        )
    )
    for name in ALL_SETS:
        part = load_split(name, "test", args.data)
        tag = " (eval only)" if name not in TRAIN_SETS else ""
        rows.append((f"{name} test{tag}", part.texts, np.array(part.labels)))

    t0 = time.time()
    tr_texts = train.texts + [asr_style(t) for t in train.texts]
    tr_y = list(train.frustrated) * 2
    baseline = TfidfLogistic(c=1.0).fit(tr_texts, np.array(tr_y, dtype=float))
    for name in TRAIN_SETS:
        part = load_split(name, "train", args.data)
        tr_texts += part.texts
        tr_y += part.labels
    baseline_mix = TfidfLogistic(c=1.0).fit(tr_texts, np.array(tr_y, dtype=float))
    print(f"baselines trained in {time.time() - t0:.0f}s")

    scorer = load_words_scorer(threads=args.threads)
    config = json.loads((ROOT / "models" / "words" / "config.json").read_text())
    models: dict[str, Callable[[list[str]], np.ndarray]] = {}
    if args.before:
        old = load_words_scorer(args.before, threads=args.threads)
        models["before"] = lambda t: np.array(old.score(t))
    cand_config = json.loads((args.candidate / "config.json").read_text()) if args.candidate else {}
    shipped_sha = hashlib.sha256((ROOT / "models" / "words" / "model.onnx").read_bytes())
    if "previous_combiner" in config:
        models["before (GoEmotions)"] = previous_scores(scorer, config)
        models["now (shipped)"] = lambda t: np.array(scorer.score(t))
    elif (
        cand_config.get("base_graph_sha256") == shipped_sha.hexdigest()
        and cand_config.get("previous_combiner") == config["combiner"]
    ):
        # the candidate is the shipped graph plus a head: its GoEmotions outputs and the shipped
        # combiner give the shipped score exactly (same int8 nodes, checked by sha256 above)
        cand = load_words_scorer(args.candidate, threads=args.threads)
        models["shipped (GoEmotions)"] = previous_scores(cand, cand_config)
        print("shipped score computed from the candidate graph (same encoder, same head)")
    else:
        models["shipped (GoEmotions)"] = lambda t: np.array(scorer.score(t))
    if args.candidate:
        cand = load_words_scorer(args.candidate, threads=args.threads)
        models["candidate"] = lambda t: np.array(cand.score(t))
    models["TF-IDF+LR (GoEmotions)"] = baseline.decision
    models["TF-IDF+LR (GE + convo)"] = baseline_mix.decision

    print("\nROC AUC / best F1")
    print(f"{'set':<44}" + "".join(f"{m:>24}" for m in models))
    for name, texts, labels in rows:
        cells = []
        for m, fn in models.items():
            s = _batched(texts, fn) if not m.startswith("TF-IDF") else fn(texts)
            cells.append(f"{roc_auc(labels, s):>14.4f} / {best_f1(labels, s):.3f}")
        print(f"{f'{name} [{int(labels.sum())}/{len(labels)}]':<44}" + "".join(cells))

    folders = {"shipped": scorer}
    if args.before:
        folders = {"before": old, **folders}
    if args.candidate:
        folders["candidate"] = cand
    for label, model in folders.items():
        elevated, high = model.thresholds["elevated"], model.thresholds["high"]
        print(f"\nabcd_sample customer turns, {label} (elevated >= {elevated}, high >= {high})")
        for convo, turns in abcd.items():
            s = np.array(model.score(turns))
            print(
                f"  chat {convo}: {len(turns)} turns, mean {s.mean():.3f}, max {s.max():.3f} "
                f"({turns[int(s.argmax())]!r}), above elevated {int((s >= elevated).sum())}, "
                f"above high {int((s >= high).sum())}"
            )


if __name__ == "__main__":
    main()
