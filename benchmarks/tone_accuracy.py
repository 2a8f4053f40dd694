"""Tone model accuracy on RAVDESS, held out by actor and by sentence, beside a simple baseline.

    .venv/bin/pip install -r models/tone/requirements-train.txt
    .venv/bin/python -m benchmarks.tone_accuracy [--data ../shared/data/ravdess] [--folds 5]
        [--by statement,actor]

Actors 1–20 are split into folds of whole actors; each fold's models are trained (with the same
telephone augmentation as the shipped model) on the other actors only. "statement" (printed
first; what the v4 candidate was selected on) also holds out one of RAVDESS's two sentences:
the fold trains on the other actors saying the other sentence, tests on its own actors saying
this one, and takes the baseline from the held-out actor's neutral clips of the training
sentence. Scores of held-out
clips are pooled and ROC AUC is reported for: angry vs calm, angry vs happy (its own column:
loudness alone cannot split them), angry vs sad, normal-intensity ("mild") angry vs all calm,
happy and sad clips, and angry vs every other emotion. Test bands: the clean 16 kHz
clip ("full") and a telephone simulation never used in training ("phone"). With a speaker
baseline, each held-out actor's four neutral clips are the calm reference; neutral clips are
therefore never test items (in any row, for comparability).

Rows: v5 (the Whisper views trained and tested on clips cut as the front end cuts an
utterance, `as_cut`; the speaker views combined by their geometric mean), the v3 recipe, v3 with
the excitement damping ("v3d": with a baseline, the speaker score is lowered when the 5-class
Whisper view hears more happiness than anger), the v4 candidate (models/tone/train.py RECIPES: a
Whisper view without a baseline too, the damping with one; not shipped, see the model card), each
view alone, and the simple baseline. Feature tables are cached in out/tone (train.py `tables`).

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
COLUMNS = ("ang-calm", "ang-happy", "ang-sad", "mild-rest", "ang-rest")


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
    out.append(roc_auc_score(angry, p))
    return out


Preds = dict[str, np.ndarray]  # test band -> pooled held-out P(angry) (or class probabilities)


def folds(clips: list[T.Clip], n_folds: int, by: str):
    """(train mask, test mask, held-out statement or None) per fold. "actor": folds of whole
    actors. "statement": the same actor folds, each split by RAVDESS's two sentences; a fold
    trains on the other actors saying the other sentence only, so neither the voice nor the
    words of a test clip were seen in training."""
    actors = np.array([c.actor for c in clips])
    stmt = np.array([c.statement for c in clips])
    for held in np.array_split(np.unique(actors), n_folds):
        test_actor = np.isin(actors, held)
        if by == "actor":
            yield ~test_actor, test_actor, None
            continue
        for s in (0, 1):
            yield ~test_actor & (stmt != s), test_actor & (stmt == s), s


def baselines(feats: np.ndarray, clips: list[T.Clip], held_statement: int | None) -> np.ndarray:
    """Per clip: the mean of its actor's neutral clips (itself left out); with a held-out
    statement, only neutral clips of the other (training) sentence, so the baseline never says
    the test clip's words."""
    if held_statement is None:
        return T.baseline_means(feats, clips)
    out = np.zeros_like(feats)
    actors = np.array([c.actor for c in clips])
    ok = np.array([c.emotion == "neutral" and c.statement != held_statement for c in clips])
    for i in range(len(clips)):
        sel = (actors == actors[i]) & ok
        sel[i] = False
        out[i] = feats[sel].mean(axis=0)
    return out


def cross_validate(
    clips, tables, inputs, make, n_folds, with_base, target=None, by="actor", classes=False
) -> Preds:
    """Pooled held-out P(angry) (all class probabilities with `classes`) per test band."""
    y = T.labels(clips) if target is None else target(T.labels(clips))
    train_conds = list(T.TRAIN_CONDITIONS)
    preds: Preds = {}
    for train, test, held in folds(clips, n_folds, by):
        bases = {c: baselines(f, clips, held) if with_base else None for c, f in tables.items()}
        xs = {c: inputs(tables[c], bases[c]) for c in tables}
        x_tr = np.concatenate([xs[c][train] for c in train_conds])
        y_tr = np.concatenate([y[train]] * len(train_conds))
        model = make().fit(x_tr.astype(np.float32), y_tr)
        for band, cond in TEST_CONDITIONS.items():
            x_te = xs[cond][test].astype(np.float32)
            p = model.predict_proba(x_te) if classes else T.angry_proba(model, x_te)
            preds.setdefault(band, np.zeros((len(clips), *p.shape[1:])))[test] = p
    return preds


