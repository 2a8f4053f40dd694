"""Telling a live agent, during the call, that one side of it is not being captured at all.

After the call, a side on which no speech was found is reported (`silent_sides`); live, the
agent should not have to wait for the end to learn that the overlay has heard nothing of the
customer (a loopback on the wrong output device) or of them (a muted microphone): no card can
come. A side is called dead while it has been digital silence from the start of the call (no
block with any sound at all, `SOUND_ABOVE`) and the other side has carried SPOKEN_S seconds of
clear sound (`TALK_ABOVE`). Once a side has made any sound it is never called dead again: a
customer listening quietly through a long explanation is not a capture problem, and a device
that goes away mid-call is the capture's own warning ("audio device lost"). Each side is told
of at most once.
"""

from __future__ import annotations

import numpy as np

SOUND_ABOVE = 1e-10  # block power (-100 dBFS): anything over it is sound, not digital silence
TALK_ABOVE = 1e-6  # block power (-60 dBFS): the other side is clearly sounding
SPOKEN_S = 20.0

MESSAGES = {
    "customer": "nothing at all heard from the customer's side yet, while you have talked "
    "for {s:.0f} s: is the call's audio being captured? No card can come without it",
    "agent": "nothing at all heard from your microphone yet, while the customer has talked "
    "for {s:.0f} s: is it muted, or the wrong device?",
}


class DeadSideWatch:
    """Feed it every captured block (channels in `speakers` order); it says, once per side, when
    that side has been digital silence since the start while the other side talked."""

    def __init__(self, speakers: list[str], sample_rate: int = 16_000) -> None:
        self.speakers = list(speakers)
        self.rate = sample_rate
        self.heard = [False] * len(self.speakers)
        self.talk_s = [0.0] * len(self.speakers)
        self.told = [False] * len(self.speakers)

    def push(self, block: np.ndarray) -> list[str]:
        """The messages this block makes due (usually none)."""
        if len(self.speakers) != 2 or block.ndim != 2 or block.shape[1] == 0:
            return []
        x = np.nan_to_num(block.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        power = np.mean(np.square(x - x.mean(axis=1, keepdims=True)), axis=1)
        seconds = block.shape[1] / self.rate
        out = []
        for k in range(2):
            if power[k] >= SOUND_ABOVE:
                self.heard[k] = True
            if power[k] >= TALK_ABOVE:
                self.talk_s[k] += seconds
        for k, other in ((0, 1), (1, 0)):
            if self.heard[k] or self.told[k] or self.talk_s[other] < SPOKEN_S:
                continue
            self.told[k] = True
            out.append(MESSAGES.get(self.speakers[k], MESSAGES["customer"]).format(s=SPOKEN_S))
        return out
