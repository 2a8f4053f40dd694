"""Placing live capture streams on one call timeline, by when their audio was captured.

A stream's samples are contiguous while it runs, so inside a stream they are placed by counting.
Where that count breaks (a stream opened or reopened after a device was lost, or the audio system
reporting that it lost input), the new run of samples (a *segment*) is placed by its capture
time, and the gap before it is filled with silence. Two devices opened together are placed
together, so the agent's and the customer's rows stay aligned after a device comes back even
when one stream's first blocks reach us late.

The capture time of a segment is estimated from when its blocks arrive: a block cannot arrive
before its last sample was captured, so `arrival - seconds captured so far` bounds the segment's
start from above, and the lowest bound seen is the estimate, taken once the segment has given
SETTLE_S of audio and a block that had to wait for its audio (the end of any burst of late
blocks: a loaded machine or sound server delivers a backlog at once). PortAudio's own
`inputBufferAdcTime` was measured as worse on PulseAudio's ALSA plugin (a stream's first block
off by up to 92 ms against where its audio really was; this bound: 0 to 51 ms), and not every
host API gives it. Estimates this close cannot tell streams opened
together apart: segments whose estimates differ by less than SNAP_S are taken as simultaneous
(and a gap shorter than SNAP_S as none), which is exact for sources sharing one clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from app.audio.reader import SAMPLE_RATE

SETTLE_S = 1.0  # audio a new segment must deliver before it is placed
SETTLE_MAX_S = 10.0  # ... placed after this much even if its blocks never came at capture pace
SNAP_S = 0.1  # start estimates closer than this are one instant (the estimate's resolution)


@dataclass(frozen=True)
class Gap:
    """Where segments were placed: the silence put in before them (0 when none was due), where,
    and for which streams."""

    at_s: float  # call time where the silence starts
    length_s: float
    streams: tuple[int, ...]


@dataclass
class _Segment:
    est: float = math.inf  # capture time (monotonic clock) of the segment's first sample
    captured_s: float = 0.0  # seconds of device audio in the segment so far
    held: list[np.ndarray] = field(default_factory=list)  # audio kept until it is placed
    held_samples: int = 0
    placed: bool = False
    last_arrival: float | None = None
    caught_up: bool = False  # the last block waited for its audio (not part of a burst)

    @property
    def end(self) -> float:
        return self.est + self.captured_s


class CaptureTimeline:
    """Rows of audio (one per stream: its channels) placed on the call's timeline, emitted as
    (channels, block) float32 blocks once every row has them."""

    def __init__(self, channels: list[int], block: int) -> None:
        self.channels, self.block = channels, block
        self.rows = [np.zeros((c, 0), np.float32) for c in channels]
        self.emitted = 0  # samples already handed on (the timeline position of rows[i][:, 0])
        self.segments: list[_Segment | None] = [None] * len(channels)
        self.last_end: list[float | None] = [None] * len(channels)  # capture time of row ends
        self.group: set[int] = set()  # streams whose new segments are placed together
        self.gaps: list[Gap] = []

    def begin(self, streams: list[int]) -> None:
        """New segments for `streams` (opened together, or one whose count broke)."""
        if any((seg := self.segments[s]) and seg.held_samples for s in streams):
            self._place_group()  # what a segment still holds is placed as it stands
        for s in streams:
            seg = self.segments[s]
            if seg is not None and seg.captured_s > 0:
                self.last_end[s] = seg.end
            self.segments[s] = _Segment()
        self.group |= set(streams)

    def add(self, stream: int, audio: np.ndarray, arrival: float | None, captured_s: float) -> None:
        """`audio`: (channels, n) at 16 kHz, next in its stream. `arrival`: when its block
        arrived (monotonic clock; None for silence put in for a lost block). `captured_s`: the
        seconds of device audio in the segment up to the end of this block."""
        seg = self.segments[stream]
        if seg is None:
            self.begin([stream])
            seg = self.segments[stream]
            assert seg is not None
        if arrival is not None:
            seg.est = min(seg.est, arrival - captured_s)
            if seg.last_arrival is not None:
                # a block that had to wait for its audio: the stream has caught up with capture
                pace = (captured_s - seg.captured_s) / 2
                seg.caught_up = arrival - seg.last_arrival >= pace
            seg.last_arrival = arrival
        seg.captured_s = captured_s
        if seg.placed:
            self.rows[stream] = np.concatenate([self.rows[stream], audio], axis=1)
            return
        seg.held.append(audio)
        seg.held_samples += audio.shape[1]
        if all(self._settled(s) for s in self.group):
            self._place_group()

    def _settled(self, stream: int) -> bool:
        """Enough audio for the estimate, and no backlog: blocks arriving in a burst are late
        ones (their bound still falling); one that waited for its audio ends the burst.
        (A device faster than real time, as test fakes are, settles after SETTLE_MAX_S.)"""
        seg = self.segments[stream]
        if seg is None:
            return False
        return seg.captured_s >= SETTLE_MAX_S or (seg.captured_s >= SETTLE_S and seg.caught_up)

    def _end_pos(self, stream: int) -> int:
        return self.emitted + self.rows[stream].shape[1]

    def _place_group(self) -> None:
        """Place the held segments of the group: together where their starts are within SNAP_S,
        after silence where time passed since the rows' last audio."""
        members = sorted(s for s in self.group if (seg := self.segments[s]) and seg.held_samples)
        self.group = set()
        if not members:
            return
        segs = [self.segments[s] for s in members]
        first = min(seg.est for seg in segs if seg)  # type: ignore[union-attr]
        ends = [e for s in members if (e := self.last_end[s]) is not None]
        base = max(self._end_pos(s) for s in members)
        gap_s = first - max(ends) if ends else 0.0
        gap = round(gap_s * SAMPLE_RATE) if gap_s >= SNAP_S else 0
        self.gaps.append(Gap(base / SAMPLE_RATE, gap / SAMPLE_RATE, tuple(members)))
        for s, seg in zip(members, segs, strict=True):
            assert seg is not None
            late = seg.est - first
            at = base + gap + (round(late * SAMPLE_RATE) if late >= SNAP_S else 0)
            pad = np.zeros((self.channels[s], at - self._end_pos(s)), np.float32)
            self.rows[s] = np.concatenate([self.rows[s], pad, *seg.held], axis=1)
            seg.held, seg.held_samples, seg.placed = [], 0, True

    def ready(self) -> list[np.ndarray]:
        """Whole blocks every row has."""
        out = []
        while min(r.shape[1] for r in self.rows) >= self.block:
            out.append(np.concatenate([r[:, : self.block] for r in self.rows], axis=0))
            self.rows = [r[:, self.block :] for r in self.rows]
            self.emitted += self.block
        return out

    def flush(self) -> list[np.ndarray]:
        """Everything: held segments placed with what is known, the rows padded to the longest
        (the rest of a block included). After a lost device, or at the end of the call."""
        self.group |= {s for s, seg in enumerate(self.segments) if seg and seg.held_samples}
        self._place_group()
        out = self.ready()
        n = max(r.shape[1] for r in self.rows)
        if n:
            rows = [np.pad(r, ((0, 0), (0, n - r.shape[1]))) for r in self.rows]
            out.append(np.concatenate(rows, axis=0))
            self.rows = [r[:, :0] for r in self.rows]
            self.emitted += n
        for s, seg in enumerate(self.segments):  # where the rows end, in capture time
            if seg is not None and seg.captured_s > 0:
                self.last_end[s] = seg.end
        # the rows were padded to the longest: they all end at the latest capture time
        known = [e for e in self.last_end if e is not None]
        if known:
            self.last_end = [max(known)] * len(self.rows)
        self.segments = [None] * len(self.rows)
        return out
