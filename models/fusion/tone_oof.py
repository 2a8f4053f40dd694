"""Held-out tone scores of every RAVDESS clip: the input the fusion and the tone calibration
are fitted on.

    .venv/bin/python -m models.fusion.tone_oof [--out out/fusion/tone_oof.npz]

The shipped tone model was trained on all of actors 1-20, so its scores on those clips are
in-sample and overconfident. Here every clip is scored by models trained without its actor:
5 folds of 4 whole actors, the same recipe, features, telephone augmentation and classifiers as
models/tone/train.py (the same actor folds as benchmarks/tone_accuracy.py). Two bands:
the clean clip ("full") and a telephone simulation never used in training ("phone", seed 99).
Two modes, as at run time: "population" (no baseline: the 5-class ensemble's P(angry)) and
"speaker" (relative to the mean of the actor's other neutral clips); each mode combined as at
run time (models/tone/train.py population_score, speaker_score).

The Whisper views' held-out clips are read as the runtime reads them: behind the leads of
silence of the shipped tone.json (`encoder_phases_s`; absent: one lead of 0 s). The views are
trained on one-lead frames, as train.py trains them.

Also scores calm speech from outside RAVDESS with the shipped model, as out-of-domain negatives for
the population calibration: the read speech of asr_eval_small in 2.5 s chunks and 40 calm
service sentences in six espeak-ng voices (benchmarks/tone_calm_speech.py's material).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from models.tone import train as T

ROOT = Path(__file__).resolve().parents[2]

BANDS = {"full": "full", "phone": f"phone{T.EVAL_SEED}"}
N_FOLDS = 5


def held_out_scores(
    clips, tables, inputs, make, with_base, target, classes=False, test_tables=None
) -> dict[str, np.ndarray]:
    """Pooled held-out P(angry) (or all class probabilities) per band (the actor folds of
    benchmarks/tone_accuracy.py). The held-out clips are read from `test_tables` when given
    (the same clips, made another way: benchmarks/tone_cut_skew.py), else from `tables`."""
    actors = np.array([c.actor for c in clips])
    y = target(T.labels(clips))
    folds = np.array_split(np.unique(actors), N_FOLDS)
    train_conds = list(T.TRAIN_CONDITIONS)

    def model_inputs(tabs):
        bases = {c: T.baseline_means(f, clips) if with_base else None for c, f in tabs.items()}
        return {c: inputs(tabs[c], bases[c]) for c in tabs}

    xs = model_inputs(tables)
    xs_test = xs if test_tables is None else model_inputs(test_tables)
    preds: dict[str, np.ndarray] = {}
    for held in folds:
        test = np.isin(actors, held)
        x_tr = np.concatenate([xs[c][~test] for c in train_conds])
        y_tr = np.concatenate([y[~test]] * len(train_conds))
        model = make().fit(x_tr.astype(np.float32), y_tr)
        for band, cond in BANDS.items():
            x_te = xs_test[cond][test].astype(np.float32)
            p = model.predict_proba(x_te) if classes else T.angry_proba(model, x_te)
            if band not in preds:
                preds[band] = np.zeros((len(clips), *p.shape[1:]))
            preds[band][test] = p
    return preds


def shipped_phases() -> tuple[float, ...]:
    """The leads of silence the shipped tone model reads the Whisper view behind."""
    meta = json.loads((ROOT / "models" / "tone" / "tone.json").read_text(encoding="utf-8"))
    return tuple(float(p) for p in meta.get("encoder_phases_s", (0.0,))) or (0.0,)


def ravdess_oof(data: Path, recipe: str = T.SHIPPED) -> dict[str, np.ndarray]:
    clips = T.load_ravdess(data)
    conds = [*T.TRAIN_CONDITIONS, BANDS["phone"]]
    t0 = time.time()
    cuts = bool(T.RECIPES[recipe].get("cuts"))
    tabs = T.tables(clips, conds, cuts=cuts)
    values = {c: v for c, (v, _) in tabs.items()}
    embs = {c: e for c, (_, e) in tabs.items()}
    phases = shipped_phases()
    test_embs = None
    if phases != (0.0,):
        read = T.tables(clips, list(BANDS.values()), cuts=cuts, phases_s=phases)
        test_embs = {c: e for c, (_, e) in read.items()}
    print(f"features and encoder: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)

    def speaker_target(y):
        return T.targets(y, "speaker")

    def whisper():
        return T.make_classifier("whisper")

    pop = held_out_scores(clips, values, T.model_inputs, T.make_classifier, False, lambda y: y)
    pop_wh = held_out_scores(
        clips, embs, T.embedding_inputs, whisper, False, lambda y: y, True, test_embs
    )
    spk = held_out_scores(
        clips, values, T.model_inputs, lambda: T.make_classifier("speaker"), True, speaker_target
    )
    spk_wh = held_out_scores(
        clips, embs, T.embedding_inputs, whisper, True, speaker_target, test_tables=test_embs
    )
    out: dict[str, np.ndarray] = {
        "emotion": np.array([c.emotion for c in clips]),
        "intensity": np.array([c.intensity for c in clips]),
        "actor": np.array([c.actor for c in clips]),
        "statement": np.array([c.statement for c in clips]),
        "recipe": np.array(recipe),
        "encoder_phases_s": np.array(phases),
    }
    angry = T.EMOTIONS.index("angry")
    for band in BANDS:
        out[f"population_{band}"] = T.population_score(pop[band], pop_wh[band][:, angry], recipe)
        out[f"speaker_{band}"] = T.speaker_score(spk[band], spk_wh[band], pop_wh[band], recipe)
    print(f"cross-validation: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return out


def calm_outside_ravdess() -> dict[str, np.ndarray]:
    """Shipped-model scores of calm, varied speech from outside RAVDESS (never trained on)."""
    from app.scoring.tone import SpeakerBaseline, load_tone_scorer
    from benchmarks import tone_calm_speech as C

    scorer = load_tone_scorer()
    groups = C.read_speech_groups() + C.espeak_groups()
    pop, spk, group = [], [], []
    for name, audios in groups:
        feats = [scorer.features(a) for a in audios]
        n_base = 4 if len(audios) >= 8 else 1
        base = SpeakerBaseline()
        for f in feats[:n_base]:
            base.add_calm(f)
        for f in feats[n_base:]:
            pop.append(scorer.raw_score(f, None))  # before calibration: what is fitted
            spk.append(scorer.raw_score(f, base))
            group.append(name)
    return {
        "calm_group": np.array(group),
        "calm_population": np.array(pop),
        "calm_speaker": np.array(spk),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=T.DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "fusion" / "tone_oof.npz")
    ap.add_argument("--recipe", choices=sorted(T.RECIPES), default=T.SHIPPED)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    res = ravdess_oof(args.data, args.recipe)
    res.update(calm_outside_ravdess())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **res)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
