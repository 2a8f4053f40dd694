"""Waveform peaks: the min and max of each channel per 10 ms, computed once per recording.

A one-hour call is 57.6 million samples per channel; drawing those per frame is impossible, but
its peaks at 100 buckets a second are 360,000 pairs, and reducing them to the pixels of a view is
a few numpy reductions. The recording is read once, in blocks, through the app's reader (any
format, any rate, repaired where damaged), so memory stays flat; the result is cached by the
audio's content hash, so a call opened again draws at once.

The cache holds only this 100 Hz envelope, from which no speech can be recovered: no audio is
stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.audio.reader import SAMPLE_RATE, probe, read_blocks
from app.audio.source import CallAudio
from app.provenance import content_hash

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

BUCKETS_PER_S = 100
_BUCKET = SAMPLE_RATE // BUCKETS_PER_S  # samples per bucket at the reader's 16 kHz
_BLOCK_S = 4.0  # a whole number of buckets
CACHE_VERSION = 2  # 2: a file of more than two channels shows the two the call is read from


class PeaksCancelled(Exception):
    """The caller asked to stop (the window was closed or another call was opened)."""


@dataclass(frozen=True)
class Peaks:
    """`lo`, `hi`: float32 arrays shaped (channels, buckets), channel 0 = left."""

    lo: np.ndarray
    hi: np.ndarray
    rate: float = BUCKETS_PER_S  # buckets per second

    @property
    def channels(self) -> int:
        return int(self.lo.shape[0])

    @property
    def duration_s(self) -> float:
        return self.lo.shape[1] / self.rate

    def span(self, t0: float, t1: float, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Min and max per pixel of `width` pixels covering call time [t0, t1): arrays shaped
        (channels, width). Pixels before 0 or past the end of the audio are 0."""
        width = max(int(width), 1)
        n = self.lo.shape[1]
        lo = np.zeros((self.channels, width), dtype=np.float32)
        hi = np.zeros((self.channels, width), dtype=np.float32)
        if n == 0 or t1 <= t0:
            return lo, hi
        # pixel i covers buckets [floor(e_i), floor(e_i+1)), at least one: the pixels tile
        # the buckets without overlap
        edges = np.floor(np.linspace(t0 * self.rate, t1 * self.rate, width + 1)).astype(np.int64)
        first = edges[:-1]
        last = np.maximum(edges[1:], first + 1)  # exclusive
        inside = (first < n) & (last > 0)  # pixels before 0 or past the end stay 0
        if not inside.any():
            return lo, hi
        first = np.clip(first, 0, n - 1)
        last = np.clip(last, 1, n)
        if np.all(last[inside] - first[inside] == 1):  # zoomed in: one bucket per pixel or less
            lo[:, inside] = self.lo[:, first[inside]]
            hi[:, inside] = self.hi[:, first[inside]]
            return lo, hi
        # zoomed out: each pixel reduces its run of buckets; reduceat over the pixels' starts
        # (strictly increasing here) reduces [start_i, start_{i+1}), so runs must tile
        cols = np.flatnonzero(inside)
        starts = first[cols]
        keep = np.concatenate(([True], np.diff(starts) > 0))
        cols, starts = cols[keep], starts[keep]
        stop = int(last[cols[-1]])
        lo_runs = np.minimum.reduceat(self.lo[:, :stop], starts, axis=1)
        hi_runs = np.maximum.reduceat(self.hi[:, :stop], starts, axis=1)
        # pixels that shared a start with an earlier one show the same run
        index = np.searchsorted(starts, first[inside], side="right") - 1
        lo[:, inside] = lo_runs[:, index]
        hi[:, inside] = hi_runs[:, index]
        return lo, hi

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, lo=self.lo, hi=self.hi, rate=np.float64(self.rate), v=CACHE_VERSION)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Peaks:
        with np.load(path) as data:
            if int(data["v"]) != CACHE_VERSION:
                raise ValueError("old peaks cache version")
            return cls(data["lo"], data["hi"], float(data["rate"]))


Progress = Callable[[float], None]  # fraction done in [0, 1]


def compute_peaks(
    path: Path,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Peaks:
    """Read the recording once, in blocks, and keep each channel's min/max per bucket.

    Raises AudioReadError for an unreadable file and PeaksCancelled when `cancelled()` turns
    True between blocks."""
    info = probe(path)
    duration = info.duration_s
    # a file of more than two channels: the two the analysis reads (app.audio.source.pick_pair)
    pair = CallAudio(path).pair if info.source_channels > 2 else (0, 1)
    los: list[np.ndarray] = []
    his: list[np.ndarray] = []
    done_s = 0.0
    for block in read_blocks(path, block_s=_BLOCK_S, pair=pair):
        if cancelled is not None and cancelled():
            raise PeaksCancelled(path.name)
        channels, samples = block.shape
        whole = samples // _BUCKET * _BUCKET
        if whole < samples:  # the last block: pad the partial bucket with its own edge value
            pad = np.repeat(block[:, -1:], whole + _BUCKET - samples, axis=1)
            block = np.concatenate([block, pad], axis=1)
        buckets = block.reshape(channels, -1, _BUCKET)
        los.append(buckets.min(axis=2))
        his.append(buckets.max(axis=2))
        done_s += samples / SAMPLE_RATE
        if progress is not None and duration > 0:
            progress(min(done_s / duration, 1.0))
    lo = np.concatenate(los, axis=1).astype(np.float32)
    hi = np.concatenate(his, axis=1).astype(np.float32)
    return Peaks(lo, hi, BUCKETS_PER_S)


def peaks_cache_path(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / f"{sha256}-{BUCKETS_PER_S}.npz"


def load_or_compute_peaks(
    path: Path,
    cache_dir: Path | None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    sha256: str | None = None,
) -> Peaks:
    """The cached peaks of this audio (same bytes: same content hash), else computed and
    cached. A damaged cache file is recomputed, never trusted."""
    if cache_dir is None:
        return compute_peaks(path, progress, cancelled)
    cached = peaks_cache_path(cache_dir, sha256 or content_hash(path))
    if cached.exists():
        try:
            peaks = Peaks.load(cached)
            if progress is not None:
                progress(1.0)
            return peaks
        except (OSError, ValueError, KeyError, EOFError) as exc:
            log.warning("peaks cache %s unreadable (%s): recomputing", cached.name, exc)
    peaks = compute_peaks(path, progress, cancelled)
    try:
        peaks.save(cached)
    except OSError as exc:  # a read-only data folder: the window still works, just slower next time
        log.warning("cannot cache waveform peaks in %s: %s", cache_dir, exc)
    return peaks
