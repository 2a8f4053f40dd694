"""IIR filtering in second-order sections (scipy.signal's `sosfilt` / `sosfilt_zi`, same results
to rounding) without importing scipy.signal.

Why not scipy.signal itself: importing it loads scipy.stats, scipy.optimize, scipy.interpolate
and scipy.sparse, about 68 MB of resident memory for a process that needs two small filters (the
front end's DC high-pass and the tone model's telephone band-pass). Memory is part of the product
(a 60-minute call under 400 MB, benchmarks/analyze_memory.py). tests/test_sos_filter.py checks
this module against scipy.signal on random and real audio.

How: each section is a linear state-space system (transposed direct form II, the state scipy
uses). A signal is cut into chunks of `CHUNK` samples; within a chunk the output is the chunk
convolved with the section's first CHUNK impulse-response samples (exact: a causal response
inside the chunk needs no more) plus the response to the carried 2-value state. Nothing is
truncated.
"""

from __future__ import annotations

import functools

import numpy as np

CHUNK = 256


@functools.lru_cache(maxsize=32)
def _section_matrices(
    coeffs: tuple[float, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(Hf, G, P, E) of one section over CHUNK samples: y = h * x + G s, s' = P[CHUNK] s + E x,
    with h * x the causal convolution with the first CHUNK samples of the impulse response (Hf:
    its spectrum, 2 CHUNK points; an FFT product, not a BLAS matrix product, whose threads
    spin against the pipeline's own on a busy machine: 12x slower measured).

    P holds A^0 .. A^CHUNK, so a shorter stretch of r samples uses G[:r], P[r] and
    E[:, CHUNK - r:] (no new matrices for the varying length of a block's tail)."""
    b0, b1, b2, _, a1, a2 = (c / coeffs[3] for c in coeffs)
    a = np.array([[-a1, 1.0], [-a2, 0.0]])
    b = np.array([b1 - a1 * b0, b2 - a2 * b0])
    powers = np.empty((CHUNK + 1, 2, 2))  # A^0 .. A^CHUNK
    powers[0] = np.eye(2)
    for n in range(CHUNK):
        powers[n + 1] = a @ powers[n]
    impulse = np.empty(CHUNK)  # h[0] = b0, h[m] = C A^(m-1) B with C = [1, 0]
    impulse[0] = b0
    impulse[1:] = powers[:-2, 0, :] @ b
    idx = np.arange(CHUNK)
    g = powers[:CHUNK, 0, :]  # row n: C A^n
    e = (powers[CHUNK - 1 - idx] @ b).T  # column k: A^(CHUNK-1-k) B
    return np.fft.rfft(impulse, 2 * CHUNK), g, powers, e


def _convolve(x: np.ndarray, spectrum: np.ndarray, n: int) -> np.ndarray:
    """Causal convolution of each row of x (<= CHUNK samples) with the impulse response, first n."""
    return np.fft.irfft(np.fft.rfft(x, 2 * CHUNK, axis=1) * spectrum, 2 * CHUNK, axis=1)[:, :n]


def _section(
    coeffs: tuple[float, ...], x: np.ndarray, state: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Filter x (rows, n) through one section from `state` (rows, 2): (y, final state)."""
    rows, n = x.shape
    y = np.empty_like(x)
    hf, g, powers, e = _section_matrices(coeffs)
    f = powers[CHUNK]
    full = n // CHUNK * CHUNK
    if full:
        flat = x[:, :full].reshape(-1, CHUNK)  # 2-D products: one BLAS call each
        driven = (flat @ e.T).reshape(rows, -1, 2)  # each chunk's input carried to its end
        starts = np.empty_like(driven)
        for j in range(driven.shape[1]):
            starts[:, j] = state
            state = state @ f.T + driven[:, j]
        y[:, :full] = (_convolve(flat, hf, CHUNK) + starts.reshape(-1, 2) @ g.T).reshape(rows, full)
    r = n - full
    if r:
        tail = x[:, full:]
        y[:, full:] = _convolve(tail, hf, r) + state @ g[:r].T
        state = state @ powers[r].T + tail @ e[:, CHUNK - r :].T
    return y, state


def sosfilt(
    sos: np.ndarray, x: np.ndarray, zi: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Filter along the last axis of `x`; `zi` (sections, *x.shape[:-1], 2) is the initial state
    (zeros when None). Returns (y float64, final state), as scipy.signal.sosfilt with `zi`."""
    sos = np.asarray(sos, dtype=np.float64)
    data = np.asarray(x, dtype=np.float64)
    lead = data.shape[:-1]
    y = data.reshape(int(np.prod(lead)), data.shape[-1])
    if zi is None:
        zi = np.zeros((sos.shape[0], *lead, 2))
    states = np.asarray(zi, dtype=np.float64).reshape(sos.shape[0], -1, 2)
    final = np.empty_like(states)
    for k, section in enumerate(sos):
        y, final[k] = _section(tuple(float(c) for c in section), y, states[k].copy())
    return y.reshape(data.shape), final.reshape(sos.shape[0], *lead, 2)


def sosfilt_zi(sos: np.ndarray) -> np.ndarray:
    """(sections, 2) initial state for the steady state of a unit step (scipy's sosfilt_zi)."""
    sos = np.asarray(sos, dtype=np.float64)
    zi = np.empty((sos.shape[0], 2))
    scale = 1.0
    for k, (b0, b1, b2, a0, a1, a2) in enumerate(sos):
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        a = np.array([[-a1, 1.0], [-a2, 0.0]])
        b = np.array([b1 - a1 * b0, b2 - a2 * b0])
        zi[k] = scale * np.linalg.solve(np.eye(2) - a, b)
        scale *= (b0 + b1 + b2) / (1.0 + a1 + a2)
    return zi
