"""The fitted fusion on real models and real RAVDESS audio: either channel carries anger,
positive words damp a loud happy voice, calm stays low; the shipped parameters are checked."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from app.coaching.thresholds import resolve_thresholds
from app.errors import ModelError
from app.scoring.fusion import Fusion, fuse, load_fusion
from app.scoring.tone import SpeakerBaseline, load_tone_scorer
from app.scoring.words import WORDS_THRESHOLDS, load_words_scorer
from tests.data_helpers.ravdess import clips, needs_ravdess

ROOT = Path(__file__).resolve().parents[1]
FUSION_DIR = ROOT / "models" / "fusion"
ELEVATED, HIGH = WORDS_THRESHOLDS["elevated"], WORDS_THRESHOLDS["high"]  # on a words score
# on the fused score: the coach's thresholds (models/fusion/fusion.json "thresholds")
_COACH = resolve_thresholds()
FUSED_ELEVATED, FUSED_HIGH = _COACH.elevated, _COACH.high

needs_data = needs_ravdess

NEUTRAL_WORDS = "i would like to check the balance on my account please"
ANGRY_WORDS = "this is absolutely ridiculous, i am furious, you people are useless"
POSITIVE_WORDS = "oh thank you so much, that is wonderful news, you have been brilliant"
ACTORS = (3, 10, 17)


@pytest.fixture(scope="module")
def words():
    scorer = load_words_scorer()
    texts = [NEUTRAL_WORDS, ANGRY_WORDS, POSITIVE_WORDS]
    return dict(zip(("neutral", "angry", "positive"), scorer.score(texts), strict=True))


@pytest.fixture(scope="module")
def tone():
    """Median calibrated tone per (actor, voice), against the actor's own neutral clips."""
    scorer = load_tone_scorer()
    out = {}
    for actor in ACTORS:
        base = SpeakerBaseline()
        for x in clips(actor, "neutral"):
            base.add_calm(scorer.features(x))
        for voice, emotion, intensity in (
            ("angry", "angry", "strong"),
            ("happy", "happy", "strong"),
            ("calm", "calm", None),
        ):
            scores = [scorer.score(x, base) for x in clips(actor, emotion, intensity)]
            out[actor, voice] = float(np.median(scores))
    return out


def test_words_inputs_are_what_the_cases_need(words) -> None:
    assert words["angry"] >= HIGH  # angry words
    assert words["neutral"] < ELEVATED and words["positive"] < words["neutral"]


@needs_data
@pytest.mark.parametrize("actor", ACTORS)
def test_strongly_angry_voice_with_neutral_words_is_high(tone, words, actor: int) -> None:
    assert fuse(tone[actor, "angry"], words["neutral"]) >= FUSED_HIGH


@needs_data
@pytest.mark.parametrize("actor", ACTORS)
def test_angry_words_in_a_flat_voice_are_high(tone, words, actor: int) -> None:
    assert fuse(tone[actor, "calm"], words["angry"]) >= FUSED_HIGH


@needs_data
@pytest.mark.parametrize("actor", ACTORS)
def test_positive_words_damp_a_loud_happy_voice(tone, words, actor: int) -> None:
    happy = tone[actor, "happy"]
    damped = fuse(happy, words["positive"])
    assert damped < fuse(happy, words["neutral"])
    assert damped < FUSED_HIGH


@needs_data
@pytest.mark.parametrize("actor", ACTORS)
def test_both_calm_stay_low(tone, words, actor: int) -> None:
    # (held to the words model's lower "elevated", stricter than the coach's fused one)
    assert fuse(tone[actor, "calm"], words["neutral"]) < ELEVATED
    assert fuse(tone[actor, "calm"], words["positive"]) < ELEVATED


def test_fusion_rises_with_either_channel() -> None:
    f = load_fusion()
    grid = np.linspace(0.0, 1.0, 41)
    for other in grid:
        by_tone = [f(t, other) for t in grid]
        by_words = [f(other, w) for w in grid]
        assert np.all(np.diff(by_tone) >= -1e-12) and np.all(np.diff(by_words) >= -1e-12)
    assert 0.0 < f(0.0, 0.0) < f(1.0, 1.0) < 1.0


def test_shipped_parameters_are_the_fitted_ones() -> None:
    data = json.loads((FUSION_DIR / "fusion.json").read_text())
    assert load_fusion() == Fusion.from_json(data)
    assert data["voice"]["tone"] > 0 and data["words"]["slope"] > 0


def test_altered_parameters_are_a_model_error(tmp_path: Path) -> None:
    bad = tmp_path / "fusion"
    shutil.copytree(FUSION_DIR, bad, ignore=shutil.ignore_patterns("*.py", "*.md"))
    data = json.loads((bad / "fusion.json").read_text())
    data["voice"]["words"] = 0.0
    (bad / "fusion.json").write_text(json.dumps(data))
    with pytest.raises(ModelError, match="sha256"):
        load_fusion(bad)
    digest = hashlib.sha256((bad / "fusion.json").read_bytes()).hexdigest()
    (bad / "SHA256SUMS").write_text(f"{digest}  fusion.json\n")
    assert load_fusion(bad).voice_words == 0.0  # a consistent pair loads
    with pytest.raises(ModelError, match="missing"):
        load_fusion(tmp_path / "nowhere")


def _call(tmp_path: Path, name: str, actor: int, parts: list[tuple[str, str | None, int]]) -> Path:
    """A mono call of one RAVDESS actor: (emotion, intensity, how many clips), 1.5 s apart."""
    import soundfile as sf

    gap = np.zeros(int(1.5 * 16000), np.float32)
    audio = [gap]
    for emotion, intensity, n in parts:
        for x in clips(actor, emotion, intensity)[:n]:
            audio += [x, gap]
    path = tmp_path / f"{name}.wav"
    sf.write(path, np.concatenate(audio), 16000)
    return path


@needs_data
def test_voice_only_anger_escalates_a_real_call(tmp_path: Path) -> None:
    """Every clip says "Kids/Dogs are … by the door": the anger is in the voice only. The old
    fusion capped such turns at 0.5 (< high), so the call never escalated."""
    from app.cli import main

    calm = [("neutral", None, 2), ("calm", "normal", 2)]
    angry = _call(tmp_path, "angry", 3, [*calm, ("angry", "strong", 3)])
    control = _call(tmp_path, "calm", 3, [*calm, ("calm", "strong", 3)])
    assert main(["analyze", str(angry), str(control), "--out", str(tmp_path / "out")]) == 0
    rep = json.loads((tmp_path / "out" / "angry.json").read_text())
    customer = [u for u in rep["utterances"] if u["speaker"] == "customer"]
    assert max(u["words"] for u in customer) < ELEVATED  # the words stay neutral
    first_angry_end = 1.5 + sum(x.size / 16000 + 1.5 for x in clips(3, "neutral")[:2])
    first_angry_end += sum(x.size / 16000 + 1.5 for x in clips(3, "calm", "normal")[:2])
    first_angry_end += clips(3, "angry", "strong")[0].size / 16000
    ids = [p["id"] for p in rep["prompts"]]
    assert "acknowledge_anger" in ids and "follow_up_call" in ids
    ack = next(p for p in rep["prompts"] if p["id"] == "acknowledge_anger")
    assert ack["t"] >= first_angry_end - 0.5
    assert rep["summary"]["escalated"] is True
    calm_rep = json.loads((tmp_path / "out" / "calm.json").read_text())
    assert calm_rep["summary"]["escalated"] is False
    assert not {"acknowledge_anger", "owner_question"} & {p["id"] for p in calm_rep["prompts"]}
