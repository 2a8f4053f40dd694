"""Reading call recordings: any common format and rate, in blocks, at 16 kHz.

PyAV (FFmpeg, already a dependency of faster-whisper) decodes WAV, FLAC, OGG, MP3 and more and
resamples as it streams, so a long file is never held whole in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from app.audio.container_end import ContainerEnd, container_end
from app.errors import AudioReadError

SAMPLE_RATE = 16_000
log = logging.getLogger(__name__.replace("app", "callcoach", 1))


@dataclass(frozen=True, slots=True)
class AudioInfo:
    path: Path
    channels: int  # channels the pipeline gets: 1 or 2
    source_channels: int
    source_rate: int
    duration_s: float  # from the container header; 0.0 when unknown


def probe(path: Path) -> AudioInfo:
    """Open the file far enough to know its channels, rate and duration."""
    container = open_audio(path)
    try:
        stream = _audio_stream(container, path)
        channels = stream.codec_context.channels or 1
        rate = stream.codec_context.sample_rate or 0
        if rate <= 0:
            raise AudioReadError(f"{path.name}: the audio stream has no sample rate")
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        return AudioInfo(path, 2 if channels >= 2 else 1, channels, rate, duration)
    finally:
        container.close()


@dataclass(frozen=True, slots=True)
class AudioRepair:
    """Something wrong with a recording that the reader repaired (or could not), with where.

    `what` is a short kind ("corrupt stretch", "non-finite samples", "truncated",
    "unreadable tail", "corrupt packets", "DC offset", ...), `start_s` and `duration_s` are call
    time, `count` the number of samples, packets or stretches where that means something.
    """

    what: str
    start_s: float
    duration_s: float
    count: int | None = None
    detail: str = ""
    length_known: bool = True  # False: how much is affected cannot be known (duration_s is 0)
    speaker: str = ""  # the side it is about, where it is about one ("silent channel")

    def to_report(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "what": self.what,
            "where": round(self.start_s, 2),
            "how_long": round(self.duration_s, 2) if self.length_known else None,
        }
        if self.count is not None:
            row["count"] = self.count
        if self.detail:
            row["detail"] = self.detail
        if self.speaker:
            row["speaker"] = self.speaker
        return row

    def text(self) -> str:
        said = [f"{self.duration_s:.1f} s" if self.length_known else "length unknown"]
        if self.count is not None:
            said.append(str(self.count))
        elif self.length_known and self.duration_s == 0.0:
            said = []  # a note about the whole file ("channels chosen"): no length to give
        out = f"{self.what} at {self.start_s:.1f} s" + (f" ({', '.join(said)})" if said else "")
        return out + (f": {self.detail}" if self.detail else "")


GAP_MIN_S = 0.1  # a jump in the stream's time stamps this long is lost audio, not codec jitter
SHORT_MIN_S = 1.0  # a file this much (and 2 %) shorter than its header says is truncated
# a WAV this much shorter than its data chunk declares is truncated (the size is exact; under
# this, a writer's rounding, not lost speech)
DECLARED_SHORT_MIN_S = 0.05


class _Timeline:
    """Keeps decoded audio at its place in time: where the stream's time stamps jump past what
    was decoded (a corrupt stretch the demuxer skipped), silence of that length goes in."""

    def __init__(self) -> None:
        self.origin: float | None = None
        self.position_s = 0.0  # source audio delivered so far (decoded + inserted)

    def gap_before(self, frame: av.AudioFrame) -> float:
        if frame.pts is None or frame.time_base is None:
            return 0.0
        t = float(frame.pts * frame.time_base)
        if self.origin is None:
            self.origin = t
            return 0.0
        gap = t - self.origin - self.position_s
        return gap if gap > GAP_MIN_S else 0.0


def read_blocks(
    path: Path,
    block_s: float = 0.5,
    repairs: list[AudioRepair] | None = None,
    pair: tuple[int, int] = (0, 1),
) -> Iterator[np.ndarray]:
    """Yield float32 blocks shaped (channels, samples) at 16 kHz, channels 1 or 2.

    Files with more than two channels use two of them: `pair` (the first two unless told;
    `app.audio.source.pick_pair` chooses for a call). Every block but the last holds
    exactly `block_s` seconds. Damage is repaired and appended to `repairs` as it is found:
    NaN/inf samples become 0 (counted); a corrupt stretch the decoder skips is replaced by
    silence of its length, so later audio keeps its time; a file that ends early or cannot be
    decoded past some point gives what was there, with the loss said. Raises AudioReadError only
    if no audio at all can be decoded.
    """
    info = probe(path)
    found = repairs if repairs is not None else []
    block = max(1, round(block_s * SAMPLE_RATE))
    layout = "stereo" if info.channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    container = open_audio(path)
    pending: list[np.ndarray] = []
    pending_len = 0
    decoded_any = False
    timeline = _Timeline()
    nonfinite = _Tally("non-finite samples", "replaced with silence")
    corrupt = _Tally("corrupt packets", "skipped; their audio is kept as silence")
    try:
        stream = _audio_stream(container, path)
        try:
            for frame in _decode(container, stream, corrupt, timeline):
                if info.source_channels > 2:
                    frame = _two_channels(frame, pair)
                frames = [frame]
                gap = timeline.gap_before(frame)
                if gap:
                    found.append(
                        AudioRepair(
                            "corrupt stretch",
                            timeline.position_s,
                            gap,
                            detail="undecodable audio replaced with silence; later times kept",
                        )
                    )
                    frames.insert(0, _silence_like(frame, gap))
                frames[-1] = _finite(frames[-1], nonfinite, timeline.position_s + gap)
                for f in frames:
                    timeline.position_s += f.samples / f.sample_rate
                    for out in resampler.resample(f):
                        pending.append(out.to_ndarray())
                        pending_len += out.samples
                        decoded_any = True
                while pending_len >= block:
                    data = np.concatenate(pending, axis=1)
                    yield np.ascontiguousarray(data[:, :block], dtype=np.float32)
                    rest = data[:, block:]
                    pending, pending_len = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)
        except (av.error.FFmpegError, AudioReadError) as exc:
            if not decoded_any:
                raise AudioReadError(f"{path.name}: cannot decode audio ({exc})") from None
            end = container_end(path)
            guessed = end is not None and end.estimated_length  # raw MP3 / AAC: no length
            lost = max(info.duration_s - timeline.position_s, 0.0)
            found.append(
                AudioRepair(
                    "unreadable tail",
                    timeline.position_s,
                    0.0 if guessed else lost,
                    detail=f"decoding stopped ({exc}); the rest of the file is missing",
                    length_known=not guessed,
                )
            )
            log.warning("%s: decoding stopped at %.1f s: %s", path.name, timeline.position_s, exc)
        else:
            end = container_end(path)
            # a raw MP3's or AAC's "duration" is FFmpeg's guess from the bit rate: not held to
            declared = 0.0 if end is not None and end.estimated_length else info.duration_s
            short = declared - timeline.position_s
            if declared and short > max(SHORT_MIN_S, 0.02 * declared):
                found.append(
                    AudioRepair(
                        "truncated",
                        timeline.position_s,
                        short,
                        detail=f"the file ends at {timeline.position_s:.1f} s, "
                        f"its header says {declared:.1f} s",
                    )
                )
            else:  # FFmpeg takes a WAV's or an Ogg file's length from what is there
                cut = _cut_short(end, timeline.position_s)
                if cut is not None:
                    found.append(cut)
        for out in resampler.resample(None):
            pending.append(out.to_ndarray())
            pending_len += out.samples
    finally:
        container.close()
    found += [r for r in (corrupt.repair(), nonfinite.repair()) if r is not None]
    if not decoded_any:
        raise AudioReadError(f"{path.name}: the file holds no audio samples")
    if pending_len:
        data = np.concatenate(pending, axis=1)
        yield np.ascontiguousarray(data, dtype=np.float32)


def _cut_short(end: ContainerEnd | None, decoded_s: float) -> AudioRepair | None:
    """The container's own word that the file was cut short (`container_end`), as a repair."""
    if end is None or not end.cut_short:
        return None
    if end.declared_s is None:
        return AudioRepair(
            "truncated",
            decoded_s,
            0.0,
            detail=f"{end.why}: cut short at {decoded_s:.1f} s, how much is missing cannot "
            "be known",
            length_known=False,
        )
    lost = end.declared_s - decoded_s
    if lost < DECLARED_SHORT_MIN_S:
        return None
    return AudioRepair("truncated", decoded_s, lost, detail=end.why)


