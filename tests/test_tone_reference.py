"""Tone before and after a speaker baseline exists: which reference a score was judged against,
the conservative population calibration, and no agent-side prompt from tone without a baseline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.coaching.thresholds import resolve_thresholds
from app.config import CoachSettings
from app.events import Prompt, Utterance
from app.scoring.tone import SpeakerBaseline, load_tone_scorer
from tests.data_helpers.ravdess import DATA, clips, needs_ravdess

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "tone"
SR = 16000
# the coach's thresholds on the fused score (models/fusion/fusion.json "thresholds")
_COACH = resolve_thresholds()
ELEVATED, HIGH = _COACH.elevated, _COACH.high

needs_data = needs_ravdess


@pytest.fixture(scope="module")
def scorer():
    return load_tone_scorer(MODEL_DIR)


def test_tone_json_carries_both_calibrations() -> None:
    cal = json.loads((MODEL_DIR / "tone.json").read_text())["calibration"]
    for mode in ("population", "speaker"):
        assert cal[mode]["slope"] > 0


@needs_data
def test_a_reading_says_which_reference_it_used(scorer) -> None:
    neutral = clips(6, "neutral")
    base = SpeakerBaseline()
    angry = scorer.features(clips(6, "angry", "strong")[0])
    assert scorer.read(angry, None).baseline is False
    assert scorer.read(angry, base).baseline is False  # not ready yet: population norms
    for x in neutral:
        base.add_calm(scorer.features(x))
    reading = scorer.read(angry, base)
    assert reading.baseline is True and reading.score == scorer.score_features(angry, base)


def _unusual(x: np.ndarray, kind: str) -> np.ndarray:
    """A calm clip turned into an unusual voice: formants and pitch moved, or flattened level."""
    if kind == "deep":  # played 20 % slower: pitch and formants down, slower speech
        return signal.resample_poly(x, 5, 4).astype(np.float32)
    if kind == "high":  # 20 % faster: pitch and formants up
        return signal.resample_poly(x, 4, 5).astype(np.float32)
    # "flat": every 20 ms frame brought to the same level (no loudness movement at all)
    n = 320
    y = x[: x.size // n * n].reshape(-1, n).astype(np.float64)
    rms = np.sqrt(np.mean(y**2, axis=1, keepdims=True)) + 1e-4
    return (0.05 * y / rms).reshape(-1).astype(np.float32)


@needs_data
@pytest.mark.parametrize("kind", ["deep", "high", "flat"])
def test_unusual_calm_voice_is_not_tense_without_a_baseline(scorer, kind: str) -> None:
    """Population norms are the conservative reference: a calm but unusual voice stays below the
    0.5 that would make it "tense" (the pre-fix model scored such voices 0.67-0.83)."""
    for actor in (1, 8, 13, 20):
        for x in clips(actor, "calm", "normal")[:2] + clips(actor, "neutral")[:1]:
            assert scorer.score(_unusual(x, kind)) < 0.5, (actor, kind)


@needs_data
@pytest.mark.parametrize("name", ["jfk.flac", "LJ001-0007.wav"])
def test_calm_voices_outside_ravdess_are_not_tense_without_a_baseline(scorer, name: str) -> None:
    """Two calm recordings kept out of the calibration fit (models/fusion/fit.py HELD_OUT_CALM):
    before it, population norms scored their 2.5 s stretches up to 0.74 and 0.83."""
    import soundfile as sf

    path = next((DATA / "asr_eval_small" / "audio").rglob(name))
    x, sr = sf.read(path, dtype="float32", always_2d=True)
    x = signal.resample_poly(x[:, 0], SR, sr).astype(np.float32) if sr != SR else x[:, 0]
    step = int(2.5 * SR)
    chunks = [x[i : i + step] for i in range(0, x.size - SR, step)]
    readings = [scorer.read(scorer.features(c), None) for c in chunks]
    assert readings and all(not r.baseline for r in readings)
    assert max(r.score for r in readings) < 0.5
    raw = max(scorer.raw_score(scorer.features(c), None) for c in chunks)
    assert raw > 0.6  # the uncalibrated population model did call them tense


@needs_data
def test_strongly_angry_voice_still_counts_without_a_baseline(scorer) -> None:
    """Conservative is not deaf: a strongly angry voice scores far above a calm one, and with
    neutral words most such clips still make a "high" turn."""
    from app.scoring.fusion import fuse

    neutral_words = 0.062  # the median words score of GoEmotions' neutral test comments
    angry = [scorer.score(x) for a in (2, 9, 16) for x in clips(a, "angry", "strong")]
    calm = [scorer.score(x) for a in (2, 9, 16) for x in clips(a, "calm")]
    assert min(angry) > max(calm)
    assert np.mean([fuse(t, neutral_words) >= HIGH for t in angry]) >= 0.75


def _coach_with(agent_tone: float, agent_baseline: bool, customer_baseline: bool = True):
    coach = Coach(load_playbook(), CoachSettings(elevated=ELEVATED, high=HIGH))
    angry = Utterance(
        "customer", 0.0, 3.0, "you are useless", 0.9, 0.9, 0.9, 3.5, customer_baseline
    )
    fired = [e for e in coach.on_utterance(angry, None) if isinstance(e, Prompt)]
    agent = Utterance(
        "agent", 4.0, 6.0, "sir please listen to me", agent_tone, 0.05, 0.05, 6.5, agent_baseline
    )
    fired += [e for e in coach.on_utterance(agent, None) if isinstance(e, Prompt)]
    return fired


def test_agent_tone_prompts_only_against_the_agents_own_baseline() -> None:
    with_base = _coach_with(0.9, True)
    slow = [p for p in with_base if p.id == "slow_down"]
    assert slow and "against their own baseline" in slow[0].reason
    assert "slow_down" not in [p.id for p in _coach_with(0.9, False)]


def test_customer_prompt_reason_names_the_reference() -> None:
    fired = _coach_with(0.1, True, customer_baseline=False)
    ack = next(p for p in fired if p.id == "acknowledge_anger")
    assert "population norms, no baseline yet" in ack.reason
    fired = _coach_with(0.1, True, customer_baseline=True)
    ack = next(p for p in fired if p.id == "acknowledge_anger")
    assert "against their own baseline" in ack.reason


def test_demo_marks_tone_judged_before_each_baseline(demo_report: dict) -> None:
    """Each speaker's first turns are judged against population norms and say so; once their
    baseline exists, against it; no slow_down card is shown from a turn without a baseline."""
    for speaker in ("agent", "customer"):
        flags = [u["tone_baseline"] for u in demo_report["utterances"] if u["speaker"] == speaker]
        assert flags[0] is False and flags[-1] is True
        assert flags == sorted(flags)  # once there, the baseline stays
    no_base = [u["end"] for u in demo_report["utterances"] if not u["tone_baseline"]]
    for p in demo_report["prompts"]:
        if p["id"] == "slow_down":
            assert "against their own baseline" in p["reason"]
            assert p["t"] > max(no_base)
