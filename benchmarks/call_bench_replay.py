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
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.config import CoachSettings, load_settings
from app.events import Prompt, Utterance
from app.scoring.trend import FrustrationTrend
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
    args = ap.parse_args()
    variants = {"shipped": load_settings(None, {}).coach}
    for spec in args.variant:
        name, _, sets = spec.partition("=")
        pairs = dict(kv.split("=", 1) for kv in sets.split(",") if kv)
        variants[name] = load_settings(None, pairs).coach
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
                ok = passes(first, cards(json.loads(path.read_text(encoding="utf-8")), settings))
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
