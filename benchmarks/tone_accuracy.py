"""Tone model accuracy on RAVDESS with actor-grouped cross-validation, beside a simple baseline.

    .venv/bin/pip install -r models/tone/requirements-train.txt
    .venv/bin/python -m benchmarks.tone_accuracy [--data ../shared/data/ravdess] [--folds 5]

Actors 1–20 are split into folds of whole actors; each fold's models are trained (with the same
telephone augmentation as the shipped model) on the other actors only. Scores of held-out actors
are pooled and ROC AUC is reported for: angry vs calm, angry vs happy, angry vs sad, and
normal-intensity ("mild") angry vs all calm, happy and sad clips. Test bands: the clean 16 kHz
clip ("full") and a telephone simulation never used in training ("phone"). With a speaker
baseline, each held-out actor's four neutral clips are the calm reference; neutral clips are
therefore never test items (in any row, for comparability).

Rows: the shipped model (population ensemble without a baseline; with one, the mean of the
speaker feature model and the Whisper-encoder model), each speaker model alone, and the simple
baseline.

The simple baseline: frame log-energy, spectral centroid and zero-crossing rate (mean, std, p10,
p90 of active frames, full 16 kHz analysis) + logistic regression; with a speaker baseline it also
gets the differences from the actor's neutral mean, like the tone model.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from models.tone import train as T

ROOT = Path(__file__).resolve().parents[1]

TEST_CONDITIONS = {"full": "full", "phone": f"phone{T.EVAL_SEED}"}
COLUMNS = ("ang-calm", "ang-happy", "ang-sad", "mild-ang-rest")


def simple_features(audio: np.ndarray, sr: int = 16000) -> np.ndarray:
    """Log-energy, spectral centroid and ZCR statistics over active 25 ms frames."""
    x = np.asarray(audio, np.float64)
    n, hop = 400, 160
    if x.size < n:
        x = np.pad(x, (0, n - x.size))
    fr = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    energy = 10 * np.log10(np.mean(fr**2, axis=1) + 1e-10)
    power = np.abs(np.fft.rfft(fr * np.hanning(n), axis=1)) ** 2 + 1e-12
    centroid = power @ np.fft.rfftfreq(n, 1 / sr) / power.sum(axis=1) / 1000
    zcr = np.mean(np.abs(np.diff(np.sign(fr), axis=1)) > 0, axis=1)
    active = energy > energy.max() - 40
    out = []
    for v in (energy, centroid, zcr):
        va = v[active]
        out += [va.mean(), va.std(), np.percentile(va, 10), np.percentile(va, 90)]
    return np.array(out)


def simple_table(clips: list[T.Clip], condition: str) -> np.ndarray:
    rows = [simple_features(T.condition_audio(c, condition, i)) for i, c in enumerate(clips)]
    return np.stack(rows)


def simple_inputs(feats: np.ndarray, base: np.ndarray | None) -> np.ndarray:
    return feats if base is None else np.concatenate([feats, feats - base], axis=1)


def aucs(p: np.ndarray, clips: list[T.Clip]) -> list[float]:
    from sklearn.metrics import roc_auc_score

    emo = np.array([c.emotion for c in clips])
    mild = np.array([c.intensity == "normal" for c in clips])
    angry = emo == "angry"
    out = []
    for neg in ("calm", "happy", "sad"):
        m = angry | (emo == neg)
        out.append(roc_auc_score(angry[m], p[m]))
    m = (angry & mild) | np.isin(emo, ["calm", "happy", "sad"])
    out.append(roc_auc_score(angry[m], p[m]))
    return out


Preds = dict[str, np.ndarray]  # test band -> pooled held-out P(angry) per clip


def cross_validate(clips, tables, inputs, make, n_folds, with_base, target=None) -> Preds:
    """Pooled held-out P(angry) per test band, for a scikit-learn model on a feature table."""
    actors = np.array([c.actor for c in clips])
    y = T.labels(clips) if target is None else target(T.labels(clips))
    folds = np.array_split(np.unique(actors), n_folds)
    train_conds = ["full", *(f"phone{s}" for s in T.TRAIN_SEEDS)]
    bases = {c: T.baseline_means(f, clips) if with_base else None for c, f in tables.items()}
    xs = {c: inputs(tables[c], bases[c]) for c in tables}
    preds = {band: np.zeros(len(clips)) for band in TEST_CONDITIONS}
    for held in folds:
        test = np.isin(actors, held)
        x_tr = np.concatenate([xs[c][~test] for c in train_conds])
        y_tr = np.concatenate([y[~test]] * len(train_conds))
        model = make().fit(x_tr.astype(np.float32), y_tr)
        for band, cond in TEST_CONDITIONS.items():
            preds[band][test] = T.angry_proba(model, xs[cond][test].astype(np.float32))
    return preds


def main() -> None:
    ap = argparse.ArgumentParser(description="Tone model accuracy (actor-grouped CV).")
    ap.add_argument("--data", type=Path, default=T.DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    t0 = time.time()
    clips = T.load_ravdess(args.data)
    conds = ["full", *(f"phone{s}" for s in T.TRAIN_SEEDS), TEST_CONDITIONS["phone"]]
    values = {c: T.feature_table(clips, c) for c in conds}
    simple_tabs = {c: simple_table(clips, c) for c in conds}
    embs = {c: T.embedding_table(clips, c) for c in conds}
    print(f"features: {time.time() - t0:.0f} s", file=sys.stderr)

    def simple_model():
        lr = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        return make_pipeline(StandardScaler(), lr)

    def speaker_target(y):
        return T.targets(y, "speaker")

    k = args.folds
    pop = cross_validate(clips, values, T.model_inputs, T.make_classifier, k, False)
    spk = cross_validate(
        clips, values, T.model_inputs, lambda: T.make_classifier("speaker"), k, True, speaker_target
    )
    whisper = cross_validate(
        clips,
        embs,
        T.embedding_inputs,
        lambda: T.make_classifier("whisper"),
        k,
        True,
        speaker_target,
    )

    def fuse(other: Preds, weights: dict[str, float]) -> Preds:
        (w_spk, w_other) = weights.values()
        return {b: (w_spk * spk[b] + w_other * other[b]) / (w_spk + w_other) for b in other}

    # runs: name -> {with_base: preds}
    runs: dict[str, dict[bool, Preds]] = {
        "shipped (features + Whisper encoder)": {False: pop, True: fuse(whisper, T.FUSION)}
    }
    runs["features only (pop ens / spk LR)"] = {False: pop, True: spk}
    runs["Whisper-encoder LR only"] = {True: whisper}
    runs["simple (energy+centroid+ZCR, LR)"] = {
        wb: cross_validate(clips, simple_tabs, simple_inputs, simple_model, k, wb)
        for wb in (False, True)
    }
    keep = np.array([c.emotion != "neutral" for c in clips])
    test_clips = [c for c in clips if c.emotion != "neutral"]
    n_actors = len({c.actor for c in clips})
    print(f"RAVDESS actors 1-{n_actors}, {k}-fold actor-grouped CV, pooled ROC AUC")
    print(f"{'model':38s} {'band':6s} {'baseline':9s} " + " ".join(f"{c:>13s}" for c in COLUMNS))
    for name, res in runs.items():
        for band in TEST_CONDITIONS:
            for with_base, preds in res.items():
                row = aucs(preds[band][keep], test_clips)
                base = "speaker" if with_base else "none"
                vals = " ".join(f"{v:13.3f}" for v in row)
                print(f"{name:38s} {band:6s} {base:9s} {vals}")
    print(f"total: {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
