"""Choose the "words alone" cut-off on calm service turns and check it on held-out text.

    .venv/bin/python -m models.fusion.words_alone            # report (about 4 minutes on 2 cores)
    .venv/bin/python -m models.fusion.words_alone --write    # also store it in fusion.json

What it is for (app/scoring/escalation.py): the words model was taught on Reddit comments, where
a grievance or a refusal is "annoyance" or "disapproval". On a call, a calm customer stating the
problem they rang about ("I was charged twice for the same order and I need a refund": 0.85) or
turning an offer down ("No, I don't need you to do that": 0.87) reads as high, and in a calm voice
nothing else pulls the fused score down: one such line fired "acknowledge their anger" on calm
control calls (benchmarks/bench_calls.py, the `service` type). So a turn that is high on its words
alone (voice under `elevated`) counts on its own only when the words reach `words_alone`; under it
the turn waits for a second upset turn, as a voice-only high turn does.

`words_alone` is the words score that calm service turns stay under: the 0.999 quantile of the
shipped words model's score of the user turns of USS (task-oriented dialogues whose annotators
rated the user's satisfaction 3 or more, i.e. not dissatisfied; `../shared/data/uss_satisfaction`)
in its dev split, clean text and its ASR-style copy pooled. The words model never saw USS. Nothing
else is fitted; the held-out figures (USS test, airline tweets' and EmoContext's non-train splits,
GoEmotions test) are printed for the model card and never looked at to choose: how many calm turns
stay over the cut, and how much real frustration still counts on one line (the rest waits for the
customer's next upset turn).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.scoring.words import load_words_scorer
from models.fusion.fit import DATA, _write_sums
from models.fusion.pleased import LABELLED_TEXT, held_out_rows
from models.words.spoken_style import asr_style, read_split

HERE = Path(__file__).resolve().parent
QUANTILE = 0.999  # of calm service turns' words scores
CALM_RATING = 3.0  # USS median satisfaction at or over this: not dissatisfied


def scores(texts: list[str]) -> np.ndarray:
    """The shipped words model's score of each text, clean and ASR-style copies pooled."""
    scorer = load_words_scorer()
    pooled = list(texts) + [asr_style(t) for t in texts]
    out: list[float] = []
    for i in range(0, len(pooled), 256):
        out.extend(r.frustration for r in scorer.read(pooled[i : i + 256]))
    return np.array(out)


def uss_calm(split: str) -> list[str]:
    """USS user turns of `split` rated not dissatisfied (median satisfaction >= 3)."""
    path = DATA / "uss_satisfaction" / "turns.csv"
    return [
        r["text"]
        for r in csv.DictReader(path.open(encoding="utf-8"))
        if r["split"] == split
        and r["role"] == "user"
        and r["text"].strip()
        and float(r["sat_median"]) >= CALM_RATING
    ]


def choose() -> tuple[float, dict[str, float]]:
    """The cut-off: the QUANTILE of calm USS dev turns' words scores, rounded up to 0.001."""
    calm = scores(uss_calm("dev"))
    cut = math.ceil(float(np.quantile(calm, QUANTILE)) * 1000) / 1000
    return cut, {
        "uss dev calm turns (clean + ASR-style)": len(calm),
        "share at or over": round(float(np.mean(calm >= cut)), 4),
        "max": round(float(calm.max()), 3),
    }


def _csv_shares(
    path: Path, label_col: str, labels: tuple[str, ...], text_of: Callable[[dict], str], cut: float
) -> dict[str, float]:
    texts, labels_of = held_out_rows(path, label_col, text_of)
    s = scores(texts)  # clean + ASR-style copies
    kind = np.concatenate([labels_of, labels_of])
    return {f"{k} at or over": round(float(np.mean(s[kind == k] >= cut)), 4) for k in labels}


def held_out(cut: float, high: float) -> dict[str, dict[str, float]]:
    """The chosen cut-off on text it was not chosen on: the share at or over it (counts on one
    line), and for the frustrated sets the share at or over `high` too (what waited before)."""
    calm = scores(uss_calm("test"))
    data = read_split(DATA / "goemotions" / "original", "test")
    ge = scores(list(data.texts))
    y = np.array(data.frustrated * 2, dtype=bool)
    return {
        "uss test calm turns (clean + ASR-style)": {
            "share at or over": round(float(np.mean(calm >= cut)), 4),
            "share at or over high": round(float(np.mean(calm >= high)), 4),
        },
        "goemotions test frustration-labelled (clean + ASR-style)": {
            "share at or over": round(float(np.mean(ge[y] >= cut)), 4),
            "share at or over high": round(float(np.mean(ge[y] >= high)), 4),
        },
        **{
            name: _csv_shares(path, column, labels, text_of, cut)
            for name, path, column, labels, text_of in LABELLED_TEXT
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="store the cut-off in fusion.json")
    args = ap.parse_args()
    params = json.loads((HERE / "fusion.json").read_text(encoding="utf-8"))
    high = float(params["thresholds"]["words_thresholds"]["high"])
    cut, figures = choose()
    print(json.dumps(figures, indent=1))
    print(f"chosen: words_alone = {cut} (the {QUANTILE} quantile of calm USS dev turns)")
    checks = held_out(cut, high)
    print("held out:", json.dumps(checks, indent=1))
    if args.write:
        params["thresholds"]["words_alone"] = cut
        params["thresholds"]["words_alone_rule"] = (
            f"the {QUANTILE} quantile of the words model's score of USS dev user turns rated not"
            " dissatisfied (clean + ASR-style), rounded up (models/fusion/words_alone.py)"
        )
        params["thresholds"]["words_alone_figures"] = {"dev": figures, **checks}
        (HERE / "fusion.json").write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
        _write_sums(HERE, ["fusion.json"])
        print("wrote", HERE / "fusion.json")


if __name__ == "__main__":
    main()
