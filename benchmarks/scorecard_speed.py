"""What scoring a finished call costs, against the coach's own run of the same call.

Usage: python benchmarks/scorecard_speed.py [--utterances 2000] [--repeats 3]
Builds a scripted two-sided call (tests/coach/script.py: the real coach, trend stage and clock
ticks) of `--utterances` lines cycling through calm talk, escalations, policy language, questions
about time, holds and fixes, then times `score_call` (the scorecard replays the call's events
through a fresh coach and runs every item) on its events. Baseline in the same run: the coach's
own run of the call. Scoring happens once, at call end; expect a ratio near 1 (it is mostly the
coach's phrase matching, replayed).
"""

from __future__ import annotations

import argparse
import statistics
import time

from app.coaching.playbook import load_playbook
from app.coaching.scorecard import load_scorecard, score_call
from app.coaching.thresholds import resolve_thresholds
from app.config import CoachSettings
from tests.coach.script import ScriptedCall

CYCLE = [
    {"who": "agent", "text": "thank you for calling how can i help"},
    {"who": "customer", "text": "i was charged twice for my bill", "f": 0.4},
    {"who": "agent", "text": "it's our policy that refunds take thirty days"},
    {"who": "customer", "text": "this is ridiculous how long will this take", "f": 0.9},
    {"who": "agent", "text": "i hear you let me check please hold"},
    {"silence": 25},
    {"who": "agent", "text": "thanks for holding i'll send the refund by friday"},
    {"who": "customer", "text": "okay thank you", "f": 0.1},
    {"who": "agent", "text": "i will call you back tomorrow"},
    {"who": "customer", "text": "great bye", "f": 0.05},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    lines = [dict(CYCLE[i % len(CYCLE)]) for i in range(args.utterances)]
    playbook = load_playbook()
    card = load_scorecard(None, playbook)
    coach_s, score_s = [], []
    call = ScriptedCall()
    for _ in range(args.repeats):
        call = ScriptedCall(playbook=playbook)
        t0 = time.perf_counter()
        call.run([dict(line) for line in lines])
        call.end()
        coach_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        score_call(
            call.events, ["agent", "customer"], call.t, CoachSettings(), resolve_thresholds(),
            playbook, card,
        )  # fmt: skip
        score_s.append(time.perf_counter() - t0)
    coach, score = statistics.median(coach_s), statistics.median(score_s)
    n = sum(1 for line in lines if "who" in line)
    print(f"call: {call.t / 3600:.2f} h, {n} utterances, {len(call.events)} events")
    print(f"coach run (baseline): {coach:.3f} s  ({coach / n * 1000:.2f} ms per utterance)")
    print(f"score_call:           {score:.3f} s  ({score / n * 1000:.2f} ms per utterance)")
    print(f"ratio score_call / coach run: {score / coach:.2f}")


if __name__ == "__main__":
    main()
