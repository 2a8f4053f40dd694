"""How much the shipped tone reading depends on where the front end's cut begins.

    .venv/bin/python -m benchmarks.tone_cut_start [--actors 1-20] [--shifts -30,-20,...]

The front end cuts an utterance where the VAD heard speech begin, with its padding; a change in
the VAD, the loud-voice detector or the line moves that start by a few milliseconds. On the call
bench's held-out voice_only_3 at 8 kHz a 32 ms earlier start moved a shout's reading from 0.80 to
0.50 (the speaker feature model stayed at 1.00; the Whisper views moved). This cuts RAVDESS clips
as the front end does (models/tone/train.py `cut_around_speech`, 0.2 s of padding), moves the
start by each shift, and reads every cut against the actor's own calm reference (their neutral
clips, `SpeakerBaseline.add_calm`), with the Whisper view read behind each set of leads of silence
("phases", `WhisperEmbedder.embed`). Per condition (clean, and a telephone line never used in
training) and phases it prints: the mean and 90th percentile of a clip's spread (highest minus
lowest reading over the shifts), the share of angry clips read at 0.5 or more at every shift, the
share of other clips read at 0.5 or more at any shift, and the ROC AUC of angry vs the other
emotions at shift 0 and over all shifts (the shipped heads were trained on these actors: these
AUCs are in-sample, a check that nothing broke, not a transfer figure). Figures of one run only.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import warnings

import numpy as np

from app.paths import models_dir
from app.scoring.tone.baseline import UTTERANCE_PAD_S, SpeakerBaseline
from app.scoring.tone.features import extract_features
from app.scoring.tone.model import load_tone_scorer
from models.fusion.tone_oof import BANDS
from models.tone import train as T

PAD_S = UTTERANCE_PAD_S  # the front end's padding either side
ALL_PHASES = (0.0, 0.005, 0.010, 0.015)
PHASE_SETS = {"0": (0.0,), "0,10": (0.0, 0.010), "0,5,10,15": ALL_PHASES}
SHIFTS_MS = "-30,-20,-10,-5,0,5,10,20,30"
TESTED = ("calm", "happy", "sad", "angry")


def _actors(text: str) -> set[int]:
    lo, _, hi = text.partition("-")
    return set(range(int(lo), int(hi or lo) + 1))


def _cut(audio: np.ndarray, shift_ms: float) -> np.ndarray:
    """`audio` cut as the front end cuts it, its start moved by `shift_ms` (later if positive)."""
    span = T.speech_span(audio)
    assert span is not None, "a RAVDESS clip has speech"
    pad = int(PAD_S * 16000)
    return audio[max(0, span[0] - pad + round(shift_ms * 16)) : span[1] + pad]


def _averaged(pooled: dict[float, np.ndarray], phases: tuple[float, ...]) -> np.ndarray:
    """What `WhisperEmbedder.embed(audio, sr, phases)` gives, from its one-lead readings."""
    return np.mean([pooled[p] for p in phases], axis=0).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=T.DEFAULT_DATA)
    ap.add_argument("--actors", default="1-20")
    ap.add_argument("--shifts", default=SHIFTS_MS, help="start shifts in ms")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    from sklearn.metrics import roc_auc_score

    shifts = [float(s) for s in args.shifts.split(",")]
    actors = _actors(args.actors)
    clips = [c for c in T.load_ravdess(args.data) if c.actor in actors]
    scorer = load_tone_scorer(threads=args.threads)
    meta = json.loads((models_dir() / "tone" / "tone.json").read_text())
    embedder = scorer.embedder
    assert embedder is not None, "the shipped tone model reads the Whisper view"
    print(f"shipped phases {scorer.encoder_phases_s}; tone recipe {meta.get('recipe')}")
    print(f"RAVDESS actors {args.actors}, shifts {args.shifts} ms, {PAD_S} s padding")
    header = f"{'band':5s} {'phases':10s} {'spread':>6s} {'p90':>5s} {'ang>=.5':>7s} "
    print(header + f"{'oth>=.5':>7s} {'AUC@0':>6s} {'AUCall':>6s}")

    def pooled(audio: np.ndarray) -> dict[float, np.ndarray]:
        return {p: embedder.embed(audio, 16000, (p,)) for p in ALL_PHASES}

    for band, cond in BANDS.items():
        audio = [T.condition_audio(c, cond, i) for i, c in enumerate(clips)]
        bases: dict[str, dict[int, SpeakerBaseline]] = {k: {} for k in PHASE_SETS}
        for c, a in zip(clips, audio, strict=True):
            if c.emotion != "neutral":
                continue
            x = _cut(a, 0.0)
            feats = extract_features(x)
            emb = pooled(x)
            for name, phases in PHASE_SETS.items():
                base = bases[name].setdefault(c.actor, SpeakerBaseline())
                base.add_calm(dataclasses.replace(feats, embedding=_averaged(emb, phases)))
        tested = [(c, a) for c, a in zip(clips, audio, strict=True) if c.emotion in TESTED]
        readings = {k: np.zeros((len(tested), len(shifts))) for k in PHASE_SETS}
        for i, (c, a) in enumerate(tested):
            for j, shift in enumerate(shifts):
                x = _cut(a, shift)
                feats = extract_features(x)
                emb = pooled(x)
                for name, phases in PHASE_SETS.items():
                    f = dataclasses.replace(feats, embedding=_averaged(emb, phases))
                    readings[name][i, j] = scorer.read(f, bases[name][c.actor]).score
        angry = np.array([c.emotion == "angry" for c, _ in tested])
        zero = shifts.index(0.0) if 0.0 in shifts else 0
        for name, r in readings.items():
            spread = r.max(axis=1) - r.min(axis=1)
            row = (
                f"{band:5s} {name:10s} {spread.mean():6.3f} {np.percentile(spread, 90):5.3f} "
                f"{np.mean(r[angry].min(axis=1) >= 0.5):7.3f} "
                f"{np.mean(r[~angry].max(axis=1) >= 0.5):7.3f} "
                f"{roc_auc_score(angry, r[:, zero]):6.3f} "
                f"{roc_auc_score(np.repeat(angry, len(shifts)), r.reshape(-1)):6.3f}"
            )
            print(row, flush=True)


if __name__ == "__main__":
    main()
