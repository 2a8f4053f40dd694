"""Property-based tests of the coach (hypothesis): random calls, timings, scores and event
orders never make it raise, and no card ever appears before what triggered it had ended.

The coach is pure logic, so these drive the real engine with the shipped playbook and the real
trend; only the utterances are generated. Profiles and seeds: tests/conftest.py.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from app.coaching.engine import MAX_CARDS_PER_TURN, Coach
from app.coaching.playbook import default_playbook_text, load_playbook
from app.config import CoachSettings
from app.events import Prompt, PromptOutcome, Utterance
from app.scoring.trend import FrustrationTrend

PLAYBOOK = load_playbook()
PROMPT_IDS = [p.id for p in PLAYBOOK.prompts]
# text that reaches the triggers: every plain phrase the playbook knows, plus free text
PHRASES = sorted(
    {
        phrase
        for phrases in tomllib.loads(default_playbook_text())["phrases"].values()
        for phrase in phrases
        if not phrase.startswith("re:")
    }
)
FREE_TEXT = [
    "this is the third time i'm calling",
    "i want to cancel my account",
    "i've been a customer for ten years",
    "when will this be fixed",
    "our policy does not allow that",
    "would you like to upgrade your plan",
    "what would you do if you owned the business",
    "thank you that's great",
    "",
    "   ",
    "!!!???",
    "ça coûte 100 € — pourquoi ?",
]


@dataclass(frozen=True)
class Say:
    speaker: str
    gap: float  # seconds after the previous utterance's start (may be negative: overlap)
    duration: float
    delay: float  # processing delay after the end
    text: str
    tone: float
    words: float
    overlap_s: float


@dataclass(frozen=True)
class Tick:
    dt: float  # seconds after the latest time the coach has seen (may be negative: late)
    quiet_for: float


@dataclass(frozen=True)
class Mark:
    which: int
    outcome: str
    dt: float


score = st.one_of(st.sampled_from([0.0, 1.0, 0.305, 0.613]), st.floats(0.0, 1.0))
texts = st.one_of(
    st.sampled_from(FREE_TEXT),
    st.sampled_from(PHRASES),
    st.lists(st.sampled_from(PHRASES + FREE_TEXT), min_size=1, max_size=4).map(" ".join),
    st.text(max_size=80),
)
says = st.builds(
    Say,
    speaker=st.sampled_from(["agent", "customer"]),
    gap=st.floats(-3.0, 40.0),
    duration=st.floats(0.05, 20.0),
    delay=st.floats(0.0, 3.0),
    text=texts,
    tone=score,
    words=score,
    overlap_s=st.floats(0.0, 5.0),
)
ticks = st.builds(Tick, dt=st.floats(-5.0, 30.0), quiet_for=st.floats(0.0, 60.0))
marks = st.builds(
    Mark,
    which=st.integers(0, 50),
    outcome=st.sampled_from(["done", "dismissed"]),
    dt=st.floats(0, 5),
)
steps = st.lists(st.one_of(says, says, says, ticks, marks), min_size=1, max_size=60)
coach_settings = st.builds(
    CoachSettings,
    cooldown_s=st.floats(0.0, 120.0),
    hold_s=st.floats(0.5, 60.0),
    elevated=st.one_of(st.none(), st.floats(0.0, 0.5)),
    high=st.one_of(st.none(), st.floats(0.5, 1.0)),
    steep_rise=st.floats(0.01, 1.0),
)


def _fuse(tone: float, words: float) -> float:
    return 1.0 - (1.0 - words) * (1.0 - 0.5 * tone)


def drive(steps_: list[object], settings: CoachSettings) -> None:
    """Feed the steps to a coach; check every answer against the rules as it comes."""
    coach = Coach(PLAYBOOK, settings)
    trend = FrustrationTrend()
    start = 0.0
    latest = 0.0  # the latest call time the coach has been told about
    shown: list[Prompt] = []
    ends_so_far: list[float] = []
    for step in steps_:
        if isinstance(step, Say):
            start = max(0.0, start + step.gap)
            end = start + step.duration
            processed = end + step.delay
            frustration = _fuse(step.tone, step.words)
            utt = Utterance(
                step.speaker,  # type: ignore[arg-type]
                start,
                end,
                step.text,
                step.tone,
                step.words,
                frustration,
                processed_t=processed,
            )
            point = (
                trend.update(processed, frustration, step.duration)
                if step.speaker == "customer"
                else None
            )
            out = coach.on_utterance(utt, point, overlap_s=step.overlap_s)
            prompts = [e for e in out if isinstance(e, Prompt)]
            assert len(prompts) <= 2 * MAX_CARDS_PER_TURN
            for p in prompts:
                # never before the utterance that triggered it had ended (and was processed)
                assert p.source_t == end
                assert p.t >= end
                assert p.t >= processed
            ends_so_far.append(end)
            latest = max(latest, processed)
        elif isinstance(step, Tick):
            t = max(0.0, latest + step.dt)
            out = coach.on_tick(t, last_speech_end=max(0.0, t - step.quiet_for))
            prompts = [e for e in out if isinstance(e, Prompt)]
            assert len(prompts) <= 1
            for p in prompts:
                assert p.t >= t and p.t >= p.source_t
            latest = max(latest, t)
        else:
            assert isinstance(step, Mark)
            pid = PROMPT_IDS[step.which % len(PROMPT_IDS)]
            outcome = coach.record_outcome(pid, step.outcome, latest + step.dt)
            out = [outcome] if outcome is not None else []
            if outcome is not None:
                assert any(p.id == pid for p in shown)
        for e in out:
            if isinstance(e, Prompt):
                assert e.id in PROMPT_IDS
                shown.append(e)
            elif isinstance(e, PromptOutcome):
                # an outcome is about a card that was shown, and not before it was shown
                first = min((p.t for p in shown if p.id == e.id), default=None)
                assert first is not None, e
                assert e.t >= first
    final = coach.on_call_end(latest + 1.0)
    for e in final:
        if isinstance(e, Prompt):
            assert e.t >= max(ends_so_far, default=0.0)
            shown.append(e)
    # the coach's clock never runs backwards: cards come out in call-time order
    times = [p.t for p in shown]
    assert times == sorted(times)


@given(steps=steps, settings=coach_settings)
def test_coach_never_raises_and_never_prompts_before_its_trigger(
    steps: list[object], settings: CoachSettings
) -> None:
    drive(steps, settings)


@given(steps=steps)
def test_coach_with_default_settings(steps: list[object]) -> None:
    drive(steps, CoachSettings())


@given(steps=steps, settings=coach_settings)
def test_cooldown_is_respected(steps: list[object], settings: CoachSettings) -> None:
    """A card does not come back within its cooldown (the playbook's, else the setting's)."""
    coach = Coach(PLAYBOOK, settings)
    trend = FrustrationTrend()
    start = latest = 0.0
    last_shown: dict[str, float] = {}
    for step in steps:
        if isinstance(step, Say):
            start = max(0.0, start + step.gap)
            end = start + step.duration
            frustration = _fuse(step.tone, step.words)
            utt = Utterance(
                step.speaker,  # type: ignore[arg-type]
                start,
                end,
                step.text,
                step.tone,
                step.words,
                frustration,
                processed_t=end + step.delay,
            )
            point = (
                trend.update(end, frustration, step.duration)
                if step.speaker == "customer"
                else None
            )
            out = coach.on_utterance(utt, point, step.overlap_s)
            latest = max(latest, end + step.delay)
        elif isinstance(step, Tick):
            t = max(0.0, latest + step.dt)
            out = coach.on_tick(t, max(0.0, t - step.quiet_for))
            latest = max(latest, t)
        else:
            continue
        for p in out:
            if not isinstance(p, Prompt):
                continue
            spec = PLAYBOOK.prompt(p.id)
            assert spec is not None
            cooldown = spec.cooldown_s if spec.cooldown_s is not None else settings.cooldown_s
            if p.id in last_shown:
                assert p.t - last_shown[p.id] >= cooldown - 1e-9, (p.id, p.t, last_shown[p.id])
            last_shown[p.id] = p.t
