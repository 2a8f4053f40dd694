"""Prosodic and voice-quality features of one utterance, computed on the telephone band.

The signal processing (telephone band, YIN pitch, filter banks) lives in `dsp.py`; this module turns
its frame-level measurements into one feature vector per utterance. All features in the population
vector are level-invariant (spreads, slopes, ratios, shapes); absolute levels (`level_db` and its
percentiles) are used only relative to a speaker's own baseline, because a phone's gain says
nothing about the caller's mood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.scoring.tone import dsp
from app.scoring.tone.dsp import HOP, N_MFCC, SR, to_telephone_band

__all__ = [
    "BASELINE_NAMES",
    "FEATURE_NAMES",
    "N_ALL",
    "N_FEAT",
    "N_POP",
    "POPULATION_NAMES",
    "ToneFeatures",
    "extract_features",
    "to_telephone_band",
]

VOICED_MAX_APERIODICITY = 0.35
SILENCE_DB = -90.0  # frames below this are digital silence whatever the recording level

# Features the classifier sees without a speaker baseline: all independent of the channel's gain.
POPULATION_NAMES: tuple[str, ...] = (
    "f0_median_st",  # median pitch, semitones re 100 Hz
    "f0_range_st",  # p90 - p10 of pitch
    "f0_std_st",
    "f0_slope_st_s",  # pitch trend over the utterance
    "f0_delta_st",  # mean absolute frame-to-frame pitch change
    "loud_range_db",  # p95 - p10 of active-frame level
    "loud_std_db",
    "loud_delta_db",  # mean absolute frame-to-frame level change
    "loud_slope_db_s",
    "peak_to_median_db",
    "rate_syl_s",  # energy-peak (syllable nucleus) rate per second of speech
    "hnr_db",  # from YIN aperiodicity
    "jitter",  # relative period change between voiced frames
    "shimmer_db",  # level change between voiced frames
    "tilt_db_oct",  # spectral slope of voiced frames, 300–3400 Hz
    "hf_ratio_db",  # energy 1–3.4 kHz over 0.3–1 kHz
    "hammarberg_db",  # max level 0.3–2 kHz minus max level 2–3.4 kHz
    "centroid_khz",
    "band1_db",  # spectral envelope shape: 6 log-spaced bands, mean removed
    "band2_db",
    "band3_db",
    "band4_db",
    "band5_db",
    "band6_db",
    "voiced_frac",
    "pause_frac",
    "pause_rate_s",
    *(f"mfcc{i}_mean" for i in range(1, N_MFCC + 1)),
    *(f"mfcc{i}_std" for i in range(1, N_MFCC + 1)),
    *(f"mfcc{i}_dstd" for i in range(1, N_MFCC + 1)),
    # contour shape: anger tends to fall and stay level, happiness to rise and swing
    "f0_p10_st",
    "f0_p90_st",
    "f0_skew",
    "f0_final_slope_st_s",  # slope over the last 30 % of voiced frames
    "f0_rise_frac",  # share of rising frame-to-frame steps
    "f0_loud_corr",  # correlation of pitch and level over voiced frames
    # harshness / tense voice
    "flatness_hi",  # spectral flatness 1–3.4 kHz of voiced frames (noise in the upper band)
    "flatness_lo",  # spectral flatness 0.3–1 kHz
    "flux",  # spectral change between active frames
    "hf_ratio_std_db",  # spread and peaks of the per-frame 1–3.4 kHz / 0.3–1 kHz ratio
    "hf_ratio_p90_db",
    "aper_p25",  # YIN aperiodicity quartiles of voiced frames
    "aper_p75",
    "tilt_std_db_oct",
    "tilt_p90_db_oct",
    *(f"mfcc{i}_dabs" for i in range(1, N_MFCC + 1)),  # mean absolute delta-MFCC
)
# Compared with the speaker's baseline only: absolute levels of the telephone-band signal.
LEVEL_NAMES: tuple[str, ...] = ("level_db", "level_p10_db", "level_p90_db")
# What the speaker feature model compares with the baseline (differences only).
FEATURE_NAMES: tuple[str, ...] = (*POPULATION_NAMES, *LEVEL_NAMES)
# What a speaker baseline keeps: every feature (the Whisper-encoder view keeps its own mean).
BASELINE_NAMES: tuple[str, ...] = FEATURE_NAMES
N_POP = len(POPULATION_NAMES)
N_FEAT = len(FEATURE_NAMES)
N_ALL = len(BASELINE_NAMES)

# Stand-ins when an utterance has no voiced frame (about the population medians of RAVDESS).
_UNVOICED_DEFAULTS = {
    "f0_median_st": 6.0,
    "f0_p10_st": 6.0,
    "f0_p90_st": 6.0,
    "f0_rise_frac": 0.5,
    "aper_p25": 0.5,
    "aper_p75": 0.5,
}
_SPECTRAL_DEFAULTS = {"tilt_db_oct": -6.0, "hf_ratio_db": -10.0, "hammarberg_db": 20.0}


@dataclass(frozen=True, eq=False)
class ToneFeatures:
    """Features of one stretch of audio. `values` follows `BASELINE_NAMES` and is always finite."""

    values: np.ndarray
    pitch_hz: float  # median F0 of voiced frames, nan when nothing was voiced
    loudness_db: float  # median level of active frames, dBFS in the telephone band
    rate: float  # syllables per second of speech (energy-peak estimate)
    speech_s: float  # seconds of active (non-pause) audio
    voiced_s: float
    duration_s: float
    # mean Whisper-encoder frame (embedding.N_EMB), when the scorer's encoder computed one
    embedding: np.ndarray | None = None

    @property
    def population_vector(self) -> np.ndarray:
        return self.values[:N_POP]

    def named(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(BASELINE_NAMES, self.values, strict=True)}


def _pitch(
    vals: dict[str, float], st: np.ndarray, period: np.ndarray, aper: np.ndarray, v_idx: np.ndarray
) -> None:
    """Pitch, contour-shape and voice-quality features of the voiced frames `v_idx`."""
    sv = dsp.median3(st[v_idx])
    t = v_idx * HOP / SR
    vals["f0_median_st"] = float(np.median(sv))
    p10, p90 = np.percentile(sv, [10, 90])
    vals["f0_p10_st"], vals["f0_p90_st"] = float(p10), float(p90)
    vals["f0_range_st"] = float(p90 - p10)
    sd = float(np.std(sv))
    vals["f0_std_st"] = sd
    vals["f0_skew"] = float(np.mean((sv - sv.mean()) ** 3) / sd**3) if sd > 0.1 else 0.0
    vals["f0_slope_st_s"] = float(np.clip(dsp.slope(t, sv), -60, 60))
    k = max(3, int(0.3 * v_idx.size))
    vals["f0_final_slope_st_s"] = float(np.clip(dsp.slope(t[-k:], sv[-k:]), -60, 60))
    consecutive = np.diff(v_idx) == 1
    steps = np.diff(sv)[consecutive]
    vals["f0_delta_st"] = float(np.mean(np.minimum(np.abs(steps), 3.0))) if steps.size else 0.0
    vals["f0_rise_frac"] = float(np.mean(steps > 0)) if steps.size else 0.5
    per = period[v_idx]
    jit = (np.abs(np.diff(per)) / per[1:])[consecutive]
    vals["jitter"] = float(np.mean(np.minimum(jit, 0.2))) if jit.size else 0.0
    ap = aper[v_idx]
    vals["aper_p25"], vals["aper_p75"] = (float(v) for v in np.percentile(ap, [25, 75]))
    med_ap = np.clip(np.median(ap), 1e-3, 0.999)
    vals["hnr_db"] = float(10.0 * np.log10((1.0 - med_ap) / med_ap))


def _loudness(
    vals: dict[str, float], frame_db: np.ndarray, active: np.ndarray, threshold: float
) -> tuple[np.ndarray, float]:
    """Level features of the active frames; returns the syllable-peak frame indices and speech s."""
    a_db = frame_db[active]
    if a_db.size < 2:
        vals["level_db"] = float(max(np.max(frame_db), -120.0))
        vals["level_p10_db"] = vals["level_p90_db"] = vals["level_db"]
        return np.zeros(0, dtype=np.int64), 0.0
    a_idx = np.flatnonzero(active)
    level = float(np.median(a_db))
    p10, p90, p95 = np.percentile(a_db, [10, 90, 95])
    vals["level_db"], vals["level_p10_db"], vals["level_p90_db"] = level, float(p10), float(p90)
    vals["loud_range_db"] = float(p95 - p10)
    vals["loud_std_db"] = float(np.std(a_db))
    vals["loud_delta_db"] = float(np.mean(np.abs(np.diff(frame_db[a_idx[0] : a_idx[-1] + 1]))))
    vals["loud_slope_db_s"] = float(np.clip(dsp.slope(a_idx * HOP / SR, a_db), -100, 100))
    vals["peak_to_median_db"] = float(np.max(a_db) - level)
    env = np.convolve(np.where(active, frame_db, threshold), np.ones(5) / 5, mode="same")
    peaks = dsp.peaks(env, prominence=3.0, distance=8)
    return peaks, a_db.size * HOP / SR


def _spectral(
    vals: dict[str, float], power: np.ndarray, sel: np.ndarray, active: np.ndarray
) -> None:
    """Spectral balance, harshness and cepstral features of the selected (voiced) frames."""
    p = power[sel]
    log_p = np.log(p)  # one logarithm serves tilt and both flatness measures
    tilt = (10.0 / np.log(10.0)) * log_p[:, dsp.IN_BAND] @ dsp.TILT_X
    vals["tilt_db_oct"] = float(np.median(tilt))
    vals["tilt_std_db_oct"] = float(np.std(tilt))
    vals["tilt_p90_db_oct"] = float(np.percentile(tilt, 90))
    tot = p.sum(axis=0)
    vals["hf_ratio_db"] = float(10 * np.log10(tot[dsp.HIGH].sum() / tot[dsp.LOW].sum()))
    hi, lo = p[:, dsp.HIGH], p[:, dsp.LOW]
    ratio = 10.0 * np.log10(hi.sum(axis=1) / lo.sum(axis=1))
    vals["hf_ratio_std_db"] = float(np.std(ratio))
    vals["hf_ratio_p90_db"] = float(np.percentile(ratio, 90))
    for name, band, part in (("flatness_hi", dsp.HIGH, hi), ("flatness_lo", dsp.LOW, lo)):
        geo = np.exp(np.mean(log_p[:, band], axis=1))
        vals[name] = float(np.mean(geo / np.mean(part, axis=1)))
    ltas = 10.0 * np.log10(tot / sel.sum())
    vals["hammarberg_db"] = float(ltas[dsp.H_LOW].max() - ltas[dsp.H_HIGH].max())
    in_band = tot * dsp.IN_BAND
    vals["centroid_khz"] = float(np.sum(dsp.FREQS * in_band) / np.sum(in_band)) / 1e3
    bands = 10.0 * np.log10(dsp.BAND_MASKS @ tot / dsp.BAND_MASKS.sum(axis=1))
    for i, b in enumerate(bands - bands.mean()):
        vals[f"band{i + 1}_db"] = float(b)

    cep = (10.0 * np.log10(power @ dsp.MEL_FB.T)) @ dsp.DCT.T
    a_idx = np.flatnonzero(active)
    span = cep[a_idx[0] : a_idx[-1] + 1] if a_idx.size >= 2 else cep
    d = np.diff(span, axis=0) if span.shape[0] >= 2 else np.zeros((1, N_MFCC))
    mean, std = cep[sel].mean(axis=0), cep[sel].std(axis=0)
    dstd, dabs = d.std(axis=0), np.abs(d).mean(axis=0)
    for i in range(N_MFCC):
        vals[f"mfcc{i + 1}_mean"] = float(mean[i])
        vals[f"mfcc{i + 1}_std"] = float(std[i])
        vals[f"mfcc{i + 1}_dstd"] = float(dstd[i])
        vals[f"mfcc{i + 1}_dabs"] = float(dabs[i])
    lin = power[:, dsp.IN_BAND]
    shape = np.sqrt(lin / lin.sum(axis=1, keepdims=True))
    flux = np.sqrt(np.sum(np.diff(shape, axis=0) ** 2, axis=1))[active[1:] & active[:-1]]
    vals["flux"] = float(flux.mean()) if flux.size else 0.0


def extract_features(audio: np.ndarray, sr: int = 16000) -> ToneFeatures:
    """Features of one utterance (any length; silence, clipping and DC give a defined result)."""
    x = to_telephone_band(audio, sr)
    n = dsp.n_frames(x)
    spec_frames = dsp.frames(x, dsp.SPEC_LEN, n)
    power = np.abs(np.fft.rfft(spec_frames * dsp.WINDOW, axis=1)) ** 2 + 1e-12
    frame_db = 10.0 * np.log10(np.mean(spec_frames**2, axis=1) + 1e-12)

    p95 = float(np.percentile(frame_db, 95))
    threshold = max(p95 - 35.0, float(np.percentile(frame_db, 10)) + 6.0, SILENCE_DB)
    active = frame_db > threshold
    if p95 <= SILENCE_DB:
        active[:] = False

    period, aper = dsp.yin(dsp.frames(x, dsp.YIN_LEN, n))
    voiced = active & (aper < VOICED_MAX_APERIODICITY) & (frame_db > p95 - 25.0)
    st = 12.0 * np.log2(np.maximum(SR / period, 1.0) / 100.0)
    if voiced.sum() >= 3:  # drop octave errors: far from the utterance's median
        voiced &= np.abs(st - np.median(st[voiced])) < 9.0

    vals: dict[str, float] = dict.fromkeys(BASELINE_NAMES, 0.0)
    vals.update(_UNVOICED_DEFAULTS)
    v_idx = np.flatnonzero(voiced)
    pitch_hz = float("nan")
    if v_idx.size >= 3:
        _pitch(vals, st, period, aper, v_idx)
        consecutive = np.diff(v_idx) == 1
        shim = np.abs(np.diff(frame_db[v_idx]))[consecutive]
        vals["shimmer_db"] = float(np.mean(np.minimum(shim, 10.0))) if shim.size else 0.0
        sv, lv = dsp.median3(st[v_idx]), frame_db[v_idx]
        if np.std(sv) > 0 and np.std(lv) > 0:
            vals["f0_loud_corr"] = float(np.corrcoef(sv, lv)[0, 1])
        pitch_hz = float(100.0 * 2.0 ** (vals["f0_median_st"] / 12.0))

    peaks, speech_s = _loudness(vals, frame_db, active, threshold)
    rate = float(np.sum(voiced[peaks]) / speech_s) if peaks.size and speech_s > 0 else 0.0
    vals["rate_syl_s"] = rate

    sel = voiced if voiced.sum() >= 3 else active
    if sel.sum() >= 1:
        _spectral(vals, power, sel, active)
    else:
        vals.update(_SPECTRAL_DEFAULTS, centroid_khz=1.0)
    vals["voiced_frac"] = float(voiced.sum() / max(active.sum(), 1))
    vals["pause_frac"], vals["pause_rate_s"] = dsp.pauses(active)

    values = np.array([vals[k] for k in BASELINE_NAMES], dtype=np.float64)
    values = np.where(np.isfinite(values), values, 0.0).astype(np.float32)
    return ToneFeatures(
        values=values,
        pitch_hz=pitch_hz,
        loudness_db=vals["level_db"],
        rate=rate,
        speech_s=speech_s,
        voiced_s=float(voiced.sum() * HOP / SR),
        duration_s=x.size / SR,
    )