class _Tally:
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


def read_all(path: Path, max_s: float = 600.0) -> np.ndarray:
    """A whole short clip as (channels, samples) at 16 kHz; for clips, not calls."""
    blocks = []
    total = 0
    for b in read_blocks(path, block_s=5.0):
        blocks.append(b)
        total += b.shape[1]
        if total > max_s * SAMPLE_RATE:
            raise AudioReadError(f"{path.name}: longer than {max_s:.0f} s; use `analyze`")
    return np.concatenate(blocks, axis=1)


def open_audio(path: Path) -> av.container.InputContainer:
    """The file opened for decoding; AudioReadError (one plain line) when it cannot be."""
    if not path.exists():
        raise AudioReadError(f"{path}: no such file")
    if path.is_dir():
        raise AudioReadError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioReadError(f"{path.name}: the file is empty (0 bytes)")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        # FFmpeg's own words, without its error number and the path said again
        reason = getattr(exc, "strerror", None) or str(exc)
        if isinstance(exc, av.error.EOFError):
            reason = "it ends before its first audio: cut short?"
        raise AudioReadError(f"{path.name}: not a readable audio file ({reason})") from None


def _audio_stream(container: av.container.InputContainer, path: Path) -> av.audio.AudioStream:
    if not container.streams.audio or container.streams.audio[0].codec_context is None:
        raise AudioReadError(f"{path.name}: the file has no audio stream that can be decoded")
    return container.streams.audio[0]


