"""Compare fine-tuned words graphs on GoEmotions: each alone, their mean-logit ensemble, and a
paired bootstrap of each against the first on dev.

    .venv/bin/python -m models.words.compare SHIPPED.onnx OTHER.onnx [...] [--test]

The frustration logit of each graph (the int8 ONNX that train.py writes) is scored on dev, clean
and ASR-style; "ensemble" is the mean of all the graphs' logits (what distillation with
`train.py --teachers` aims at in one model). The paired bootstrap resamples dev comments 500 times
and gives the mean and spread of AUC(other) - AUC(first), and how often it is <= 0: a dev gain
inside that spread is no reason to swap the shipped model. `--test` also prints test, for the
report only (choices are made on dev). Needs scikit-learn and onnxruntime
(requirements-train.txt); a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from models.words.distill import teacher_logits
from models.words.spoken_style import asr_style, read_split
from models.words.train_common import make_tokenizer

HERE = Path(__file__).resolve().parent


def paired_bootstrap(y: np.ndarray, base: np.ndarray, other: np.ndarray, n: int = 500):
    rng = np.random.default_rng(0)
    diffs = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        diffs.append(roc_auc_score(y[i], other[i]) - roc_auc_score(y[i], base[i]))
    d = np.array(diffs)
    return float(d.mean()), float(d.std()), float((d <= 0).mean())


def label(graph: Path, graphs: list[Path]) -> str:
    """The file name, or folder/file name where several graphs share a file name (train.py
    writes every run's graph as model.onnx)."""
    if sum(g.name == graph.name for g in graphs) > 1:
        return f"{graph.parent.name}/{graph.name}"
    return graph.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("graphs", type=Path, nargs="+")
    ap.add_argument("--data", type=Path, default=HERE.parents[2] / "shared" / "data")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--test", action="store_true", help="also report test (never choose on it)")
    args = ap.parse_args()
    tok = make_tokenizer(HERE, 128)
    for split in ("dev", "test") if args.test else ("dev",):
        data = read_split(args.data / "goemotions" / "original", split)
        y = np.array(data.frustrated)
        for style, texts in (
            ("clean", data.texts),
            ("ASR-style", list(map(asr_style, data.texts))),
        ):
            logits = [teacher_logits([g], tok, texts, args.threads)[:, 0] for g in args.graphs]
            row = [
                f"{label(g, args.graphs)} {roc_auc_score(y, lg):.4f}"
                for g, lg in zip(args.graphs, logits, strict=True)
            ]
            if len(logits) > 1:
                row.append(f"ensemble {roc_auc_score(y, np.mean(logits, axis=0)):.4f}")
            print(f"{split} {style}: " + ", ".join(row), flush=True)
            if split == "dev":
                for g, lg in zip(args.graphs[1:], logits[1:], strict=True):
                    mean, sd, p = paired_bootstrap(y, logits[0], lg)
                    base, other = label(args.graphs[0], args.graphs), label(g, args.graphs)
                    print(f"  {other} - {base}: {mean:+.4f} (sd {sd:.4f}), <= 0 in {p:.1%}")


if __name__ == "__main__":
    main()
