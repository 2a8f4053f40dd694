"""Replay a call bench run's saved reports through the coach under other coach settings.

    .venv/bin/python -m benchmarks.call_bench --per-type 4 --seed S --reports out/bench_S
    .venv/bin/python -m benchmarks.call_bench_replay out/bench_S --seed S --per-type 4 \\
        --variant "before words_alone=coach.words_alone=0"

The speech side of the bench (front end, ASR, tone, words) takes minutes per condition; the coach
takes milliseconds. Every utterance a report holds (times, text, tone, words, fused frustration)
is fed, in order and with its trend point, to a fresh coach (app/coaching/engine.py) with the
shipped settings and with each variant's `coach.*` overrides, and the bench's rule is applied to
the cards it raises: an escalation call passes when `acknowledge_anger` comes at or after its first
angry speech (never before), a control call when neither it nor `owner_question` comes. The calls'
turns are rebuilt by the bench's own builder (same seed, same calls). Clock-tick cards (silence,
talk-over seen live) are not replayed; neither alarm depends on them. Figures only: nothing is
fitted or written.

With `--words-model DIR --fusion DIR` (a candidate words model and the fusion refitted for it),
every utterance's text is read again by that words model and fused again with its saved tone,
and the coach takes that fusion's thresholds (a variant's `coach.*` still wins): a new words
model is checked on the bench's calls in seconds, since the speech side does not change with it.
The report holds the text after PII redaction and the tone to 3 decimals, so this is close to,
not exactly, what a full run gives: with the shipped words model and fusion, the 3,109
utterances of the held-out set's saved reports come back within 0.0005 (words) and 0.0015
(frustration) of the run's own, and every verdict is the run's.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.config import CoachSettings, load_settings
from app.events import Prompt, Utterance
from app.scoring.fusion import fusion_thresholds, load_fusion
from app.scoring.trend import FrustrationTrend
from app.scoring.words import load_words_scorer
from benchmarks.bench_calls import DEFAULT_SEED, ESCALATION_TYPES, TYPES, build_call, call_seed
from benchmarks.call_bench import ALARMS

PROCESS_S = 0.4  # a turn is scored this long after it ends (the trend point's time)


def first_angry(seed: int, per_type: int) -> dict[str, float | None]:
    """Per call name: where its first angry speech ends (None for a control call)."""
    out: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="bench_replay_") as tmp:
        for kind in TYPES:
            for n in range(per_type):
                _, turns = build_call(kind, call_seed(seed, TYPES.index(kind), n), Path(tmp))
                ends = [
                    float(t["first_part_end"])  # type: ignore[arg-type]
                    for t in turns
                    if t["speaker"] == "customer" and t["kind"] == "angry"
                ]
                out[f"{kind}_{n}"] = min(ends) if kind in ESCALATION_TYPES else None
    return out


def reread(report: dict, words_model: Path, fusion_dir: Path) -> dict:
    """The report with every utterance's words, pleased and frustration from another words
    model and fusion (tone as saved)."""
    scorer, fusion = load_words_scorer(words_model), load_fusion(fusion_dir)
    utterances = []
    for u in report["utterances"]:
        reading = scorer.read([u["text"]])[0]
        words, pleased = reading.frustration, reading.pleased
        utterances.append(
            {
                **u,
                "words": words,
                "pleased": pleased,
                "frustration": fusion(u["tone"], words, pleased),
            }
        )
    return {**report, "utterances": utterances}


def fusion_coach(settings: CoachSettings, fusion_dir: Path, pairs: dict[str, str]) -> CoachSettings:
    """`settings` with the coach thresholds of another fusion, where `pairs` does not set them."""
    cuts = fusion_thresholds(fusion_dir) or {}
    keys = ("elevated", "high", "voice_alone", "words_alone")  # "pleased" is the fusion's own
    given = {k.removeprefix("coach.") for k in pairs}
    return replace(settings, **{k: cuts[k] for k in keys if k in cuts and k not in given})


def cards(report: dict, settings: CoachSettings) -> list[tuple[str, float]]:
    """The alarm cards (ALARMS) a fresh coach raises on the report's utterances."""
    coach = Coach(load_playbook(settings.playbook or None), settings)
    trend = FrustrationTrend()
    raised = []
    for u in sorted(report["utterances"], key=lambda u: u["end"]):
        utt = Utterance(
            u["speaker"], u["start"], u["end"], u["text"], u["tone"], u["words"],
            u["frustration"], u["end"] + PROCESS_S, u.get("tone_baseline", True),
            u.get("overlap_s", 0.0), u.get("pleased", 0.0),
        )  # fmt: skip
        point = None
        if u["speaker"] == "customer":
            point = trend.update(u["end"] + PROCESS_S, u["frustration"], u["end"] - u["start"])
        for e in coach.on_utterance(utt, point, overlap_s=utt.overlap_s):
            if isinstance(e, Prompt) and e.id in ALARMS:
                raised.append((e.id, e.t))
    return raised


def passes(heard: float | None, raised: list[tuple[str, float]]) -> bool:
    if heard is None:  # a control call: no alarm at all
        return not raised
    acks = [t for i, t in raised if i == "acknowledge_anger"]
    return bool(acks) and min(acks) >= heard - 0.05


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument(
        "reports", type=Path, help="call_bench --reports DIR (one folder per condition)"
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--per-type", type=int, default=4)
    ap.add_argument(
        "--variant",
        action="append",
        default=[],
        help='NAME=key=value[,key=value...] of coach settings, e.g. "off=coach.words_alone=0"',
    )
    ap.add_argument("--words-model", type=Path, help="read every utterance with this words model")
    ap.add_argument("--fusion", type=Path, help="with --words-model: the fusion fitted for it")
    args = ap.parse_args()
    if (args.words_model is None) != (args.fusion is None):
        ap.error("--words-model and --fusion go together")
    pairs_of = {"shipped": {}}
    for spec in args.variant:
        name, _, sets = spec.partition("=")
        pairs_of[name] = dict(kv.split("=", 1) for kv in sets.split(",") if kv)
    variants = {}
    for name, pairs in pairs_of.items():
        variants[name] = load_settings(None, pairs).coach
        if args.fusion is not None:
            variants[name] = fusion_coach(variants[name], args.fusion, pairs)
    heard = first_angry(args.seed, args.per_type)
    conditions = sorted(p.name for p in args.reports.iterdir() if p.is_dir())
    print(f"seed {args.seed}: escalation calls with the card after the first angry turn"
          " + control calls without an alarm, per condition")  # fmt: skip
    for name, settings in variants.items():
        row, failures = [], []
        for condition in conditions:
            esc = ctl = esc_ok = ctl_ok = 0
            for call, first in heard.items():
                path = args.reports / condition / f"{call}.json"
                if not path.exists():
                    continue
                report = json.loads(path.read_text(encoding="utf-8"))
                if args.words_model is not None:
                    report = reread(report, args.words_model, args.fusion)
                ok = passes(first, cards(report, settings))
                if first is None:
                    ctl, ctl_ok = ctl + 1, ctl_ok + ok
                else:
                    esc, esc_ok = esc + 1, esc_ok + ok
                if not ok:
                    failures.append(f"{condition}/{call}")
            row.append(f"{condition} {esc_ok}/{esc}+{ctl_ok}/{ctl}")
        print(f"{name:24s} " + "  ".join(row))
        if failures:
            print(f"{'':24s} fails: " + " ".join(failures))


if __name__ == "__main__":
    main()