def _decode(
    container: av.container.InputContainer,
    stream: av.audio.AudioStream,
    corrupt: _Tally,
    timeline: _Timeline,
) -> Iterator[av.AudioFrame]:
    """Decode frames; corrupt packets are skipped and counted (their audio comes back as
    silence through the time stamps); raises AudioReadError when most packets are bad."""
    good = 0
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError as exc:
            corrupt.add(1, timeline.position_s)
            log.debug("corrupt packet at %.1f s: %s", timeline.position_s, exc)
            if corrupt.count > 20 and corrupt.count > good:
                raise AudioReadError("too many corrupt packets") from None
            continue
        good += 1
        yield from frames


def _finite(frame: av.AudioFrame, tally: _Tally, at_s: float) -> av.AudioFrame:
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
    return _frame_like(frame, np.where(bad, 0, data).astype(data.dtype))


def _silence_like(frame: av.AudioFrame, seconds: float) -> av.AudioFrame:
    n = max(1, round(seconds * frame.sample_rate))
    shape = (
        (len(frame.layout.channels), n)
        if frame.format.is_planar
        else (1, n * len(frame.layout.channels))
    )
    return _frame_like(frame, np.zeros(shape, dtype=frame.to_ndarray().dtype), keep_pts=False)


def _frame_like(frame: av.AudioFrame, data: np.ndarray, keep_pts: bool = True) -> av.AudioFrame:
    out = av.AudioFrame.from_ndarray(data, format=frame.format.name, layout=frame.layout.name)  # type: ignore[arg-type]
    out.sample_rate = frame.sample_rate
    if keep_pts:
        out.pts = frame.pts
        out.time_base = frame.time_base
    return out


def _two_channels(frame: av.AudioFrame, pair: tuple[int, int]) -> av.AudioFrame:
    data: np.ndarray = frame.to_ndarray()
    if frame.format.is_planar:
        two = np.ascontiguousarray(data[list(pair)])
    else:
        n = frame.layout.nb_channels
        two = np.ascontiguousarray(data.reshape(-1, n)[:, list(pair)].reshape(1, -1))
    out = av.AudioFrame.from_ndarray(two, format=frame.format.name, layout="stereo")  # type: ignore[arg-type]
    out.sample_rate = frame.sample_rate
    out.pts = frame.pts
    out.time_base = frame.time_base
    return out
