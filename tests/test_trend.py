"""The frustration trend and the one "escalated" rule: one turn is never a trend."""

from __future__ import annotations

import pytest

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.coaching.thresholds import resolve_thresholds
from app.config import CoachSettings
from app.events import Prompt, Utterance
from app.scoring.escalation import call_escalated, turn_escalates
from app.scoring.trend import FrustrationTrend

_COACH = resolve_thresholds()  # production: the fusion's thresholds
ELEVATED, HIGH = _COACH.elevated, _COACH.high


def run(turns: list[tuple[float, float]]) -> list[str]:
    """Customer turns (frustration, duration) after each other; the prompt ids that fired."""
    coach = Coach(load_playbook(), CoachSettings(elevated=ELEVATED, high=HIGH))
    trend = FrustrationTrend()
    t, fired = 0.0, []
    for i, (f, dur) in enumerate(turns):
        start, end = t + 0.5, t + 0.5 + dur
        t = end
        utt = Utterance("customer", start, end, f"turn number {i}", 0.1, f, f, end + 0.5)
        point = trend.update(end + 0.5, f, dur)
        fired += [e.id for e in coach.on_utterance(utt, point) if isinstance(e, Prompt)]
    return fired


CALM = [(0.05, 3.0)] * 4


@pytest.mark.parametrize("turn", [(0.53, 3.0), (0.36, 15.0)])
def test_one_turn_after_calm_turns_does_not_fire_acknowledge_anger(turn) -> None:
    assert "acknowledge_anger" not in run([*CALM, turn])
    assert "acknowledge_anger" not in run([*CALM, turn, (0.05, 3.0)])


@pytest.mark.parametrize("turn", [(0.53, 3.0), (0.36, 15.0)])
def test_one_turn_neither_rises_nor_pulls_the_level_past_elevated(turn) -> None:
    trend = FrustrationTrend()
    for f, d in CALM:
        trend.update(0.0, f, d)
    point = trend.update(0.0, *turn)
    assert point.slope == 0.0 and point.direction == "steady"
    assert point.level < ELEVATED
    assert point.level <= 0.05 + trend.max_pull * (turn[0] - 0.05) + 1e-9


def test_two_angry_turns_in_a_row_are_a_steep_rise() -> None:
    fired = run([*CALM, (0.53, 3.0), (0.53, 3.0)])
    assert fired == ["acknowledge_anger"]  # on the second, not the first
    trend = FrustrationTrend()
    for f, d in [*CALM, (0.53, 3.0)]:
        trend.update(0.0, f, d)
    point = trend.update(0.0, 0.53, 3.0)
    assert point.direction == "rising" and point.slope >= 0.25


def test_a_single_high_turn_still_fires_at_once() -> None:
    assert run([*CALM, (0.9, 3.0)]) == ["acknowledge_anger"]


def test_falling_after_anger() -> None:
    trend = FrustrationTrend()
    for f, d in [(0.9, 4.0)] * 4:
        trend.update(0.0, f, d)
    points = [trend.update(0.0, 0.05, 4.0) for _ in range(3)]
    assert points[-1].direction == "falling" and points[-1].slope < 0


def test_escalated_is_one_rule() -> None:
    assert turn_escalates(HIGH, 0.0, HIGH) and turn_escalates(0.0, HIGH, HIGH)
    assert not turn_escalates(HIGH - 0.01, HIGH - 0.01, HIGH)
    assert call_escalated([0.1, 0.7], [0.1, 0.3], 0.613)
    assert not call_escalated([0.1, 0.6], [0.1, 0.3], 0.613)


def test_coach_and_report_agree_on_escalated() -> None:
    """The coach's state and the rule over the same scores give the same verdict, including a
    call where acknowledge_anger fired on a steep rise that never got high."""
    for turns in ([*CALM, (0.53, 3.0), (0.53, 3.0)], [*CALM, (0.9, 3.0)], CALM):
        coach = Coach(load_playbook(), CoachSettings(elevated=ELEVATED, high=HIGH))
        trend = FrustrationTrend()
        levels, t = [], 0.0
        for f, dur in turns:
            utt = Utterance("customer", t, t + dur, "words", 0.1, f, f, t + dur + 0.5)
            point = trend.update(t + dur + 0.5, f, dur)
            levels.append(point.level)
            coach.on_utterance(utt, point)
            t += dur + 1
        assert coach.state.escalated == call_escalated([f for f, _ in turns], levels, HIGH)
