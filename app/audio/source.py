"""A call recording as the pipeline sees it: which speaker is on which channel, and blocks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from app.audio.reader import SAMPLE_RATE, probe, read_blocks
from app.events import Speaker

DUAL_MONO_CHECK_S = 10.0


def speakers_for(channels: int, agent_channel: str) -> list[Speaker]:
    """Stereo: one speaker per channel, the agent on `agent_channel`. Mono: the customer."""
    if channels == 1:
        return ["customer"]
    return ["agent", "customer"] if agent_channel == "left" else ["customer", "agent"]


class CallAudio:
    """Blocks of a recording with the speakers of its channels.

    A stereo file whose two channels carry the same signal (a mono call saved as stereo) is
    treated as mono, so one voice is not analysed twice as agent and customer.
    """

    def __init__(self, path: Path, agent_channel: str = "left", block_s: float = 0.5) -> None:
        self.path = path
        self.info = probe(path)
        self.block_s = block_s
        self._blocks = read_blocks(path, block_s)
        self._head: list[np.ndarray] = []
        channels = self.info.channels
        if channels == 2 and self._is_dual_mono():
            channels = 1
        self.channels = channels
        self.speakers = speakers_for(channels, agent_channel)

    def _is_dual_mono(self) -> bool:
        seen = 0
        for block in self._blocks:
            self._head.append(block)
            seen += block.shape[1]
            if seen >= DUAL_MONO_CHECK_S * SAMPLE_RATE:
                break
        if not self._head:
            return False
        head = np.concatenate(self._head, axis=1)
        energy = float(np.mean(head**2))
        if energy == 0.0:
            return False
        diff = float(np.mean((head[0] - head[1]) ** 2))
        return diff <= 1e-2 * energy  # within -20 dB: one signal, not two voices

    def __iter__(self) -> Iterator[np.ndarray]:
        for block in [*self._head, *self._blocks]:
            yield block[:1] if self.channels == 1 else block
        self._head = []
