"""The one YIN (app/audio/pitch.py), with the settings of both of its callers: the tone features
(8 kHz telephone band) and the loud-voice detector (16 kHz).

Synthesised tones and noise have a known answer; RAVDESS voices have a known sex and the two
callers' settings, at their own rates, must hear the same pitch on the same speech."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio import loud_voice
from app.audio.pitch import YinSettings, yin
from app.scoring.tone import dsp


def tone(hz: float, sr: int, seconds: float = 1.0) -> np.ndarray:
    return np.sin(2 * np.pi * hz * np.arange(int(seconds * sr)) / sr)


def loud_frames(x: np.ndarray) -> np.ndarray:
    """The detector's frames: 512 samples at 16 kHz, back to back."""
    return x[: len(x) // loud_voice.FRAME * loud_voice.FRAME].reshape(-1, loud_voice.FRAME)


def tone_frames(x: np.ndarray) -> np.ndarray:
    """The tone features' frames: YIN_LEN samples at 8 kHz every 10 ms."""
    return dsp.frames(x, dsp.YIN_LEN, dsp.n_frames(x))


def test_a_pure_tone_gives_its_period_at_either_rate() -> None:
    at16k = yin(loud_frames(tone(200.0, 16000)), loud_voice.YIN)
    np.testing.assert_allclose(at16k.period, 80.0, atol=0.05)
    assert at16k.aperiodicity.max() < 1e-6
    at8k = yin(tone_frames(tone(200.0, 8000)), dsp.YIN)
    np.testing.assert_allclose(at8k.period, 40.0, atol=0.05)
    assert at8k.aperiodicity.max() < 1e-6


def test_white_noise_is_aperiodic() -> None:
    rng = np.random.default_rng(0)
    for frames, settings in (
        (rng.standard_normal((200, loud_voice.FRAME)), loud_voice.YIN),
        (rng.standard_normal((200, dsp.YIN_LEN)), dsp.YIN),
    ):
        aperiodicity = yin(frames, settings).aperiodicity
        assert aperiodicity.min() > 0.5  # no frame near either caller's "voiced" (<= 0.35)
        assert np.median(aperiodicity) > 0.7


def ravdess_clip(data: Path, actor: int, emotion: str, intensity: str) -> np.ndarray:
    with open(data / "ravdess" / "manifest.csv", newline="") as f:
        row = next(
            r
            for r in csv.DictReader(f)
            if int(r["actor"]) == actor and r["emotion"] == emotion and r["intensity"] == intensity
        )
    x, sr = sf.read(data / "ravdess" / row["path"], dtype="float32")
    assert sr == 16000
    return x


def voiced_f0(frames: np.ndarray, settings: YinSettings, sr: int) -> float:
    """Median F0 of the clearly periodic frames within 20 dB of the loudest."""
    found = yin(frames, settings)
    db = 10.0 * np.log10(np.mean(np.square(frames, dtype=np.float64), axis=1) + 1e-20)
    voiced = (found.aperiodicity < 0.2) & (db > db.max() - 20.0)
    assert voiced.sum() >= 10
    return float(np.median(sr / found.period[voiced]))


@pytest.mark.parametrize(
    ("actor", "emotion", "low", "high"),
    [
        (1, "neutral", 90, 140),
        (2, "neutral", 180, 260),
        (3, "calm", 90, 140),
        (7, "neutral", 90, 140),
    ],
)
def test_both_settings_hear_the_same_pitch_in_a_real_voice(
    shared_data: Path, actor: int, emotion: str, low: float, high: float
) -> None:
    x = ravdess_clip(shared_data, actor, emotion, "normal")
    full_band = voiced_f0(loud_frames(x), loud_voice.YIN, 16000)
    telephone = voiced_f0(tone_frames(dsp.to_telephone_band(x, 16000)), dsp.YIN, 8000)
    assert low < full_band < high  # odd actors are male, even female
    assert abs(12.0 * np.log2(full_band / telephone)) < 0.5  # semitones


def test_a_screamed_vowel_is_heard_at_its_pitch_above_speaking_range(shared_data: Path) -> None:
    """Actor 18 screams at about 500 Hz: the loud-voice settings (up to 1600 Hz) find it."""
    x = ravdess_clip(shared_data, 18, "angry", "strong")
    assert 450.0 < voiced_f0(loud_frames(x), loud_voice.YIN, 16000) < 650.0


def test_a_period_beyond_the_range_is_aperiodic_only_where_the_caller_asks() -> None:
    """60 Hz is under the detector's 70 Hz: the minimum sits at the range's end."""
    frames = loud_frames(tone(60.0, 16000))
    at_edge = yin(frames, dataclasses.replace(loud_voice.YIN, edge_aperiodic=False))
    assert np.all(np.abs(at_edge.period - loud_voice.MAX_LAG) <= 1.0)
    assert at_edge.aperiodicity.max() < 0.4  # would pass the detector's 0.35 now and then
    np.testing.assert_array_equal(yin(frames, loud_voice.YIN).aperiodicity, 1.0)


def test_the_walk_from_the_first_dip_goes_down_to_the_minimum_unless_limited() -> None:
    frames = loud_frames(tone(200.0, 16000))
    early = dataclasses.replace(loud_voice.YIN, threshold=0.9)  # first dip: on the slope down
    np.testing.assert_allclose(yin(frames, early).period, 80.0, atol=0.05)
    assert yin(frames, dataclasses.replace(early, max_walk=0)).period.max() < 70.0


def test_frames_or_settings_that_cannot_hold_the_lags_are_refused() -> None:
    with pytest.raises(ValueError, match="frame length"):
        yin(np.zeros((2, 300)), loud_voice.YIN)
    with pytest.raises(ValueError, match="frame length"):
        yin(np.zeros((2, 2000)), loud_voice.YIN)
    with pytest.raises(ValueError, match="nfft"):
        YinSettings(window=200, min_lag=10, max_lag=200, nfft=256, threshold=0.1, cmndf_floor=0.0)
    with pytest.raises(ValueError, match="min_lag"):
        YinSettings(window=200, min_lag=0, max_lag=100, nfft=512, threshold=0.1, cmndf_floor=0.0)
