"""Prosodic and voice-quality features of one utterance, computed on the telephone band.

Every input is first reduced to what a phone line carries: resampled to 8 kHz and band-passed to
300–3400 Hz. Headset and phone audio therefore reach the model in the same form, and a model trained
on one serves the other. Pitch comes from a vectorised YIN (de Cheveigné & Kawahara, 2002) on the
band-limited waveform: YIN finds the period of the waveform, which the 2nd, 3rd, … harmonics still
share when the fundamental itself was filtered away by the line.

Only numpy and scipy are used. All loudness features in the population vector are level-invariant
(spreads, slopes, ratios); absolute level (`level_db`) is used only relative to a speaker's own
baseline, because a phone's gain says nothing about the caller's mood.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from math import gcd

import numpy as np
from scipy import fft as sfft
from scipy import signal

SR = 8000
HOP = 80  # 10 ms
SPEC_LEN = 256  # 32 ms analysis window for spectra and energy
YIN_W = 200  # 25 ms integration window
F0_MIN, F0_MAX = 60.0, 450.0
MIN_LAG = int(SR / F0_MAX)
MAX_LAG = int(SR / F0_MIN) + 1
YIN_LEN = YIN_W + MAX_LAG
YIN_NFFT = 576  # >= YIN_LEN + YIN_W - 1, fast size
YIN_THRESHOLD = 0.15
VOICED_MAX_APERIODICITY = 0.35
N_MFCC = 12
N_MEL = 24
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
)
# Compared with the speaker's baseline as well: the population features plus absolute level.
BASELINE_NAMES: tuple[str, ...] = (*POPULATION_NAMES, "level_db")
N_POP = len(POPULATION_NAMES)
N_ALL = len(BASELINE_NAMES)

# Stand-ins when an utterance has no voiced frame (population medians of RAVDESS, rounded).
_UNVOICED_DEFAULTS = {
    "f0_median_st": 6.0,
    "f0_range_st": 0.0,
    "f0_std_st": 0.0,
    "f0_slope_st_s": 0.0,
    "f0_delta_st": 0.0,
    "hnr_db": 0.0,
    "jitter": 0.0,
    "shimmer_db": 0.0,
}


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

    @property
    def population_vector(self) -> np.ndarray:
        return self.values[:N_POP]

    def named(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(BASELINE_NAMES, self.values, strict=True)}


def _bandpass_sos() -> np.ndarray:
    return signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=SR, output="sos")


_SOS = _bandpass_sos()
_FREQS = np.fft.rfftfreq(SPEC_LEN, 1.0 / SR)
_IN_BAND = (_FREQS >= 300.0) & (_FREQS <= 3400.0)
_LOW = (_FREQS >= 300.0) & (_FREQS < 1000.0)
_HIGH = (_FREQS >= 1000.0) & (_FREQS <= 3400.0)
_H_LOW = (_FREQS >= 300.0) & (_FREQS < 2000.0)
_H_HIGH = (_FREQS >= 2000.0) & (_FREQS <= 3400.0)
_LOG2F = np.log2(_FREQS[_IN_BAND])
_TILT_X = (_LOG2F - _LOG2F.mean()) / np.sum((_LOG2F - _LOG2F.mean()) ** 2)
_BAND_EDGES = np.geomspace(300.0, 3400.0, 7)
_BAND_MASKS = np.stack([(lo <= _FREQS) & (hi > _FREQS) for lo, hi in pairwise(_BAND_EDGES)]).astype(
    np.float64
)
_WINDOW = np.hanning(SPEC_LEN)


def _mel_matrix() -> tuple[np.ndarray, np.ndarray]:
    """Triangular mel filters over 300–3400 Hz, cepstra from a DCT-II (c0, the level, dropped)."""
    mel = 2595.0 * np.log10(1.0 + np.array([300.0, 3400.0]) / 700.0)
    pts = 700.0 * (10 ** (np.linspace(mel[0], mel[1], N_MEL + 2) / 2595.0) - 1.0)
    fb = np.zeros((N_MEL, _FREQS.size))
    for i in range(N_MEL):
        lo, mid, hi = pts[i], pts[i + 1], pts[i + 2]
        up = (_FREQS - lo) / (mid - lo)
        down = (hi - _FREQS) / (hi - mid)
        fb[i] = np.maximum(0.0, np.minimum(up, down))
    fb /= np.maximum(fb.sum(axis=1, keepdims=True), 1e-9)
    k = np.arange(N_MEL)
    dct = np.cos(np.pi / N_MEL * (k[None, :] + 0.5) * np.arange(1, N_MFCC + 1)[:, None])
    return fb, dct * np.sqrt(2.0 / N_MEL)


_MEL_FB, _DCT = _mel_matrix()


def to_telephone_band(audio: np.ndarray, sr: int) -> np.ndarray:
    """Mono float64 at 8 kHz, DC removed, band-passed to 300–3400 Hz; non-finite samples zeroed."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    x = np.where(np.isfinite(x), x, 0.0)
    if x.size == 0:
        return x
    x = x - x.mean()
    if sr != SR:
        g = gcd(int(sr), SR)
        x = signal.resample_poly(x, SR // g, int(sr) // g)
    return signal.sosfilt(_SOS, x)


def _frames(x: np.ndarray, length: int, n: int) -> np.ndarray:
    need = (n - 1) * HOP + length
    if x.size < need:
        x = np.pad(x, (0, need - x.size))
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, length), strides=(x.strides[0] * HOP, x.strides[0]), writeable=False
    )


