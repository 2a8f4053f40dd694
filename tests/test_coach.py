"""The coach as a component: thresholds, determinism, clicks. Behaviour per prompt is in the
scenario suite (tests/test_coach_scenarios.py, tests/coach/scenarios.toml)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.coaching.thresholds import Thresholds, resolve_thresholds
from app.config import CoachSettings, Settings
from app.events import CardCleared, Prompt, PromptOutcome
from app.paths import models_dir
from tests.coach.script import ScriptedCall

ANGRY_CALL = [
    {"who": "customer", "text": "my bill is wrong again", "f": 0.4},
    {"who": "customer", "text": "this is ridiculous i am so angry", "f": 0.9},
    {"who": "agent", "text": "it's our policy i'm afraid", "tone": 0.8},
    {"silence": 30},
    {"who": "agent", "text": "i hear you and i'm sorry, it'll be fixed by friday"},
    {"who": "customer", "text": "okay that works thank you", "f": 0.05},
]


def test_thresholds_are_the_fusions_unless_settings_override() -> None:
    """The coach compares thresholds with the fused score: the words model's dev thresholds
    carried through the fitted fusion at a calm voice (models/fusion/fusion.json)."""
    words = json.loads((models_dir() / "words" / "thresholds.json").read_text())
    fusion = json.loads((models_dir() / "fusion" / "fusion.json").read_text())
    th = resolve_thresholds(CoachSettings())
    assert (th.elevated, th.high) == (
        fusion["thresholds"]["elevated"],
        fusion["thresholds"]["high"],
    )
    assert th.source == "fusion (words model's dev thresholds at a calm voice)"
    # the words model's thresholds are what they carry: a calm-voiced turn whose words sit exactly
    # on a words threshold fuses to the fused threshold
    from app.scoring.fusion import load_fusion

    calm = fusion["thresholds"]["calm_tone"]
    for name in ("elevated", "high"):
        assert fusion["thresholds"]["words_thresholds"][name] == words[name]
        assert load_fusion()(calm, words[name]) == pytest.approx(getattr(th, name), abs=5e-4)
        assert getattr(th, name) > words[name]  # the calm voice's floor, not a loosening
    both = resolve_thresholds(CoachSettings(elevated=0.2, high=0.5))
    assert (both.elevated, both.high, both.source) == (0.2, 0.5, "settings")
    with pytest.raises(dataclasses.FrozenInstanceError):
        th.high = 0.1  # type: ignore[misc]


def test_the_coach_runs_at_the_production_thresholds_and_leaves_settings_alone() -> None:
    settings = CoachSettings()
    coach = Coach(load_playbook(), settings)
    assert coach.thresholds == resolve_thresholds(CoachSettings())
    assert (coach.state.elevated, coach.state.high) == (
        coach.thresholds.elevated,
        coach.thresholds.high,
    )
    assert settings.elevated is None and settings.high is None  # nothing written back


def test_loading_the_models_does_not_write_thresholds_into_the_settings(models) -> None:  # type: ignore[no-untyped-def]
    from app.pipeline import load_models

    settings = Settings()
    loaded = load_models(settings)
    assert settings.coach.elevated is None and settings.coach.high is None
    assert loaded.thresholds == resolve_thresholds(settings.coach)
    assert isinstance(models.thresholds, Thresholds)


def test_same_inputs_same_events() -> None:
    a, b = ScriptedCall(), ScriptedCall()
    for call in (a, b):
        call.run(ANGRY_CALL)
        call.end()
    assert a.events == b.events
    assert a.shown_ids  # the call did raise cards


def test_every_prompt_says_whether_it_was_shown_and_why_not() -> None:
    call = ScriptedCall()
    call.run(
        [
            {
                "who": "customer",
                "text": "i've been a customer for ten years and this is outrageous",
                "f": 0.9,
            },
            {"silence": 25},
        ]
    )
    call.end()
    for p in call.prompts:
        assert p.shown or p.why_not, p
    assert any(not p.shown for p in call.prompts)
    assert json.dumps([p.to_report() for p in call.prompts])  # additive report fields


def test_outcomes_are_judged_at_call_time_and_never_after_the_end() -> None:
    call = ScriptedCall()
    call.run(ANGRY_CALL)
    call.end()
    outcomes = [e for e in call.events if isinstance(e, PromptOutcome)]
    assert outcomes
    for o in outcomes:
        assert o.t <= call.t and o.prompt_t is not None and o.t >= o.prompt_t
        assert o.frustration_before is not None and o.frustration_after is not None
    # every shown card (but the after-call one) got exactly one judgement
    judged = [(o.id, o.prompt_t) for o in outcomes]
    for p in call.shown:
        if p.group != "after_call":
            assert judged.count((p.id, p.t)) == 1, p.id


def test_a_click_takes_the_card_down_and_the_next_waiting_card_follows() -> None:
    call = ScriptedCall()
    call.run(
        [
            {
                "who": "customer",
                "text": "i've been a customer for ten years and this is outrageous",
                "f": 0.9,
            }
        ]
    )
    events = call.coach.mark("acknowledge_anger", "done", call.t + 1)
    assert isinstance(events[0], PromptOutcome) and events[0].outcome == "done"
    assert any(isinstance(e, CardCleared) and e.id == "acknowledge_anger" for e in events)
    nxt = [e for e in events if isinstance(e, Prompt) and e.shown]
    assert [p.id for p in nxt] == ["acknowledge_loyalty"]
    assert call.coach.record_outcome("never_shown", "done", 5.0) is None


def test_the_agents_click_after_the_coach_judged_still_wins_in_the_report() -> None:
    from app.report.call_report import _outcome_of

    call = ScriptedCall()
    call.run(
        [
            {"who": "customer", "text": "this is a disgrace", "f": 0.9},
            {"who": "agent", "text": "i hear you, i'm sorry"},
        ]
    )
    call.click("acknowledge_anger", "done")
    call.end()
    card = call.shown[0]
    outcomes = [e for e in call.events if isinstance(e, PromptOutcome)]
    assert [o.outcome for o in outcomes] == ["followed", "done"]
    row = _outcome_of(card, outcomes)
    assert row["outcome"] == "done"
    assert "i hear you" in row["outcome_detail"] and row["heard"].startswith("i hear you")


def test_the_issue_state_follows_both_sides_words() -> None:
    call = ScriptedCall()
    s = call.coach.state
    call.run([{"who": "customer", "text": "can you tell me about my plan"}])
    assert s.issue == "none"  # a question is not a complaint
    call.run([{"who": "customer", "text": "my internet has been down for three days", "f": 0.7}])
    assert s.issue == "open"
    call.run([{"who": "agent", "text": "let me check that for you"}])
    assert s.issue == "open"  # looking is not fixing
    call.run([{"who": "agent", "text": "i've reset the line and it's fixed now"}])
    assert s.issue == "being_resolved"
    call.run([{"who": "customer", "text": "perfect that works thank you", "f": 0.05}])
    assert s.issue == "resolved"
    call.run(
        [{"who": "customer", "text": "wait no that's not good enough it dropped again", "f": 0.6}]
    )
    assert s.issue == "open"


def test_mark_after_record_outcome_never_takes_a_card_down_before_it_went_up() -> None:
    """Found by tests/test_properties_coach.py: `record_outcome` keeps the events a click causes
    (the next card going up) for the coach's next answer; `mark` used to answer at once, so a
    click on that next card took it down before the event that put it up."""
    from app.events import Utterance

    coach = Coach(load_playbook(), CoachSettings())
    text = "this is ridiculous, i've been a customer for ten years and i want to cancel my account"
    events: list[object] = list(
        coach.on_utterance(Utterance("customer", 0.0, 3.0, text, 1.0, 1.0, 1.0, 3.0), None)
    )
    shown = [e.id for e in events if isinstance(e, Prompt) and e.shown]
    assert shown == ["acknowledge_anger"]  # acknowledge_loyalty waits behind it
    events.append(coach.record_outcome("acknowledge_anger", "dismissed", 4.0))
    events += coach.mark("acknowledge_loyalty", "done", 5.0)
    events += coach.on_call_end(10.0)
    up: set[str] = set()
    for e in events:
        if isinstance(e, Prompt) and e.shown:
            up.add(e.id)
        elif isinstance(e, CardCleared):
            assert e.id in up, (e, events)
            up.discard(e.id)
    outcomes = [(e.id, e.outcome) for e in events if isinstance(e, PromptOutcome)]
    assert ("acknowledge_loyalty", "done") in outcomes
