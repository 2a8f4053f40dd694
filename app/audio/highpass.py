"""Removing DC and sub-audio rumble before the pipeline: one 20 Hz high-pass for every source.

A recording (`CallAudio`) and a live device (`LiveSession`) must hand the front end the same
samples for the same sound: the VAD's decisions are not continuous in its input, so an unfiltered
live stream closed an utterance one VAD frame later than `analyze` of the very same samples.
The filter carries its state across blocks, so its output does not depend on how the audio was
split into blocks.
"""

from __future__ import annotations

import numpy as np

from app.audio.sos_filter import sosfilt, sosfilt_zi

# scipy.signal.butter(2, 20.0, btype="highpass", fs=16000, output="sos") (tests/test_sos_filter.py);
# the pipeline does not import scipy.signal (+68 MB resident)
HIGHPASS = np.array(
    [
        [
            0.9944617889581948,
            -1.9889235779163896,
            0.9944617889581948,
            1.0,
            -1.9888929058996532,
            0.9889542499331266,
        ]
    ]
)


class StreamHighPass:
    """(channels, n) float32 blocks in, the same blocks high-passed out, state carried."""

    def __init__(self) -> None:
        self._zi: np.ndarray | None = None

    def push(self, block: np.ndarray) -> np.ndarray:
        if block.shape[-1] == 0:
            return block.astype(np.float32, copy=False)
        if self._zi is None:  # start settled on the first sample: a constant offset leaves no step
            self._zi = sosfilt_zi(HIGHPASS)[:, None, :] * block[None, :, 0, None]
        out, self._zi = sosfilt(HIGHPASS, block, self._zi)
        return out.astype(np.float32)
