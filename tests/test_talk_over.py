"""Talk-over seen while it happens: the front end reports it on clock ticks from VAD frames
before the tick only (so live and batch agree), and the coach counts it once per agent turn
within a window that forgets old interruptions."""

from __future__ import annotations

from collections import deque

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.events import Prompt, Utterance
from app.pipeline.frontend import _run_start


def test_run_start_finds_the_voiced_run_going_on_at_a_frame() -> None:
    voiced = deque([10, 11, 12, 30, 31, 33, 34, 35, 50])
    assert _run_start(voiced, 36) == 30  # 30..35 with a one-frame gap bridged
    assert _run_start(voiced, 60) is None  # silent for 10 frames before 60
    assert _run_start(voiced, 13) == 10
    assert _run_start(voiced, 34) == 30  # frames at or after the tick are not used


def test_the_coach_counts_live_talk_over_once_per_agent_turn_and_fires_on_the_second() -> None:
    coach = Coach(load_playbook())
    angry = Utterance("customer", 0.0, 3.0, "this is the third time", 0.1, 0.9, 0.9, 3.4)
    coach.on_utterance(angry, None)
    coach.on_utterance(Utterance("agent", 3.5, 4.5, "i hear you", 0.1, 0.0, 0.0, 4.9), None)
    coach.on_utterance(
        Utterance("customer", 5.0, 9.0, "and nobody calls", 0.1, 0.9, 0.9, 9.4), None
    )
    events = []
    for t in (7.0, 8.0, 9.0):  # one agent turn talking over: counted once
        events += coach.on_tick(t, t, (6.0, t - 6.0))
    assert coach.state.interruptions == 1
    # the agent's utterance closes: it was counted live, not again
    coach.on_utterance(Utterance("agent", 6.0, 9.2, "yes but", 0.1, 0.0, 0.0, 9.6), 0.0, 3.0)  # type: ignore[arg-type]
    assert coach.state.interruptions == 1
    for t in (12.0, 13.0):  # the customer goes on; the agent talks over them again
        events += coach.on_tick(t, t, (11.0, t - 11.0))
    coach.on_utterance(Utterance("customer", 9.8, 14.0, "let me finish", 0.1, 0.9, 0.9, 14.4), None)
    cards = [e for e in events if isinstance(e, Prompt) and e.id == "let_them_finish"]
    assert cards and cards[0].source_t == 12.0  # seen during the overlap, not after the turn
    assert coach.state.interruptions == 2
    coach.on_tick(80.0, 14.0)
    assert coach.state.interruptions == 0  # forgotten after the 60 s window
