"""Line conditions for the word-error-rate benchmark: the same recordings as a phone line or a
quiet input would deliver them, read back through the app's own reader (16 kHz float)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from app.audio.reader import SAMPLE_RATE, read_all

CONDITIONS = ("full", "ulaw8k", "quiet45")
QUIET_DBFS = -45.0


def apply_condition(audio: np.ndarray, condition: str) -> np.ndarray:
    """`audio` (mono float32 at 16 kHz) under one condition:
    ``full`` as recorded; ``ulaw8k`` band-passed 300-3400 Hz, resampled to 8 kHz with peaks
    near full scale and G.711 µ-law coded (libsndfile's coder); ``quiet45`` scaled to
    −45 dBFS RMS and stored as float (no quantisation)."""
    x = audio.astype(np.float64)
    if condition == "full":
        return audio
    if condition == "ulaw8k":
        sos = signal.butter(6, [300.0, 3400.0], btype="bandpass", fs=SAMPLE_RATE, output="sos")
        narrow = signal.resample_poly(signal.sosfiltfilt(sos, x), 1, 2)
        narrow *= 0.98 / max(float(np.max(np.abs(narrow))), 1e-9)
        return _through_file(narrow, SAMPLE_RATE // 2, "ULAW")
    if condition == "quiet45":
        rms = float(np.sqrt(np.mean(np.square(x)))) or 1.0
        return _through_file(x * (10 ** (QUIET_DBFS / 20) / rms), SAMPLE_RATE, "FLOAT")
    raise ValueError(f"unknown condition {condition!r} (one of {', '.join(CONDITIONS)})")


def _through_file(x: np.ndarray, rate: int, subtype: str) -> np.ndarray:
    """Write `x` as a WAV file and read it back as the app reads a call (mono, 16 kHz)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "line.wav"
        sf.write(path, x.astype(np.float32), rate, subtype=subtype)
        return read_all(path)[0]