def _yin(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: period in samples and aperiodicity (CMNDF at that period; 0 = periodic)."""
    a = frames[:, :YIN_W]
    spec = sfft.rfft(frames, YIN_NFFT, axis=1) * np.conj(sfft.rfft(a, YIN_NFFT, axis=1))
    r = sfft.irfft(spec, YIN_NFFT, axis=1)[:, : MAX_LAG + 1]
    cs = np.concatenate([np.zeros((frames.shape[0], 1)), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(MAX_LAG + 1)
    e_tau = cs[:, lags + YIN_W] - cs[:, lags]
    d = np.maximum(cs[:, [YIN_W]] + e_tau - 2.0 * r, 0.0)
    d[:, 0] = 0.0
    cum = np.cumsum(d[:, 1:], axis=1)
    cmndf = np.ones_like(d)
    cmndf[:, 1:] = d[:, 1:] * lags[1:] / np.maximum(cum, 1e-12)
    search = cmndf[:, MIN_LAG:MAX_LAG]
    below = search < YIN_THRESHOLD
    idx = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    rows = np.arange(search.shape[0])
    for _ in range(24):  # walk down to the local minimum after the first dip below threshold
        nxt = np.minimum(idx + 1, search.shape[1] - 1)
        step = search[rows, nxt] < search[rows, idx]
        if not step.any():
            break
        idx = np.where(step, nxt, idx)
    lo = np.maximum(idx - 1, 0)
    hi = np.minimum(idx + 1, search.shape[1] - 1)
    y0, y1, y2 = search[rows, lo], search[rows, idx], search[rows, hi]
    den = y0 - 2 * y1 + y2
    shift = np.where(np.abs(den) > 1e-12, 0.5 * (y0 - y2) / np.where(den == 0, 1, den), 0.0)
    shift = np.clip(shift, -1.0, 1.0)
    return idx + MIN_LAG + shift, y1


def _slope(t: np.ndarray, y: np.ndarray) -> float:
    if t.size < 3:
        return 0.0
    tc = t - t.mean()
    den = float(np.sum(tc**2))
    return float(np.sum(tc * (y - y.mean())) / den) if den > 0 else 0.0


def _pauses(active: np.ndarray) -> tuple[float, float]:
    """Fraction of pause frames between first and last active frame, and pauses >= 150 ms per s."""
    idx = np.flatnonzero(active)
    if idx.size < 2:
        return 0.0, 0.0
    span = active[idx[0] : idx[-1] + 1]
    gaps = np.diff(np.concatenate([[1], span.astype(np.int8), [1]]))
    starts, ends = np.flatnonzero(gaps == -1), np.flatnonzero(gaps == 1)
    n_long = int(np.sum((ends - starts) >= 15))
    return float(1.0 - span.mean()), n_long / (span.size * HOP / SR)


def extract_features(audio: np.ndarray, sr: int = 16000) -> ToneFeatures:
    """Features of one utterance (any length; silence, clipping and DC give a defined result)."""
    x = to_telephone_band(audio, sr)
    duration = x.size / SR
    n = max(1, 1 + (x.size - SPEC_LEN) // HOP) if x.size >= SPEC_LEN else 1
    spec_frames = _frames(x, SPEC_LEN, n)
    power = np.abs(sfft.rfft(spec_frames * _WINDOW, axis=1)) ** 2 + 1e-12
    frame_db = 10.0 * np.log10(np.mean(spec_frames**2, axis=1) + 1e-12)

    p95 = float(np.percentile(frame_db, 95))
    threshold = max(p95 - 35.0, float(np.percentile(frame_db, 10)) + 6.0, SILENCE_DB)
    active = frame_db > threshold
    if p95 <= SILENCE_DB:
        active[:] = False

    period, aper = _yin(_frames(x, YIN_LEN, n))
    voiced = active & (aper < VOICED_MAX_APERIODICITY) & (frame_db > p95 - 25.0)
    f0 = SR / period
    st = 12.0 * np.log2(np.maximum(f0, 1.0) / 100.0)
    if voiced.sum() >= 3:  # drop octave errors: far from the utterance's median
        med = np.median(st[voiced])
        voiced &= np.abs(st - med) < 9.0
    vals: dict[str, float] = {}
    v_idx = np.flatnonzero(voiced)
    if v_idx.size >= 3:
        sv = signal.medfilt(st[v_idx], 3)
        vals["f0_median_st"] = float(np.median(sv))
        vals["f0_range_st"] = float(np.percentile(sv, 90) - np.percentile(sv, 10))
        vals["f0_std_st"] = float(np.std(sv))
        vals["f0_slope_st_s"] = float(np.clip(_slope(v_idx * HOP / SR, sv), -60, 60))
        consecutive = np.diff(v_idx) == 1
        dst = np.abs(np.diff(sv))[consecutive]
        vals["f0_delta_st"] = float(np.mean(np.minimum(dst, 3.0))) if dst.size else 0.0
        per = period[v_idx]
        jit = (np.abs(np.diff(per)) / per[1:])[consecutive]
        vals["jitter"] = float(np.mean(np.minimum(jit, 0.2))) if jit.size else 0.0
        shim = np.abs(np.diff(frame_db[v_idx]))[consecutive]
        vals["shimmer_db"] = float(np.mean(np.minimum(shim, 10.0))) if shim.size else 0.0
        ap = np.clip(np.median(aper[v_idx]), 1e-3, 0.999)
        vals["hnr_db"] = float(10.0 * np.log10((1.0 - ap) / ap))
        pitch_hz = float(100.0 * 2.0 ** (vals["f0_median_st"] / 12.0))
    else:
        vals.update(_UNVOICED_DEFAULTS)
        pitch_hz = float("nan")

    a_db = frame_db[active]
    if a_db.size >= 2:
        a_idx = np.flatnonzero(active)
        level = float(np.median(a_db))
        vals["loud_range_db"] = float(np.percentile(a_db, 95) - np.percentile(a_db, 10))
        vals["loud_std_db"] = float(np.std(a_db))
        vals["loud_delta_db"] = float(np.mean(np.abs(np.diff(frame_db[a_idx[0] : a_idx[-1] + 1]))))
        vals["loud_slope_db_s"] = float(np.clip(_slope(a_idx * HOP / SR, a_db), -100, 100))
        vals["peak_to_median_db"] = float(np.max(a_db) - level)
        env = np.convolve(np.where(active, frame_db, threshold), np.ones(5) / 5, mode="same")
        peaks, _ = signal.find_peaks(env, prominence=3.0, distance=8)
        speech_s = a_db.size * HOP / SR
        rate = float(np.sum(voiced[peaks]) / speech_s) if peaks.size else 0.0
    else:
        level = float(max(np.max(frame_db), -120.0))
        for k in ("loud_range_db", "loud_std_db", "loud_delta_db", "loud_slope_db_s"):
            vals[k] = 0.0
        vals["peak_to_median_db"] = 0.0
        speech_s, rate = 0.0, 0.0
    vals["rate_syl_s"] = rate

    sel = voiced if voiced.sum() >= 3 else active
    if sel.sum() >= 1:
        p = power[sel]
        pdb = 10.0 * np.log10(p[:, _IN_BAND])
        vals["tilt_db_oct"] = float(np.median(pdb @ _TILT_X))
        tot = p.sum(axis=0)
        vals["hf_ratio_db"] = float(10 * np.log10(tot[_HIGH].sum() / tot[_LOW].sum()))
        ltas = 10.0 * np.log10(tot / sel.sum())
        vals["hammarberg_db"] = float(ltas[_H_LOW].max() - ltas[_H_HIGH].max())
        vals["centroid_khz"] = float(np.sum(_FREQS * tot * _IN_BAND) / np.sum(tot * _IN_BAND)) / 1e3
        bands = 10.0 * np.log10(_BAND_MASKS @ tot / _BAND_MASKS.sum(axis=1))
        bands -= bands.mean()
        cep = (10.0 * np.log10(power @ _MEL_FB.T)) @ _DCT.T
        mf_mean, mf_std = cep[sel].mean(axis=0), cep[sel].std(axis=0)
        a_idx = np.flatnonzero(active)
        span = cep[a_idx[0] : a_idx[-1] + 1] if a_idx.size >= 2 else cep
        mf_dstd = np.diff(span, axis=0).std(axis=0) if span.shape[0] >= 2 else np.zeros(N_MFCC)
    else:
        mf_mean = mf_std = mf_dstd = np.zeros(N_MFCC)
        vals.update(tilt_db_oct=-6.0, hf_ratio_db=-10.0, hammarberg_db=20.0, centroid_khz=1.0)
        bands = np.zeros(6)
    for i, b in enumerate(bands):
        vals[f"band{i + 1}_db"] = float(b)
    for i in range(N_MFCC):
        vals[f"mfcc{i + 1}_mean"] = float(mf_mean[i])
        vals[f"mfcc{i + 1}_std"] = float(mf_std[i])
        vals[f"mfcc{i + 1}_dstd"] = float(mf_dstd[i])
    vals["voiced_frac"] = float(voiced.sum() / max(active.sum(), 1))
    vals["pause_frac"], vals["pause_rate_s"] = _pauses(active)
    vals["level_db"] = level

    values = np.array([vals[k] for k in BASELINE_NAMES], dtype=np.float64)
    values = np.where(np.isfinite(values), values, 0.0).astype(np.float32)
    return ToneFeatures(
        values=values,
        pitch_hz=pitch_hz,
        loudness_db=level,
        rate=rate,
        speech_s=speech_s,
        voiced_s=float(voiced.sum() * HOP / SR),
        duration_s=duration,
    )
