"""The frustration trend and the one "escalated" rule: one turn is never a trend."""

from __future__ import annotations

import pytest

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.coaching.thresholds import resolve_thresholds
from app.config import CoachSettings
from app.events import Prompt, Utterance
from app.scoring.escalation import CustomerTurn, HighTurns, call_escalated, high_turns
from app.scoring.trend import FrustrationTrend

_COACH = resolve_thresholds()  # production: the fusion's thresholds
ELEVATED, HIGH, VOICE_ALONE = _COACH.elevated, _COACH.high, _COACH.voice_alone
WORDS_ALONE = _COACH.words_alone
TENSE = 0.5 * (ELEVATED + VOICE_ALONE)  # a voice over elevated, under voice_alone


def run(
    turns: list[tuple[float, float]], tone: float = 0.1, words: float | None = None
) -> list[str]:
    """Customer turns (frustration, duration) after each other, each with this tone and words
    (words: the frustration itself unless given); the prompt ids that fired."""
    coach = Coach(load_playbook(), CoachSettings(elevated=ELEVATED, high=HIGH))
    trend = FrustrationTrend()
    t, fired = 0.0, []
    for i, (f, dur) in enumerate(turns):
        start, end = t + 0.5, t + 0.5 + dur
        t = end
        w = f if words is None else words
        utt = Utterance("customer", start, end, f"turn number {i}", tone, w, f, end + 0.5)
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
    fired = run([*CALM, (0.53, 3.0), (0.53, 3.0)], TENSE)
    assert fired == ["acknowledge_anger"]  # on the second, not the first
    trend = FrustrationTrend()
    for f, d in [*CALM, (0.53, 3.0)]:
        trend.update(0.0, f, d)
    point = trend.update(0.0, 0.53, 3.0)
    assert point.direction == "rising" and point.slope >= 0.25


def test_a_single_high_turn_still_fires_at_once() -> None:
    assert run([*CALM, (0.9, 3.0)], TENSE) == ["acknowledge_anger"]  # the voice agrees
    # unmistakable words in a calm voice
    assert run([*CALM, (0.95, 3.0)], 0.02, WORDS_ALONE) == ["acknowledge_anger"]


def test_upset_words_in_a_calm_voice_wait_for_a_second_upset_turn() -> None:
    """A calm customer stating their problem ("I was charged twice for the same order and I
    need a refund": 0.85 on the words) is high on the words alone: nothing fires unless the next
    turn is upset too; two calm problem statements at "elevated" are no steep rise either (the
    bench's service calls, app/scoring/escalation.py)."""
    assert 0.0 < HIGH < WORDS_ALONE < 1.0, "the shipped fusion carries its words_alone threshold"
    words = 0.5 * (HIGH + WORDS_ALONE)  # high, under words_alone
    assert run([*CALM, (words, 3.0), (0.05, 3.0), (0.05, 3.0)], 0.02) == []
    assert run([*CALM, (0.5, 3.0), (0.5, 3.0), (0.05, 3.0)], 0.02) == []
    # an angry customer says a second upset line: the card comes then
    assert run([*CALM, (words, 3.0), (ELEVATED + 0.05, 3.0)], 0.02) == ["acknowledge_anger"]


def test_falling_after_anger() -> None:
    trend = FrustrationTrend()
    for f, d in [(0.9, 4.0)] * 4:
        trend.update(0.0, f, d)
    points = [trend.update(0.0, 0.05, 4.0) for _ in range(3)]
    assert points[-1].direction == "falling" and points[-1].slope < 0


def _turn(end: float, f: float, tone: float = 0.1, words: float | None = None, level: float = 0.0):
    return CustomerTurn(end, f, tone, f if words is None else words, level)


