"""YIN pitch (de Cheveigné & Kawahara, 2002), vectorised over frames: the period of each frame
and how periodic it is.

Per frame: the difference function d(τ) between the first `window` samples and the window τ
samples later (from one FFT correlation and running energies), its cumulative mean normalised
form (CMNDF: d(τ)·τ / Σ_{1..τ} d), and YIN's choice of period: the first lag whose CMNDF dips
under the threshold (not the deepest dip: a pure tone dips at every multiple of its period),
walked down to its local minimum, or the deepest lag when nothing dips; a parabola through the
minimum refines it. The CMNDF there is the aperiodicity (0 = perfectly periodic, about 1 =
noise).

Two callers share it, with their own settings (`YinSettings`):
- the tone features (app/scoring/tone/dsp.py: 8 kHz telephone band, 60-450 Hz), whose values
  the shipped tone model was trained on;
- the loud-voice detector (app/audio/loud_voice.py: 16 kHz, 70-1600 Hz), whose thresholds were
  set on its values.
Where their choices differ (threshold, how far the walk may go, the CMNDF's floor, a minimum at
the edge of the range), both are kept as settings, so that neither caller's output changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np


@dataclass(frozen=True)
class YinSettings:
    window: int  # integration window, samples
    min_lag: int  # shortest period searched, samples
    max_lag: int  # longest period searched, samples (inclusive)
    nfft: int  # FFT size of the correlation: at least the frame's length and window + max_lag
    threshold: float  # the first CMNDF dip under this picks the period
    cmndf_floor: float  # the CMNDF's denominator is at least this (silence gives 0, not nan)
    max_walk: int | None = None  # lags the walk down from the first dip may take (None: all)
    edge_aperiodic: bool = False  # a minimum at either end of the range is out of range: 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_lag < self.max_lag:
            raise ValueError(f"lags {self.min_lag}..{self.max_lag}: need 1 <= min_lag < max_lag")
        if self.nfft < self.window + self.max_lag:
            raise ValueError(f"nfft {self.nfft} < window + max_lag {self.window + self.max_lag}")


class Pitch(NamedTuple):
    period: np.ndarray  # per frame, samples (refined, so fractional)
    aperiodicity: np.ndarray  # per frame, the CMNDF at the period (0 = periodic, ~1 = noise)


def yin(frames: np.ndarray, settings: YinSettings) -> Pitch:
    """Period and aperiodicity of each row of `frames` (n, length), length >= window + max_lag.

    The whole row enters the FFT, so the result depends on the frame's length, not only on the
    samples the lags reach."""
    s = settings
    x = np.asarray(frames, dtype=np.float64)
    n, length = x.shape
    if not s.window + s.max_lag <= length <= s.nfft:
        raise ValueError(f"frame length {length} outside {s.window + s.max_lag}..{s.nfft}")
    w = s.window
    spec = np.fft.rfft(x, s.nfft, axis=1) * np.conj(np.fft.rfft(x[:, :w], s.nfft, axis=1))
    r = np.fft.irfft(spec, s.nfft, axis=1)[:, : s.max_lag + 1]  # correlation at lags 0..max_lag
    cs = np.concatenate([np.zeros((n, 1)), np.cumsum(x * x, axis=1)], axis=1)
    lags = np.arange(s.max_lag + 1)
    energy = cs[:, lags + w] - cs[:, lags]  # of the window starting at each lag
    d = np.maximum(cs[:, [w]] + energy - 2.0 * r, 0.0)
    cum = np.cumsum(d[:, 1:], axis=1)
    cmndf = d[:, 1:] * lags[1:] / np.maximum(cum, s.cmndf_floor)  # column j: lag j + 1
    search = cmndf[:, s.min_lag - 1 :]  # column j: lag min_lag + j
    last = search.shape[1] - 1
    rows = np.arange(n)
    below = search < s.threshold
    idx = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    for _ in range(last if s.max_walk is None else s.max_walk):  # down to the local minimum
        nxt = np.minimum(idx + 1, last)
        step = search[rows, nxt] < search[rows, idx]
        if not step.any():
            break
        idx = np.where(step, nxt, idx)
    y0 = search[rows, np.maximum(idx - 1, 0)]
    y1 = search[rows, idx]
    y2 = search[rows, np.minimum(idx + 1, last)]
    if s.edge_aperiodic:
        y1[(idx == 0) | (idx == last)] = 1.0
    den = y0 - 2.0 * y1 + y2
    shift = np.clip(0.5 * (y0 - y2) / np.where(np.abs(den) > 1e-12, den, np.inf), -1.0, 1.0)
    return Pitch(idx + s.min_lag + shift, y1)