def main() -> None:
    ap = argparse.ArgumentParser(description="Tone model accuracy (actor-grouped CV).")
    ap.add_argument("--data", type=Path, default=T.DEFAULT_DATA)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument(
        "--by",
        default="statement,actor",
        help="fold schemes, comma-separated: statement (actor folds x held-out sentence), actor",
    )
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    t0 = time.time()
    clips = T.load_ravdess(args.data)
    conds = [*T.TRAIN_CONDITIONS, TEST_CONDITIONS["phone"]]
    tabs = T.tables(clips, conds)
    values = {c: v for c, (v, _) in tabs.items()}
    embs = {c: e for c, (_, e) in tabs.items()}
    # v5's Whisper views: trained and tested on clips cut as the front end cuts an utterance
    cut_embs = {c: e for c, (_, e) in T.tables(clips, conds, cuts=True).items()}
    simple_tabs = {c: simple_table(clips, c) for c in conds}
    print(f"features: {time.time() - t0:.0f} s", file=sys.stderr)

    def simple_model():
        lr = LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced")
        return make_pipeline(StandardScaler(), lr)

    def speaker_target(y):
        return T.targets(y, "speaker")

    def whisper():
        return T.make_classifier("whisper")

    keep = np.array([c.emotion != "neutral" for c in clips])
    test_clips = [c for c in clips if c.emotion != "neutral"]
    n_actors = len({c.actor for c in clips})
    angry = T.EMOTIONS.index("angry")
    k = args.folds
    for by in args.by.split(","):
        pop = cross_validate(clips, values, T.model_inputs, T.make_classifier, k, False, by=by)
        pop_wh = cross_validate(
            clips, embs, T.embedding_inputs, whisper, k, False, by=by, classes=True
        )
        spk = cross_validate(
            clips,
            values,
            T.model_inputs,
            lambda: T.make_classifier("speaker"),
            k,
            True,
            speaker_target,
            by=by,
        )
        spk_wh = cross_validate(
            clips, embs, T.embedding_inputs, whisper, k, True, speaker_target, by=by
        )
        pop_cut = cross_validate(
            clips, cut_embs, T.embedding_inputs, whisper, k, False, by=by, classes=True
        )
        spk_cut = cross_validate(
            clips, cut_embs, T.embedding_inputs, whisper, k, True, speaker_target, by=by
        )
        bands = list(TEST_CONDITIONS)
        w_f, w_w = T.FUSION.values()
        runs: dict[str, dict[bool, Preds]] = {
            "v5 (cut Whisper views, geometric mean)": {
                False: pop,
                True: {b: T.speaker_score(spk[b], spk_cut[b], pop_cut[b], "v5") for b in bands},
            },
            "v4 candidate (features + Whisper views)": {
                False: {b: T.population_score(pop[b], pop_wh[b][:, angry], "v4") for b in bands},
                True: {b: T.speaker_score(spk[b], spk_wh[b], pop_wh[b], "v4") for b in bands},
            },
            "v3 + excitement damping (v3d)": {
                False: {b: T.population_score(pop[b], pop_wh[b][:, angry], "v3d") for b in bands},
                True: {b: T.speaker_score(spk[b], spk_wh[b], pop_wh[b], "v3d") for b in bands},
            },
            "v3 (pop: features; spk: f+W)": {
                False: pop,
                True: {b: (w_f * spk[b] + w_w * spk_wh[b]) / (w_f + w_w) for b in bands},
            },
            "features only (pop ens / spk LR)": {False: pop, True: spk},
            "Whisper views only (5-class / spk LR)": {
                False: {b: pop_wh[b][:, angry] for b in bands},
                True: spk_wh,
            },
            "simple (energy+centroid+ZCR, LR)": {
                wb: cross_validate(clips, simple_tabs, simple_inputs, simple_model, k, wb, by=by)
                for wb in (False, True)
            },
        }
        scheme = (
            f"{k} actor folds x 2 held-out sentences" if by == "statement" else f"{k} actor folds"
        )
        print(f"RAVDESS actors 1-{n_actors}, {scheme}, pooled ROC AUC")
        print(f"{'model':40s} {'band':6s} {'baseline':9s} " + " ".join(f"{c:>9s}" for c in COLUMNS))
        for name, res in runs.items():
            for band in TEST_CONDITIONS:
                for with_base, preds in res.items():
                    row = aucs(preds[band][keep], test_clips)
                    base = "speaker" if with_base else "none"
                    vals = " ".join(f"{v:9.3f}" for v in row)
                    print(f"{name:40s} {band:6s} {base:9s} {vals}", flush=True)
        print()
    print(f"total: {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
