"""The cheap alternative to re-tuning the encoder: the shipped score stacked with TF-IDF + LR.

A bag-of-words logistic regression (benchmarks/words_accuracy.TfidfLogistic, word 1-2 grams)
trained on the six conversational sets' training splits (the same rows as multitask_data.py,
balanced per set and class), added to the shipped score's logit:

    z = shipped logit + t * tfidf logit                  ("add:t")
    z = shipped logit + t * max(0, tfidf logit)          ("gate:t", only ever raises)

t on a grid; every candidate's AUC on every dev split (the cached shipped outputs of
layer_cache.py's dev table), beside top_layer.py's figures. Dev only: nothing here reads test.

    python -m models.words.tfidf_stack --cache /tmp/words_cache
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from benchmarks.words_accuracy import TfidfLogistic
from models.words.convo_data import TRAIN_SETS
from models.words.multitask_data import N_GE
from models.words.top_layer import DEV_SPLITS, Cache, dev_aucs, shipped_dev_logit


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cache", type=Path, required=True)
    args = p.parse_args()
    train = np.load(args.cache / "train.npz")
    texts = json.loads((args.cache / "train.json").read_text())
    groups = train["groups"]
    rows = np.flatnonzero(np.isin(groups, TRAIN_SETS))
    y = np.array([train["targets"][i, N_GE + TRAIN_SETS.index(groups[i])] for i in rows])
    # balanced per set and class through repetition-free weighting: TfidfLogistic has no
    # weights, so each set's rows are subsampled to at most 1,500 per class
    rng = np.random.default_rng(13)
    keep = []
    for name in TRAIN_SETS:
        for label in (0, 1):
            idx = rows[(groups[rows] == name) & (y == label)]
            keep += list(rng.choice(idx, min(len(idx), 1500), replace=False))
    keep_arr = np.array(sorted(keep))
    ys = np.array([train["targets"][i, N_GE + TRAIN_SETS.index(groups[i])] for i in keep_arr])
    model = TfidfLogistic(c=1.0).fit([texts[i] for i in keep_arr], ys)
    dev = Cache(args.cache, "dev")
    dev_texts = json.loads((args.cache / "dev.json").read_text())
    shipped = shipped_dev_logit(dev)
    tfidf = model.decision(dev_texts)
    base = dev_aucs(dev, shipped)
    print("shipped: " + " ".join(f"{g} {base[g]:.4f}" for g in DEV_SPLITS))
    for form in ("add", "gate"):
        for t in (0.05, 0.1, 0.2, 0.35, 0.5):
            extra = tfidf if form == "add" else np.maximum(tfidf, 0.0)
            aucs = dev_aucs(dev, shipped + t * extra)
            delta = {g: aucs[g] - base[g] for g in DEV_SPLITS}
            cells = " ".join(f"{g[:8]} {aucs[g]:.4f} ({delta[g]:+.4f})" for g in DEV_SPLITS)
            print(
                f"{form}:{t:<5} mean {np.mean(list(aucs.values())):.4f} "
                f"min-delta {min(delta.values()):+.4f} | {cells}",
                flush=True,
            )


if __name__ == "__main__":
    main()
