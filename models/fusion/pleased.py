"""Choose the "pleased words" cut-off on GoEmotions dev and check it on held-out text.

    .venv/bin/python -m models.fusion.pleased            # report (about 2 minutes on 2 cores)
    .venv/bin/python -m models.fusion.pleased --write    # also store it in fusion.json

What it is for (app/scoring/fusion.py): the tone model cannot tell a loud, excited voice from an
angry one on voices it has never heard (issue 14: angry vs happy 0.70 across corpora), and the
fitted fusion lets positive words pull a loud voice down only a little (its fitting data has few
happy voices with a high tone). So when the words are clearly pleased ("brilliant, you have made
my day") and the voice is not unmistakable (calibrated tone under `voice_alone`), the fusion reads
the raised voice as excitement and scores the turn as if the voice were calm. "Pleased" is the
words model's own GoEmotions head: the largest probability among the positive labels
(`app.scoring.words.PLEASED_LABELS`).

The risk is sarcasm: "oh wonderful, thanks a lot for nothing" in a tense voice. The words model
already misses some of it (scores it calm), and for those the voice was the only evidence left.
So the cut-off is the lowest value on a 0.05 grid at which at most `MAX_SILENCED` of the GoEmotions
dev comments that carry a frustration label *and* that the words model scores under `elevated`
would be called pleased (clean text and its ASR-style copy pooled). Nothing is fitted; the held-out
figures (GoEmotions test, airline tweets' and EmoContext's non-train splits) are printed for the
model card and never looked at to choose.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.scoring.words import PLEASED_LABELS, WORDS_THRESHOLDS, load_words_scorer
from models.fusion.fit import DATA, _write_sums
from models.words.spoken_style import asr_style, read_split

HERE = Path(__file__).resolve().parent
MAX_SILENCED = 0.05  # share of missed frustration that the rule may call pleased
GRID = [round(x, 2) for x in np.arange(0.30, 0.951, 0.05)]
_HANDLE = re.compile(r"@\w+|https?://\S+")


def readings(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(words score, pleased) per text, by the shipped words model."""
    scorer = load_words_scorer()
    frustration, pleased = [], []
    for i in range(0, len(texts), 256):
        for r in scorer.read(texts[i : i + 256]):
            frustration.append(r.frustration)
            pleased.append(r.pleased)
    return np.array(frustration), np.array(pleased)


def goemotions(split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Words scores, pleased, frustrated label and positive-only label, clean + ASR-style."""
    data = read_split(DATA / "goemotions" / "original", split)
    names = (DATA / "goemotions" / "original" / "labels.txt").read_text().split()
    positive = np.array([all(names[i] in PLEASED_LABELS for i in ids) for ids in data.labels])
    texts = list(data.texts) + [asr_style(t) for t in data.texts]
    words, pleased = readings(texts)
    y = np.array(data.frustrated * 2, dtype=bool)
    return words, pleased, y, np.concatenate([positive, positive])


def silenced(words: np.ndarray, pleased: np.ndarray, y: np.ndarray, cut: float) -> float:
    """Share of frustrated texts scored calm by the words that the rule would call pleased."""
    missed = y & (words < WORDS_THRESHOLDS["elevated"])
    return float(np.mean(pleased[missed] >= cut))


def choose() -> tuple[float, dict]:
    words, pleased, y, positive = goemotions("dev")
    calm_words = words < WORDS_THRESHOLDS["elevated"]
    table = []
    chosen = None
    for cut in GRID:
        flag = calm_words & (pleased >= cut)
        share = silenced(words, pleased, y, cut)
        row = {
            "cut": cut,
            "missed frustration called pleased": round(share, 4),
            "called pleased that carry a frustration label": round(float(np.mean(y[flag])), 4)
            if flag.any()
            else None,
            "positive-only comments called pleased": round(float(np.mean(flag[positive])), 4),
        }
        table.append(row)
        if chosen is None and share <= MAX_SILENCED:
            chosen = cut
    if chosen is None:
        raise SystemExit(f"no cut-off keeps missed frustration called pleased under {MAX_SILENCED}")
    return chosen, {"dev": table}


# held-out labelled text read by this and words_alone.py: (name, csv, label column, labels, text)
LABELLED_TEXT: tuple[tuple[str, Path, str, tuple[str, ...], Callable[[dict], str]], ...] = (
    (
        "airline_tweets (dev + test)",
        DATA / "airline_tweets" / "airline_tweets.csv",
        "sentiment",
        ("negative", "neutral", "positive"),
        lambda r: _HANDLE.sub(" ", r["text"]).strip(),
    ),
    (
        "emocontext (dev + test, last turn)",
        DATA / "emocontext" / "emocontext.csv",
        "label",
        ("angry", "sad", "happy", "others"),
        lambda r: r["text"],
    ),
)


def held_out_rows(
    path: Path, label_col: str, text_of: Callable[[dict], str]
) -> tuple[list[str], np.ndarray]:
    """A LABELLED_TEXT csv's non-train rows: their texts (an empty one read as ".") and labels."""
    rows = [r for r in csv.DictReader(path.open(encoding="utf-8")) if r["split"] != "train"]
    return [text_of(r) or "." for r in rows], np.array([r[label_col] for r in rows])


def label_shares(
    path: Path, labels: tuple[str, ...], label_col: str, text_of, cut: float
) -> dict[str, float]:
    """Per label of a csv's non-train rows: the share the rule calls pleased (words under
    `elevated`, pleased at least `cut`)."""
    texts, kind = held_out_rows(path, label_col, text_of)
    words, pleased = readings(texts)
    flag = (words < WORDS_THRESHOLDS["elevated"]) & (pleased >= cut)
    return {
        f"{label} called pleased": round(float(np.mean(flag[kind == label])), 4) for label in labels
    }


def held_out(cut: float) -> dict:
    """The chosen cut-off on text it was not chosen on."""
    words, pleased, y, positive = goemotions("test")
    flag = (words < WORDS_THRESHOLDS["elevated"]) & (pleased >= cut)
    return {
        "goemotions test (clean + ASR-style)": {
            "missed frustration called pleased": round(silenced(words, pleased, y, cut), 4),
            "frustration-labelled called pleased": round(float(np.mean(flag[y])), 4),
            "positive-only called pleased": round(float(np.mean(flag[positive])), 4),
        },
        **{
            name: label_shares(path, labels, column, text_of, cut)
            for name, path, column, labels, text_of in LABELLED_TEXT
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the cut-off in fusion.json")
    args = ap.parse_args()
    cut, report = choose()
    print(json.dumps(report, indent=1))
    print(f"chosen: pleased >= {cut} (missed frustration called pleased <= {MAX_SILENCED} on dev)")
    checks = held_out(cut)
    print("held out:", json.dumps(checks, indent=1))
    if args.write:
        params = json.loads((HERE / "fusion.json").read_text())
        params["thresholds"]["pleased"] = cut
        params["thresholds"]["pleased_rule"] = (
            f"lowest cut on a 0.05 grid at which at most {MAX_SILENCED} of GoEmotions dev comments"
            " with a frustration label that the words model scores under elevated are called"
            " pleased (models/fusion/pleased.py)"
        )
        params["thresholds"]["pleased_figures"] = checks
        (HERE / "fusion.json").write_text(json.dumps(params, indent=2) + "\n")
        _write_sums(HERE, ["fusion.json"])
        print("wrote", HERE / "fusion.json")


if __name__ == "__main__":
    main()
