"""Tone over a turn that mixes one shouted sentence with calm ones: whole turn vs clip windows.

    .venv/bin/python -m benchmarks.tone_mixed_turns [--window 2.5] [--hop 1.0] [--cuts]

The tone model reads one utterance as a whole and learned from RAVDESS clips of 2-3 s. A real
customer may shout one sentence and go on calmly in the same turn; the call bench's `both` calls
showed the dilution (an angry clip then an espeak-ng line: turn tone median 0.24, the clips alone
0.98). This measures it on human speech only. Per RAVDESS actor (speaker mode: a baseline from
two neutral clips and one calm clip, as the pipeline builds one), the calibrated tone of:
- a strongly angry statement alone;
- that statement followed by two calm statements of the same actor in one turn (0.3 s gaps),
  read whole, and as the maximum over `--window` s windows every `--hop` s;
- three calm statements in one turn (must stay low either way);
- a strongly happy statement followed by two calm ones (tone's known confusion);
and each turn as the front end reads it (`ToneScorer.read_turn`: sentence by sentence, split at
its pauses, where one sentence reads as a confident shout).
With `--cuts`, the turns as a call gives them to the front end instead: every strongly angry and
strongly happy statement of each actor (4 + 4) cut as the front end cuts an utterance (0.2 s
padding), at full band and on a µ-law phone line, with two calm statements after it 0.3 s apart,
read whole, by `read_turn`, and alone (counts at 0.5 and 0.75 or more).
The actors are the tone model's training actors, so the absolute figures are optimistic; the
comparison between whole-turn and windowed reading is the point. Figures only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from app.scoring.tone.baseline import SpeakerBaseline
from app.scoring.tone.model import ToneScorer, load_tone_scorer
from benchmarks.bench_calls import RATE, ravdess_clips, ravdess_file, statement_clip
from benchmarks.frontend_conditions import ulaw_line
from models.tone.train import cut_around_speech

GAP_S = 0.3


def windows(x: np.ndarray, window_s: float, hop_s: float) -> list[np.ndarray]:
    """`window_s` stretches every `hop_s`, the last one ending with `x` (`x` itself if shorter)."""
    n, hop = int(window_s * RATE), int(hop_s * RATE)
    if x.size <= n:
        return [x]
    return [x[s : s + n] for s in range(0, x.size - n + 1, hop)] + [x[-n:]]


def actor_rows(
    scorer: ToneScorer, clips: dict, actor: int, window_s: float, hop_s: float
) -> dict[str, float]:
    """One actor's readings: the turns of the module docstring, whole and windowed."""

    def take(emotion: str, intensity: str) -> list[np.ndarray]:
        return [statement_clip(p) for p, _ in clips[(actor, emotion, intensity)]]

    neutral = take("neutral", "normal")
    calm = take("calm", "normal") + take("calm", "strong")
    baseline = SpeakerBaseline()
    for clip in neutral[:2] + calm[:1]:
        baseline.add_calm(scorer.features(clip))
    rest = calm[1:4]
    gap = np.zeros(int(GAP_S * RATE), np.float32)
    angry, happy = take("angry", "strong")[0], take("happy", "strong")[0]
    out = {"angry alone": scorer.score(angry, baseline)}
    turns = {
        "angry + 2 calm": [angry, rest[0], rest[1]],
        "3 calm": [rest[0], rest[1], rest[2]],
        "happy + 2 calm": [happy, rest[0], rest[1]],
    }
    for name, parts in turns.items():
        turn = np.concatenate([parts[0], gap, parts[1], gap, parts[2]])
        out[f"{name}, whole turn"] = scorer.score(turn, baseline)
        out[f"{name}, window max"] = max(
            scorer.score(w, baseline) for w in windows(turn, window_s, hop_s)
        )
        out[f"{name}, read_turn"] = scorer.read_turn(turn, scorer.features(turn), baseline).score
    return out


def cut_turns(scorer: ToneScorer, clips: dict, actors: list[int], phone: bool) -> None:
    """`--cuts`: print the table of the module docstring for one band."""
    gap = np.zeros(int(GAP_S * RATE), np.float32)

    def cut(path: Path) -> np.ndarray:
        x = ravdess_file(path)
        return cut_around_speech(ulaw_line(x) if phone else x, 0.2)

    rows: dict[str, list[tuple[float, float, float]]] = {"angry": [], "happy": []}
    calm_rows = []
    for actor in actors:
        base = SpeakerBaseline()
        for path, _ in (
            clips[(actor, "neutral", "normal")][:1] + clips[(actor, "calm", "normal")][:2]
        ):
            base.add_calm(scorer.features(cut(path)))
        calm = [cut(p) for p, _ in clips[(actor, "calm", "strong")][:2]]
        calm.append(cut(clips[(actor, "calm", "normal")][2][0]))
        turn = np.concatenate([calm[0], gap, calm[1], gap, calm[2]])
        calm_rows.append(scorer.read_turn(turn, scorer.features(turn), base).score)
        for emotion in rows:
            for path, _ in clips[(actor, emotion, "strong")]:
                first = cut(path)
                turn = np.concatenate([first, gap, calm[0], gap, calm[1]])
                feats = scorer.features(turn)
                rows[emotion].append(
                    (
                        scorer.read(feats, base).score,
                        scorer.read_turn(turn, feats, base).score,
                        scorer.read(scorer.features(first), base).score,
                    )
                )
    print(f"{'phone line (µ-law)' if phone else 'full band'}, cut as the front end cuts:")
    print(f"{'turn':22s} {'n':>3s} {'reading':9s} {'median':>7s} {'>= 0.5':>7s} {'>= 0.75':>8s}")
    for emotion, values in rows.items():
        v = np.array(values)
        for i, how in enumerate(("whole", "read_turn", "alone")):
            print(
                f"{emotion + ' + 2 calm':22s} {len(v):3d} {how:9s} {np.median(v[:, i]):7.3f} "
                f"{int(np.sum(v[:, i] >= 0.5)):7d} {int(np.sum(v[:, i] >= 0.75)):8d}"
            )
    print(f"{'3 calm':22s} {len(calm_rows):3d} read_turn max {max(calm_rows):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--window", type=float, default=2.5, help="window length in seconds")
    ap.add_argument("--hop", type=float, default=1.0, help="window step in seconds")
    ap.add_argument("--cuts", action="store_true", help="the turns cut as a call gives them")
    args = ap.parse_args()
    scorer = load_tone_scorer(threads=2)
    clips = ravdess_clips()
    actors = sorted({actor for actor, _, _ in clips})
    if args.cuts:
        for phone in (False, True):
            cut_turns(scorer, clips, actors, phone)
        return
    rows: dict[str, list[float]] = {}
    for actor in actors:
        for name, value in actor_rows(scorer, clips, actor, args.window, args.hop).items():
            rows.setdefault(name, []).append(value)
    print(f"{len(actors)} actors, windows {args.window:g} s every {args.hop:g} s, calibrated tone")
    print(f"{'turn':28s} {'median':>7s} {'>= 0.5':>7s} {'max':>6s}")
    for name, values in rows.items():
        v = np.array(values)
        print(f"{name:28s} {np.median(v):7.3f} {np.mean(v >= 0.5):7.2f} {v.max():6.3f}")


if __name__ == "__main__":
    main()
