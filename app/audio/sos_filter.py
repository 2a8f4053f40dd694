"""IIR filtering in second-order sections (scipy.signal's `sosfilt` / `sosfilt_zi`, same results
to rounding) without importing scipy.signal.

Why not scipy.signal itself: importing it loads scipy.stats, scipy.optimize, scipy.interpolate
and scipy.sparse, about 68 MB of resident memory for a process that needs two small filters (the
front end's DC high-pass and the tone model's telephone band-pass). Memory is part of the product
(a 60-minute call under 400 MB, benchmarks/analyze_memory.py). tests/test_sos_filter.py checks
this module against scipy.signal on random and real audio.

How: each section is a linear state-space system (transposed direct form II, the state scipy
uses). A signal is cut into chunks of `CHUNK` samples; within a chunk the output is an exact
matrix product (the section's impulse response as a Toeplitz matrix plus the state's response),
and only the 2-value state is carried from chunk to chunk. Nothing is truncated.
"""

from __future__ import annotations

import functools

import numpy as np

CHUNK = 256  # longer: fewer Python steps, more multiply-adds (256 per sample)


@functools.lru_cache(maxsize=32)
def _section_matrices(
    coeffs: tuple[float, ...], length: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(H, G, F, E) of one section over `length` samples: y = H x + G s, s' = F s + E x."""
    b0, b1, b2, _, a1, a2 = (c / coeffs[3] for c in coeffs)
    a = np.array([[-a1, 1.0], [-a2, 0.0]])
    b = np.array([b1 - a1 * b0, b2 - a2 * b0])
    powers = np.empty((length + 1, 2, 2))  # A^0 .. A^length
    powers[0] = np.eye(2)
    for n in range(length):
        powers[n + 1] = a @ powers[n]
    impulse = np.empty(length)  # h[0] = b0, h[m] = C A^(m-1) B with C = [1, 0]
    impulse[0] = b0
    impulse[1:] = powers[:-2, 0, :] @ b
    idx = np.arange(length)
    lag = idx[:, None] - idx[None, :]
    h = np.where(lag >= 0, impulse[np.clip(lag, 0, None)], 0.0)
    g = powers[:length, 0, :]  # row n: C A^n
    f = powers[length]
    e = (powers[length - 1 - idx] @ b).T  # column k: A^(L-1-k) B
    return h, g, f, e


def _section(
    coeffs: tuple[float, ...], x: np.ndarray, state: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Filter x (rows, n) through one section from `state` (rows, 2): (y, final state)."""
    rows, n = x.shape
    y = np.empty_like(x)
    full = n // CHUNK * CHUNK
    if full:
        h, g, f, e = _section_matrices(coeffs, CHUNK)
        flat = x[:, :full].reshape(-1, CHUNK)  # 2-D products: one BLAS call each
        driven = (flat @ e.T).reshape(rows, -1, 2)  # each chunk's input carried to its end
        starts = np.empty_like(driven)
        for j in range(driven.shape[1]):
            starts[:, j] = state
            state = state @ f.T + driven[:, j]
        y[:, :full] = (flat @ h.T + starts.reshape(-1, 2) @ g.T).reshape(rows, full)
    if n > full:
        h, g, f, e = _section_matrices(coeffs, n - full)
        tail = x[:, full:]
        y[:, full:] = tail @ h.T + state @ g.T
        state = state @ f.T + tail @ e.T
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
