"""Frame-level repairs and shaping for the reader: NaN/inf samples replaced and counted,
silence of a frame's shape for a lost stretch, and the channels a call is read from."""

from __future__ import annotations

import av
import numpy as np

from app.audio.repair import AudioRepair


class Tally:
    """Counts one kind of small damage over a call: one repair with the first and last place."""

    def __init__(self, what: str, detail: str) -> None:
        self.what, self.detail = what, detail
        self.count = 0
        self.first = self.last = 0.0

    def add(self, count: int, first_s: float, last_s: float | None = None) -> None:
        if not self.count:
            self.first = first_s
        self.count += count
        self.last = first_s if last_s is None else last_s

    def repair(self) -> AudioRepair | None:
        if not self.count:
            return None
        return AudioRepair(self.what, self.first, self.last - self.first, self.count, self.detail)


def finite(frame: av.AudioFrame, tally: Tally, at_s: float) -> av.AudioFrame:
    """The frame with NaN/inf samples replaced by 0 (float formats only can hold them)."""
    if frame.format.name not in ("flt", "fltp", "dbl", "dblp"):
        return frame
    data = frame.to_ndarray()
    bad = ~np.isfinite(data)
    if not bad.any():
        return frame
    columns = np.flatnonzero(bad.any(axis=0))
    if not frame.format.is_planar:  # packed: samples of all channels interleaved
        columns = columns // len(frame.layout.channels)
    rate = frame.sample_rate
    tally.add(int(np.count_nonzero(bad)), at_s + columns[0] / rate, at_s + columns[-1] / rate)
    return frame_like(frame, np.where(bad, 0, data).astype(data.dtype))


def silence_like(frame: av.AudioFrame, seconds: float) -> av.AudioFrame:
    n = max(1, round(seconds * frame.sample_rate))
    shape = (
        (len(frame.layout.channels), n)
        if frame.format.is_planar
        else (1, n * len(frame.layout.channels))
    )
    return frame_like(frame, np.zeros(shape, dtype=frame.to_ndarray().dtype), keep_pts=False)


def frame_like(
    frame: av.AudioFrame, data: np.ndarray, keep_pts: bool = True, layout: str | None = None
) -> av.AudioFrame:
    """`data` as a frame of `frame`'s format and rate (and its layout unless told)."""
    layout = layout or frame.layout.name
    out = av.AudioFrame.from_ndarray(data, format=frame.format.name, layout=layout)  # type: ignore[arg-type]
    out.sample_rate = frame.sample_rate
    if keep_pts:
        out.pts = frame.pts
        out.time_base = frame.time_base
    return out


def pick_channels(frame: av.AudioFrame, pick: tuple[int, ...]) -> av.AudioFrame:
    """The frame with only the channels `pick` (one or two of them), in that order."""
    data: np.ndarray = frame.to_ndarray()
    if frame.format.is_planar:
        kept = np.ascontiguousarray(data[list(pick)])
    else:
        n = frame.layout.nb_channels
        kept = np.ascontiguousarray(data.reshape(-1, n)[:, list(pick)].reshape(1, -1))
    return frame_like(frame, kept, layout="stereo" if len(pick) == 2 else "mono")
