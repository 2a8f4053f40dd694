"""Signal processing behind the tone features: telephone band, framing, YIN pitch, filter banks.

Every input is first reduced to what a phone line carries: resampled to 8 kHz and band-passed to
300–3400 Hz, so headset and phone audio reach the model in the same form. Pitch comes from a
vectorised YIN (de Cheveigné & Kawahara, 2002; app/audio/pitch.py, shared with the loud-voice
detector) on the band-limited waveform: YIN finds the period of the waveform, which the 2nd, 3rd,
… harmonics still share when the line filtered the fundamental away. Only numpy is used at run
time: scipy.signal's import alone costs ~68 MB of resident memory, so its four routines used
here are re-implemented to the same results (band-pass via `app.audio.sos_filter`, `half_rate`,
`median3`, `peaks`; tests/test_sos_filter.py checks each against scipy.signal).
"""

from __future__ import annotations

from itertools import pairwise
from math import gcd

import numpy as np

from app.audio import pitch
from app.audio.pitch import YinSettings
from app.audio.sos_filter import sosfilt

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
N_MFCC = 12
N_MEL = 24

FREQS = np.fft.rfftfreq(SPEC_LEN, 1.0 / SR)
IN_BAND = (FREQS >= 300.0) & (FREQS <= 3400.0)
LOW = (FREQS >= 300.0) & (FREQS < 1000.0)
HIGH = (FREQS >= 1000.0) & (FREQS <= 3400.0)
H_LOW = (FREQS >= 300.0) & (FREQS < 2000.0)
H_HIGH = (FREQS >= 2000.0) & (FREQS <= 3400.0)
_LOG2F = np.log2(FREQS[IN_BAND])
TILT_X = (_LOG2F - _LOG2F.mean()) / np.sum((_LOG2F - _LOG2F.mean()) ** 2)  # slope regressor
_BAND_EDGES = np.geomspace(300.0, 3400.0, 7)
BAND_MASKS = np.stack([(lo <= FREQS) & (hi > FREQS) for lo, hi in pairwise(_BAND_EDGES)]).astype(
    np.float64
)
WINDOW = np.hanning(SPEC_LEN)
# scipy.signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos") (test checks)
SOS_BAND = np.array(
    [
        [
            0.38783095426643777,
            0.7756619085328755,
            0.38783095426643777,
            1.0,
            1.2274704860994592,
            0.39450250896553396,
        ],
        [1.0, -2.0, 1.0, 1.0, -1.583868533292729, 0.6336862439335336],
        [1.0, 2.0, 1.0, 1.0, 1.5250350254256015, 0.7146213626170144],
        [1.0, -2.0, 1.0, 1.0, -1.7905664366124538, 0.8422361647626042],
    ]
)
# the band-pass as an FIR: its impulse response has decayed under 1e-13 of its peak by 512
# samples (slowest pole radius 0.92), so an FFT convolution gives sosfilt's output to rounding
# at a tenth of the chunked filter's cost
_IMPULSE = np.zeros(BAND_IR_LEN := 512)
_IMPULSE[0] = 1.0
BAND_IR = sosfilt(SOS_BAND, _IMPULSE)[0]
# scipy.signal.resample_poly(x, 1, 2)'s anti-aliasing filter: firwin(41, 0.5, kaiser 5.0)
_HALF_M = np.arange(41) - 20.0
_HALF_FIR = 0.5 * np.sinc(0.5 * _HALF_M) * np.kaiser(41, 5.0)
HALF_FIR = _HALF_FIR / _HALF_FIR.sum()


def mel_filters(n_mel: int) -> np.ndarray:
    """(n_mel, len(FREQS)) triangular mel filters over 300–3400 Hz, each summing to 1."""
    mel = 2595.0 * np.log10(1.0 + np.array([300.0, 3400.0]) / 700.0)
    pts = 700.0 * (10 ** (np.linspace(mel[0], mel[1], n_mel + 2) / 2595.0) - 1.0)
    fb = np.zeros((n_mel, FREQS.size))
    for i in range(n_mel):
        lo, mid, hi = pts[i], pts[i + 1], pts[i + 2]
        up = (FREQS - lo) / (mid - lo)
        down = (hi - FREQS) / (hi - mid)
        fb[i] = np.maximum(0.0, np.minimum(up, down))
    return fb / np.maximum(fb.sum(axis=1, keepdims=True), 1e-9)


MEL_FB = mel_filters(N_MEL)
# DCT-II rows 1..N_MFCC: cepstra without c0 (the level)
DCT = np.cos(
    np.pi / N_MEL * (np.arange(N_MEL)[None, :] + 0.5) * np.arange(1, N_MFCC + 1)[:, None]
) * np.sqrt(2.0 / N_MEL)


