"""Streaming resampling for live capture: one filter state carried across blocks.

A device that won't open at 16 kHz delivers 100 ms blocks at its own rate. Resampling each
block on its own restarts the filter at every block edge (a click every 100 ms, audible to the VAD
and the tone model); `StreamResampler` keeps python-soxr's state between blocks, so the stream
comes out as if the whole signal had been resampled at once.
"""

from __future__ import annotations

import numpy as np
import soxr


class StreamResampler:
    """(frames, channels) blocks at `in_rate` -> (channels, frames) float32 at `out_rate`."""

    def __init__(self, in_rate: float, out_rate: int, channels: int) -> None:
        self.in_rate, self.out_rate, self.channels = in_rate, out_rate, channels
        self._stream = soxr.ResampleStream(in_rate, out_rate, channels, dtype="float32")

    def push(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        """Resample the next block; `last` flushes what the filter still holds."""
        data = np.ascontiguousarray(block, dtype=np.float32).reshape(-1, self.channels)
        out = self._stream.resample_chunk(data, last=last)
        return np.ascontiguousarray(out.reshape(-1, self.channels).T, dtype=np.float32)
