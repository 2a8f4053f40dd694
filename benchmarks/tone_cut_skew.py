"""The tone's speaker mode as the runtime sees it: Whisper views tested on clips cut as the front
end cuts an utterance, whatever they were trained on.

    .venv/bin/pip install -r models/tone/requirements-train.txt
    .venv/bin/python -m benchmarks.tone_cut_skew

benchmarks/tone_accuracy.py tests each recipe on the material it was trained on (v3d: whole
RAVDESS files, about half silence; v5: cuts, models/tone/train.py `as_cut`). The front end hands
the tone model tight cuts, so a view trained on whole files is measured here on cuts too. Five
folds of whole actors, the feature speaker view as shipped; pooled ROC AUC of the raw speaker
score (angry vs every other emotion but neutral, angry vs happy) and of the Whisper speaker view
alone, for the clean clip and a telephone simulation never used in training.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from models.tone import train as T

BANDS = {"full": "full", "phone": f"phone{T.EVAL_SEED}"}
N_FOLDS = 5


def _oof(train_tab, test_tab, kind, inputs, clips, folds, target, with_base=True, classes=False):
    """Held-out scores per band: trained on `train_tab`, tested on `test_tab` (same clips)."""
    actors = np.array([c.actor for c in clips])

    def base(tab):
        return {c: T.baseline_means(t, clips) if with_base else None for c, t in tab.items()}

    b_tr, b_te = base(train_tab), base(test_tab)
    out: dict[str, np.ndarray] = {}
    for held in folds:
        test = np.isin(actors, held)
        x = np.concatenate([inputs(train_tab[c], b_tr[c])[~test] for c in T.TRAIN_CONDITIONS])
        y = np.concatenate([target[~test]] * len(T.TRAIN_CONDITIONS))
        model = T.make_classifier(kind).fit(x.astype(np.float32), y)
        for band, cond in BANDS.items():
            x_te = inputs(test_tab[cond], b_te[cond])[test].astype(np.float32)
            p = model.predict_proba(x_te) if classes else T.angry_proba(model, x_te)
            out.setdefault(band, np.zeros((len(clips), *p.shape[1:])))[test] = p
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=T.DEFAULT_DATA)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from sklearn.metrics import roc_auc_score

    clips = T.load_ravdess(args.data)
    conds = [*T.TRAIN_CONDITIONS, BANDS["phone"]]
    whole = T.tables(clips, conds)
    cut = T.tables(clips, conds, cuts=True)
    values = {c: v for c, (v, _) in whole.items()}
    emb_whole = {c: e for c, (_, e) in whole.items()}
    emb_cut = {c: e for c, (_, e) in cut.items()}
    actors = np.array([c.actor for c in clips])
    folds = np.array_split(np.unique(actors), N_FOLDS)
    y5 = T.labels(clips)
    y = T.targets(y5, "speaker")
    emo = np.array([c.emotion for c in clips])
    keep = emo != "neutral"
    angry = emo == "angry"
    ang_happy = keep & (angry | (emo == "happy"))
    spk = _oof(values, values, "speaker", T.model_inputs, clips, folds, y)
    print(f"RAVDESS actors 1-{len(set(actors))}, {N_FOLDS} actor folds, raw speaker mode, ROC AUC")
    header = f"{'recipe':6s} {'trained on':10s} {'tested on':9s} {'band':5s}"
    print(header + " ang-rest ang-happy W-view")
    for recipe, train_tab, test_tab, trained, tested in (
        ("v3d", emb_whole, emb_whole, "whole", "whole"),
        ("v3d", emb_whole, emb_cut, "whole", "cuts"),
        ("v5", emb_cut, emb_cut, "cuts", "cuts"),
    ):
        wh = _oof(train_tab, test_tab, "whisper", T.embedding_inputs, clips, folds, y)
        pop = _oof(
            train_tab, test_tab, "whisper", T.embedding_inputs, clips, folds, y5, False, True
        )
        for band in BANDS:
            s = T.speaker_score(spk[band], wh[band], pop[band], recipe)
            row = (
                roc_auc_score(angry[keep], s[keep]),
                roc_auc_score(angry[ang_happy], s[ang_happy]),
                roc_auc_score(angry[keep], wh[band][keep]),
            )
            vals = " ".join(f"{v:8.3f}" for v in row)
            print(f"{recipe:6s} {trained:10s} {tested:9s} {band:5s} {vals}", flush=True)


if __name__ == "__main__":
    main()
