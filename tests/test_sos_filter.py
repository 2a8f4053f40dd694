"""The pipeline's own filters give scipy.signal's results, and the pipeline never imports
scipy.signal (its import alone is ~68 MB of resident memory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from app.audio.highpass import HIGHPASS
from app.audio.reader import read_all
from app.audio.sos_filter import CHUNK, sosfilt, sosfilt_zi
from app.scoring.tone import dsp

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_coefficients_are_scipys_butterworth_designs() -> None:
    np.testing.assert_array_equal(
        HIGHPASS, signal.butter(2, 20.0, btype="highpass", fs=16000, output="sos")
    )
    band = signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=8000, output="sos")
    np.testing.assert_array_equal(dsp.SOS_BAND, band)


@pytest.mark.parametrize("n", [1, 5, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 20_000])
def test_sosfilt_equals_scipy_from_rest_and_from_a_state(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.standard_normal((2, n)).astype(np.float32) * 0.3 + 0.45  # DC as on a bad line
    for sos in (HIGHPASS, dsp.SOS_BAND):
        y, zf = sosfilt(sos, x)
        ref, ref_zf = signal.sosfilt(sos, x, axis=1, zi=np.zeros((sos.shape[0], 2, 2)))
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-9)
        np.testing.assert_allclose(zf, ref_zf, rtol=0, atol=1e-9)
        zi = signal.sosfilt_zi(sos)
        np.testing.assert_allclose(sosfilt_zi(sos), zi, rtol=1e-12, atol=1e-12)
        start = zi[:, None, :] * np.array([0.45, -0.2])[None, :, None]
        y, zf = sosfilt(sos, x, start)
        ref, ref_zf = signal.sosfilt(sos, x, axis=1, zi=start)
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-9)
        np.testing.assert_allclose(zf, ref_zf, rtol=0, atol=1e-9)


def test_an_empty_block_keeps_the_state() -> None:
    zi = sosfilt_zi(dsp.SOS_BAND)[:, None, :] * np.ones((1, 2, 1))
    y, zf = sosfilt(dsp.SOS_BAND, np.zeros((2, 0), np.float32), zi)
    assert y.shape == (2, 0)
    np.testing.assert_array_equal(zf, zi)


def test_block_by_block_equals_whole_on_real_audio(shared_data: Path) -> None:
    """The front end filters block by block, carrying the state: same as one pass."""
    x = read_all(shared_data / "ravdess/audio/Actor_03/03-01-05-02-01-01-03.flac")
    zi = sosfilt_zi(HIGHPASS)[:, None, :] * x[None, :, 0, None]
    whole, _ = signal.sosfilt(HIGHPASS, x, axis=1, zi=zi)
    parts, state = [], zi
    for i in range(0, x.shape[1], 7_777):
        y, state = sosfilt(HIGHPASS, x[:, i : i + 7_777], state)
        parts.append(y)
    np.testing.assert_allclose(np.concatenate(parts, axis=1), whole, rtol=0, atol=1e-9)


def test_tone_helpers_equal_scipy_on_real_audio(shared_data: Path) -> None:
    x = read_all(shared_data / "ravdess/audio/Actor_07/03-01-05-02-02-01-07.flac")[0]
    x = x.astype(np.float64)
    for n in (x.size, x.size - 1, 1, 2, 41):
        np.testing.assert_allclose(
            dsp.half_rate(x[:n]), signal.resample_poly(x[:n], 1, 2), rtol=0, atol=1e-12
        )
    band = dsp.to_telephone_band(x, 16000)
    ref = signal.sosfilt(dsp.SOS_BAND, signal.resample_poly(x - x.mean(), 1, 2))
    np.testing.assert_allclose(band, ref, rtol=0, atol=1e-9)
    rng = np.random.default_rng(3)
    for v in (rng.standard_normal(50), np.round(rng.standard_normal(200), 1)):
        np.testing.assert_array_equal(dsp.median3(v), signal.medfilt(v, 3))
    assert dsp.median3(np.zeros(0)).size == 0
    # a level envelope like the features' (10 ms frames, with flat tops and ties)
    frame_db = 20 * np.log10(np.abs(band[: band.size // 80 * 80]).reshape(-1, 80).max(1) + 1e-6)
    for env in (
        np.convolve(frame_db, np.ones(5) / 5, mode="same"),
        np.round(frame_db),
        np.repeat(np.round(rng.standard_normal(60) * 4), 3),
    ):
        expected = signal.find_peaks(env, prominence=3.0, distance=8)[0]
        np.testing.assert_array_equal(dsp.peaks(env, 3.0, 8), expected)


def test_the_pipeline_never_imports_scipy_signal() -> None:
    code = (
        "import sys\n"
        "from app.config import Settings\n"
        "from app.pipeline import analyze_call, load_models\n"
        "models = load_models(Settings())\n"
        "analyze_call(__import__('pathlib').Path('app/assets/demo_call.ogg'), Settings(), models)\n"
        "print(sorted(m for m in sys.modules if m.startswith('scipy.signal')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