def to_telephone_band(audio: np.ndarray, sr: int) -> np.ndarray:
    """Mono float64 at 8 kHz, DC removed, band-passed to 300–3400 Hz; non-finite samples zeroed."""
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    x = np.where(np.isfinite(x), x, 0.0)
    if x.size == 0:
        return x
    x = x - x.mean()
    if sr == 2 * SR:
        x = half_rate(x)
    elif sr != SR:
        from scipy import signal  # other rates are rare (the app works at 16 kHz)

        g = gcd(int(sr), SR)
        x = signal.resample_poly(x, SR // g, int(sr) // g)
    n = x.size + BAND_IR_LEN - 1
    size = 1 << (n - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(BAND_IR, size), size)[: x.size]


def half_rate(x: np.ndarray) -> np.ndarray:
    """`x` at half its sample rate: scipy.signal.resample_poly(x, 1, 2) of a 1-D float signal."""
    n_out = (x.size + 1) // 2
    return np.convolve(x, HALF_FIR)[20 : 20 + 2 * n_out : 2]


def median3(x: np.ndarray) -> np.ndarray:
    """3-point running median with zero padding: scipy.signal.medfilt(x, 3)."""
    if x.size == 0:
        return np.asarray(x, dtype=np.float64)
    padded = np.pad(np.asarray(x, dtype=np.float64), 1)
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 3), axis=1)


def peaks(x: np.ndarray, prominence: float, distance: int) -> np.ndarray:
    """Indices of local maxima at least `distance` apart (taller first) with at least
    `prominence`: scipy.signal.find_peaks(x, prominence=..., distance=...)[0]."""
    x = np.asarray(x, dtype=np.float64)
    found = []  # local maxima; a flat top counts once, at its middle (left of two)
    i, last = 1, x.size - 1
    while i < last:
        if x[i - 1] < x[i]:
            ahead = i + 1
            while ahead < last and x[ahead] == x[i]:
                ahead += 1
            if x[ahead] < x[i]:
                found.append((i + ahead - 1) // 2)
                i = ahead
        i += 1
    at = np.array(found, dtype=np.int64)
    if at.size > 1 and distance > 1:  # keep the tallest of peaks closer than `distance`
        keep = np.ones(at.size, dtype=bool)
        for j in np.argsort(x[at])[::-1]:  # the order scipy visits them in
            if not keep[j]:
                continue
            k = j - 1
            while k >= 0 and at[j] - at[k] < distance:
                keep[k] = False
                k -= 1
            k = j + 1
            while k < at.size and at[k] - at[j] < distance:
                keep[k] = False
                k += 1
        at = at[keep]
    prominences = np.empty(at.size)
    for n, p in enumerate(at):
        top = x[p]
        i, left = p, top
        while i >= 0 and x[i] <= top:
            left = min(left, x[i])
            i -= 1
        i, right = p, top
        while i <= last and x[i] <= top:
            right = min(right, x[i])
            i += 1
        prominences[n] = top - max(left, right)
    return at[prominences >= prominence]


def n_frames(x: np.ndarray) -> int:
    return max(1, 1 + (x.size - SPEC_LEN) // HOP) if x.size >= SPEC_LEN else 1


def frames(x: np.ndarray, length: int, n: int) -> np.ndarray:
    """(n, length) read-only view of `x` at HOP, zero-padded at the end."""
    need = (n - 1) * HOP + length
    if x.size < need:
        x = np.pad(x, (0, need - x.size))
    return np.lib.stride_tricks.as_strided(
        x, shape=(n, length), strides=(x.strides[0] * HOP, x.strides[0]), writeable=False
    )


# lags MIN_LAG..MAX_LAG - 1; the walk down from the first dip takes at most 24 lags
YIN = YinSettings(
    window=YIN_W,
    min_lag=MIN_LAG,
    max_lag=MAX_LAG - 1,
    nfft=YIN_NFFT,
    threshold=YIN_THRESHOLD,
    cmndf_floor=1e-12,
    max_walk=24,
    edge_aperiodic=False,
)


def yin(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: period in samples and aperiodicity (CMNDF at that period; 0 = periodic)."""
    found = pitch.yin(frames, YIN)
    return found.period, found.aperiodicity


def slope(t: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y over t (0 for fewer than 3 points)."""
    if t.size < 3:
        return 0.0
    tc = t - t.mean()
    den = float(np.sum(tc**2))
    return float(np.sum(tc * (y - y.mean())) / den) if den > 0 else 0.0


def pauses(active: np.ndarray) -> tuple[float, float]:
    """Fraction of pause frames between first and last active frame, and pauses >= 150 ms per s."""
    idx = np.flatnonzero(active)
    if idx.size < 2:
        return 0.0, 0.0
    span = active[idx[0] : idx[-1] + 1]
    gaps = np.diff(np.concatenate([[1], span.astype(np.int8), [1]]))
    starts, ends = np.flatnonzero(gaps == -1), np.flatnonzero(gaps == 1)
    n_long = int(np.sum((ends - starts) >= 15))
    return float(1.0 - span.mean()), n_long / (span.size * HOP / SR)
