"""False alarms of the tone model on calm speech whose words vary (what RAVDESS cannot show).

    .venv/bin/python -m benchmarks.tone_calm_speech [--compare MODEL_DIR]

RAVDESS says two sentences only, so its cross-validation cannot tell whether a view of the voice
also reacts to the words. Here every stretch is calm and the words change from one to the next:
the read speech of ../shared/data/asr_eval_small (2.5 s chunks of each recording, the first as
the speaker's baseline, or the first four when a recording has eight or more) and, where espeak-ng
is installed, 40 different calm customer-service sentences in six synthetic voices (baseline: the
first four sentences). Prints, per group and in all, the mean score and the share of stretches
above 0.3 and 0.5 for the shipped model, its prosodic features alone, and `--compare` (another
tone model folder, e.g. a previous version's files).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from app.scoring.tone import SpeakerBaseline, extract_features, load_tone_scorer

ROOT = Path(__file__).resolve().parents[1]

ASR_EVAL = ROOT.parent / "shared" / "data" / "asr_eval_small"
SR = 16000
SENTENCES = (
    "I can look into that for you right away.",
    "The account was opened in twenty nineteen.",
    "Let me read back the address you gave me.",
    "Your next bill will arrive on the first of the month.",
    "We have two plans that might suit you.",
    "The engineer can visit on Tuesday morning.",
    "I have updated the email address on file.",
    "Is there anything else I can help with today?",
    "The payment went through yesterday afternoon.",
    "Could you spell your last name for me?",
    "The meter reading was taken last week.",
    "I will send you a confirmation by text.",
    "Our office is open until six in the evening.",
    "The discount applies to the next three months.",
    "You can also manage this in the app.",
    "I see the delivery is scheduled for Friday.",
    "Thanks for waiting while I checked that.",
    "The reference number starts with four.",
    "Your contract renews in the spring.",
    "I have added a note to your account.",
    "My order number is seven seven two nine.",
    "I moved house in August and need to change my address.",
    "Can you tell me when the parcel will arrive?",
    "I would like to pay by card please.",
    "The heating has not been used much this winter.",
    "We are going on holiday next week.",
    "I think the postcode is wrong on the letter.",
    "My daughter set up the account for me.",
    "Which option is cheaper over a year?",
    "I usually pay on the fifteenth.",
    "That sounds fine, go ahead.",
    "I need a copy of last year's statement.",
    "The router lights are green now.",
    "We only use the second line for the alarm.",
    "Could you check whether the refund has been sent?",
    "My husband is the main account holder.",
    "I read the numbers off the display.",
    "The bill came to about sixty pounds.",
    "Yes, the email is the same as before.",
    "Okay, I will wait for the text.",
)
VOICES = (
    ("en-us", 45, 150),
    ("en-gb", 50, 160),
    ("en-us+f3", 55, 155),
    ("en-gb+m3", 40, 145),
    ("en-us+m7", 50, 170),
    ("en+f4", 60, 150),
)


def read_speech_groups() -> list[tuple[str, list[np.ndarray]]]:
    groups, seen = [], set()
    with open(ASR_EVAL / "manifest.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["audio_path"] in seen:
                continue
            seen.add(row["audio_path"])
            x, sr = sf.read(ASR_EVAL / row["audio_path"], dtype="float32", always_2d=True)
            x = x[:, 0] if sr == SR else resample_poly(x[:, 0], SR, sr).astype(np.float32)
            step = int(2.5 * SR)
            chunks = [x[i : i + step] for i in range(0, x.size - SR, step)]
            if len(chunks) >= 3:
                groups.append((Path(row["audio_path"]).name, chunks))
    return groups


def espeak_groups() -> list[tuple[str, list[np.ndarray]]]:
    if not shutil.which("espeak-ng"):
        print("espeak-ng not installed: synthetic voices left out", file=sys.stderr)
        return []
    groups = []
    with tempfile.TemporaryDirectory() as tmp:
        for voice, pitch, rate in VOICES:
            audios = []
            for i, text in enumerate(SENTENCES):
                wav = os.path.join(tmp, f"{i}.wav")
                cmd = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(rate), "-w", wav]
                subprocess.run([*cmd, text], check=True, capture_output=True)
                a, sr = sf.read(wav, dtype="float32")
                audios.append(resample_poly(a, SR, sr).astype(np.float32))
            groups.append((f"espeak-ng {voice}", audios))
    return groups


def scores(scorer, audios: list[np.ndarray], prosodic_only: bool) -> list[float]:
    features = extract_features if prosodic_only else scorer.features
    n_base = 4 if len(audios) >= 8 else 1
    base = SpeakerBaseline()
    for a in audios[:n_base]:
        base.add_calm(features(a))
    return [scorer.score_features(features(a), base) for a in audios[n_base:]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare", type=Path, help="another tone model folder to score alongside")
    args = ap.parse_args()
    models = {"shipped": (load_tone_scorer(), False), "prosodic only": (load_tone_scorer(), True)}
    if args.compare:
        models[f"compare ({args.compare.name})"] = (load_tone_scorer(args.compare), False)
    groups = read_speech_groups() + espeak_groups()
    totals: dict[str, list[float]] = {m: [] for m in models}
    for name, audios in groups:
        cells = []
        for m, (scorer, prosodic) in models.items():
            s = np.array(scores(scorer, audios, prosodic))
            totals[m] += s.tolist()
            cells.append(f"{m} {s.mean():.2f} ({np.mean(s > 0.5):.2f} > 0.5)")
        print(f"{name[:34]:34s} " + " | ".join(cells))
    print(f"\nall calm stretches with varied words ({len(totals['shipped'])}):")
    for m, v in totals.items():
        a = np.array(v)
        print(
            f"  {m:24s} mean {a.mean():.3f}"
            f"  > 0.3: {np.mean(a > 0.3):.3f}  > 0.5: {np.mean(a > 0.5):.3f}"
        )


if __name__ == "__main__":
    main()
