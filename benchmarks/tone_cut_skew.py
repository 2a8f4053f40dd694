"""The tone's speaker mode as the runtime sees it: Whisper views tested on clips cut as the front
end cuts an utterance, whatever they were trained on.

    .venv/bin/pip install -r models/tone/requirements-train.txt
    .venv/bin/python -m benchmarks.tone_cut_skew

benchmarks/tone_accuracy.py tests each recipe on the material it was trained on (v3d: whole
RAVDESS files, about half silence; v5: cuts, models/tone/train.py `as_cut`). The front end hands
the tone model tight cuts, so a view trained on whole files is measured here on cuts too. Five
folds of whole actors, the feature speaker view as shipped; pooled ROC AUC of the raw speaker
score (angry vs every other emotion but neutral, angry vs happy) and of the Whisper speaker view
alone, for the clean clip and a telephone simulation never used in training (the folds and bands
of models/fusion/tone_oof.py).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from models.fusion.tone_oof import BANDS, N_FOLDS, held_out_scores
from models.tone import train as T


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
    emo = np.array([c.emotion for c in clips])
    keep = emo != "neutral"
    angry = emo == "angry"
    ang_happy = keep & (angry | (emo == "happy"))

    def speaker_target(y):
        return T.targets(y, "speaker")

    def whisper():
        return T.make_classifier("whisper")

    spk = held_out_scores(
        clips, values, T.model_inputs, lambda: T.make_classifier("speaker"), True, speaker_target
    )
    print(f"RAVDESS actors 1-{len(set(actors))}, {N_FOLDS} actor folds, raw speaker mode, ROC AUC")
    header = f"{'recipe':6s} {'trained on':10s} {'tested on':9s} {'band':5s}"
    print(header + " ang-rest ang-happy W-view")
    for recipe, train_tab, test_tab, trained, tested in (
        ("v3d", emb_whole, emb_whole, "whole", "whole"),
        ("v3d", emb_whole, emb_cut, "whole", "cuts"),
        ("v5", emb_cut, emb_cut, "cuts", "cuts"),
    ):
        wh = held_out_scores(
            clips,
            train_tab,
            T.embedding_inputs,
            whisper,
            True,
            speaker_target,
            test_tables=test_tab,
        )
        pop = held_out_scores(
            clips, train_tab, T.embedding_inputs, whisper, False, lambda y: y, True, test_tab
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