def test_escalated_is_one_rule() -> None:
    """A high turn carried by its words, or by an unmistakable voice, is high on its own; one
    carried only by a moderately tense voice (calm words) needs a second upset turn, before or
    after it, within a minute; a high smoothed level counts with an upset turn."""
    voice = 0.5 * VOICE_ALONE  # a moderately tense voice: under voice_alone
    assert 0.0 < VOICE_ALONE < 1.0, "the shipped fusion carries its voice_alone threshold"
    say = dict(elevated=ELEVATED, high=HIGH, voice_alone=VOICE_ALONE)
    calm = _turn(5, 0.05)
    assert high_turns([calm, _turn(10, 0.9)], **say) == [False, True]  # the words say it
    assert high_turns([calm, _turn(10, 0.9, VOICE_ALONE, 0.02)], **say) == [False, True]
    # a loud, pleased turn: high on the voice alone, then calm again -> never high
    pleased = [calm, _turn(10, 0.8, voice, 0.02), _turn(20, 0.05), _turn(30, 0.04)]
    assert high_turns(pleased, **say) == [False, False, False, False]
    assert not call_escalated(pleased, **say)
    # ... confirmed by the next upset turn, or by the one before it
    after = [calm, _turn(10, 0.8, voice, 0.02), _turn(20, ELEVATED + 0.01)]
    assert high_turns(after, **say) == [False, False, True]
    before = [calm, _turn(10, ELEVATED + 0.01), _turn(20, 0.8, voice, 0.02)]
    assert high_turns(before, **say) == [False, False, True]
    # ... but not by an upset turn more than a minute away
    late = [_turn(10, 0.8, voice, 0.02), _turn(75, ELEVATED + 0.01)]
    assert high_turns(late, **say) == [False, False]
    # the smoothed level: high with an upset turn, not with a calm one
    assert high_turns([_turn(10, ELEVATED, level=HIGH)], **say) == [True]
    assert high_turns([_turn(10, 0.1, level=HIGH)], **say) == [False]
    assert not call_escalated([_turn(10, HIGH - 0.01, words=HIGH - 0.01)], **say)
    rule = HighTurns(ELEVATED, HIGH, VOICE_ALONE)
    assert rule.update(_turn(10, 0.8, voice, 0.02)) is None
    assert rule.update(_turn(20, 0.5)) == "confirmed" and rule.confirmed_by is not None
    # the words alone: high on their own at words_alone, else confirmed like the voice
    say = dict(say, words_alone=WORDS_ALONE)
    words = 0.5 * (HIGH + WORDS_ALONE)
    assert high_turns([calm, _turn(10, words, 0.02)], **say) == [False, False]
    assert high_turns([calm, _turn(10, words, 0.02), _turn(20, 0.05)], **say) == [False] * 3
    assert high_turns([calm, _turn(10, words, 0.02), _turn(20, 0.5)], **say) == [False, False, True]
    assert high_turns([calm, _turn(10, 0.5), _turn(20, words, 0.02)], **say) == [False, False, True]
    assert high_turns([calm, _turn(10, WORDS_ALONE, 0.02)], **say) == [False, True]
    assert high_turns([calm, _turn(10, words, TENSE)], **say) == [False, True]  # voice agrees
    assert not call_escalated([calm, _turn(10, words, 0.02), _turn(20, 0.05)], **say)


def test_a_pleased_loud_turn_gets_no_acknowledge_anger_and_two_tense_turns_do() -> None:
    """The call bench's happy customer on telephone audio: one turn made high only by a
    moderately tense voice (tone under voice_alone, calm words) fires nothing; two such turns
    in a row fire acknowledge_anger on the second."""
    voice = 0.5 * VOICE_ALONE
    assert "acknowledge_anger" not in run([*CALM, (0.8, 4.0), (0.05, 4.0)], voice, 0.02)
    assert run([*CALM, (0.8, 4.0), (0.8, 4.0)], voice, 0.02)[:1] == ["acknowledge_anger"]


def test_coach_and_report_agree_on_escalated() -> None:
    """The coach's state and the rule over the same scores give the same verdict, including a
    call where acknowledge_anger fired on a steep rise that never got high."""
    for turns in ([*CALM, (0.53, 3.0), (0.53, 3.0)], [*CALM, (0.9, 3.0)], CALM):
        coach = Coach(load_playbook(), CoachSettings(elevated=ELEVATED, high=HIGH))
        trend = FrustrationTrend()
        levels, t = [], 0.0
        for f, dur in turns:
            utt = Utterance("customer", t, t + dur, "words", TENSE, f, f, t + dur + 0.5)
            point = trend.update(t + dur + 0.5, f, dur)
            levels.append(point.level)
            coach.on_utterance(utt, point)
            t += dur + 1
        scored = [_turn(0, f, TENSE, level=lv) for (f, _), lv in zip(turns, levels, strict=True)]
        verdict = call_escalated(scored, ELEVATED, HIGH, VOICE_ALONE, WORDS_ALONE)
        assert coach.state.escalated == verdict
