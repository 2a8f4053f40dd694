"""The loud-voice detector: screams Silero misses are found; music, tones and noise make no turns.

Real audio throughout: RAVDESS actor 18's strongly angry clips (screamed, F0 about 500 Hz) at
telephone band and µ-law, through the real front end (reader, high-pass, Silero, the detector,
cutter), and synthesised hold music, call-progress tones and noise (benchmarks/false_turns.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from app.audio.vad import SileroVad
from benchmarks.false_turns import nonspeech, write_condition
from benchmarks.frontend_conditions import (
    at_peak,
    concat_turns,
    front_end_spans,
    ravdess_clips,
    telephone,
    write,
)

SCREAMS = slice(7, 11)  # the four angry-strong clips of ravdess_clips()' call order


def speech_extent(x: np.ndarray, span: tuple[float, float]) -> tuple[float, float]:
    """Where a clip's speech is (samples over 2 % of its peak), in seconds."""
    s, e = round(span[0] * 16000), round(span[1] * 16000)
    loud = np.flatnonzero(np.abs(x[s:e]) > 0.02 * np.abs(x[s:e]).max())
    return span[0] + loud[0] / 16000, span[0] + loud[-1] / 16000


def coverage(turn: tuple[float, float], found: list[tuple[float, float]]) -> float:
    s, e = turn
    return sum(max(0.0, min(e, fe) - max(s, fs)) for fs, fe in found) / (e - s)


@pytest.fixture(scope="module")
def actor18(shared_data: Path) -> tuple[np.ndarray, list[tuple[float, float]]]:
    x, spans = concat_turns(ravdess_clips(18))
    return x, [speech_extent(x, s) for s in spans]


@pytest.mark.parametrize("condition", ["tel8k", "ulaw"])
def test_screamed_turns_silero_misses_are_found(
    actor18: tuple[np.ndarray, list[tuple[float, float]]], tmp_path: Path, condition: str
) -> None:
    x, turns = actor18
    path = write(
        tmp_path / f"a18_{condition}.wav",
        at_peak(telephone(x), -0.1),
        8000,
        "ULAW" if condition == "ulaw" else None,
    )
    silero = front_end_spans(path, loud_voice=False)["customer"]
    both = front_end_spans(path)["customer"]
    # the case is real: Silero alone hears at most a tenth of any screamed turn
    assert max(coverage(t, silero) for t in turns[SCREAMS]) < 0.1
    for i, turn in enumerate(turns):
        assert coverage(turn, both) >= 0.8, f"turn {i}: {100 * coverage(turn, both):.0f} %"
    for s, e in both:
        assert any(s < te and e > ts for ts, te in turns), f"utterance at {s:.1f} s is no turn"


@pytest.mark.parametrize("condition", ["full", "ulaw"])
def test_hold_music_tones_and_noise_make_no_turns(tmp_path: Path, condition: str) -> None:
    """Instrumental hold music, tones and noise: no utterance. A sung melody: Silero itself
    takes some notes for speech; the second detector adds no utterance and no time to those."""
    for i, (name, x) in enumerate(nonspeech(20.0).items()):
        path = write_condition(x, condition, tmp_path / f"{i}.wav")
        found = front_end_spans(path)["customer"]
        if name.startswith("hold: sung"):
            silero = front_end_spans(path, loud_voice=False)["customer"]
            assert len(found) <= len(silero), name
            assert sum(e - s for s, e in found) <= sum(e - s for s, e in silero) + 0.1, name
        else:
            assert not found, f"{name}: utterances at {[round(s, 1) for s, _ in found]}"


def test_detector_is_block_independent(
    actor18: tuple[np.ndarray, list[tuple[float, float]]],
) -> None:
    x, _ = actor18
    audio = resample_poly(at_peak(telephone(x), -0.1), 2, 1).astype(np.float32)
    whole_vad = SileroVad()
    whole = whole_vad(audio)
    assert whole_vad.loud_voice is not None and whole_vad.loud_voice.frames_found > 20
    vad = SileroVad()
    streamed = np.concatenate([vad(audio[i : i + 2999]) for i in range(0, audio.size, 2999)])
    np.testing.assert_allclose(streamed, whole, atol=1e-4)
    assert vad.loud_voice is not None
    assert vad.loud_voice.frames_found == whole_vad.loud_voice.frames_found
