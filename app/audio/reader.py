"""Reading call recordings: any common format and rate, in blocks, at 16 kHz.

PyAV (FFmpeg, already a dependency of faster-whisper) decodes WAV, FLAC, OGG, MP3 and more and
resamples as it streams, so a long file is never held whole in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path

import av
import numpy as np

from app.audio.container_end import ContainerEnd, container_end
from app.audio.frames import Tally, finite, pick_channels, silence_like
from app.audio.repair import AudioRepair
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
    # per audio stream (a recorder may keep each leg of a call as its own stream): its channels
    # and where it starts in the file's time, in seconds
    stream_channels: tuple[int, ...] = (1,)
    stream_starts: tuple[float, ...] = (0.0,)

    def locate(self, channel: int) -> tuple[int, int]:
        """(stream, channel within it) of one of the file's channels, counted across streams."""
        for stream, count in enumerate(self.stream_channels):
            if channel < count:
                return stream, channel
            channel -= count
        raise IndexError(f"{self.path.name} has {self.source_channels} channels")


def probe(path: Path) -> AudioInfo:
    """Open the file far enough to know its channels, rate and duration. The channels of a file
    of several audio streams are counted across them, in stream order."""
    container = open_audio(path)
    try:
        streams = _audio_streams(container, path)
        stream = streams[0]
        rate = stream.codec_context.sample_rate
        counts = tuple(max(1, s.codec_context.channels or 1) for s in streams)
        starts = tuple(
            float(s.start_time * s.time_base) if s.start_time is not None and s.time_base else 0.0
            for s in streams
        )
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration:
            duration = container.duration / 1_000_000
        total = sum(counts)
        return AudioInfo(path, 2 if total >= 2 else 1, total, rate, duration, counts, starts)
    finally:
        container.close()


GAP_MIN_S = 0.1  # a jump in the stream's time stamps this long is lost audio, not codec jitter
SHORT_MIN_S = 1.0  # a file this much (and 2 %) shorter than its header says is truncated
# a WAV this much shorter than its data chunk declares is truncated (the size is exact; under
# this, a writer's rounding, not lost speech)
DECLARED_SHORT_MIN_S = 0.05


class _Timeline:
    """Keeps decoded audio at its place in time: where the stream's time stamps jump past what
    was decoded (a corrupt stretch the demuxer skipped), silence of that length goes in."""

    def __init__(self, origin: float | None = None) -> None:
        # where the call starts in the stream's time: its first frame unless told (the earliest
        # stream of a file of several, so a leg that starts later keeps its place)
        self.origin = origin
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
    `app.audio.source.pick_pair` chooses for a call); a file of several audio streams (each leg
    of the call its own stream) is read as one, its channels counted across the streams. Every
    block but the last holds exactly `block_s` seconds. Damage is repaired and appended to
    `repairs` as it is found: NaN/inf samples become 0 (counted); a corrupt stretch the decoder
    skips is replaced by silence of its length, so later audio keeps its time; a file that ends
    early or cannot be decoded past some point gives what was there, with the loss said. Raises
    AudioReadError only if no audio at all can be decoded.
    """
    info = probe(path)
    found = repairs if repairs is not None else []
    block = max(1, round(block_s * SAMPLE_RATE))
    if len(info.stream_channels) > 1:
        yield from _joined_blocks(path, info, pair[: info.channels], found, block)
        return
    pick = pair if info.source_channels > 2 else None
    yield from _stream_blocks(path, info, found, block, 0, pick, end=_end_once(path))


def read_channels(
    path: Path,
    channels: tuple[int, ...],
    block_s: float = 0.5,
    repairs: list[AudioRepair] | None = None,
) -> Iterator[np.ndarray]:
    """Blocks (len(channels), samples) at 16 kHz of any of the file's channels, counted across
    its audio streams (a first pass compares them all); as read_blocks otherwise."""
    info = probe(path)
    found = repairs if repairs is not None else []
    yield from _joined_blocks(path, info, channels, found, max(1, round(block_s * SAMPLE_RATE)))


def _joined_blocks(
    path: Path, info: AudioInfo, channels: tuple[int, ...], found: list[AudioRepair], block: int
) -> Iterator[np.ndarray]:
    """Each wanted channel decoded on its own (one container per channel, so streams stored
    one after the other cost no memory), kept in the file's time (a stream that starts later
    gets silence before it) and stacked; a stream that ends first is followed by silence."""
    where = [info.locate(k) for k in channels]
    origin = min(info.stream_starts[s] for s, _ in where)
    own: list[list[AudioRepair]] = [[] for _ in channels]
    end = _end_once(path)  # the file's end is every stream's: its container is asked once
    parts = [  # a mono stream is read whole; one channel of a wider one is picked
        _stream_blocks(
            path,
            info,
            own[i],
            block,
            s,
            None if info.stream_channels[s] == 1 else (c,),
            origin,
            end,
        )
        for i, (s, c) in enumerate(where)
    ]
    for group in zip_longest(*parts):
        n = max(b.shape[1] for b in group if b is not None)
        rows = [np.zeros(n, np.float32) if b is None else b[0] for b in group]
        yield np.stack([r if len(r) == n else np.pad(r, (0, n - len(r))) for r in rows])
    seen: set[tuple[str, str]] = set()
    for repair in sorted((r for rs in own for r in rs), key=lambda r: r.start_s):
        key = (repair.what, "" if repair.what == "truncated" else repair.text())
        if key not in seen:  # the file's end is each stream's end: said once
            seen.add(key)
            found.append(repair)


def _stream_blocks(
    path: Path,
    info: AudioInfo,
    found: list[AudioRepair],
    block: int,
    stream_at: int,
    pick: tuple[int, ...] | None,
    origin: float | None = None,
    end: Callable[[], ContainerEnd | None] | None = None,
) -> Iterator[np.ndarray]:
    """read_blocks of one audio stream (`stream_at` among the file's): the channels `pick` of
    it (one or two), or all of them (None: one or two). `end`: what the container says of
    the file's end (`container_end`, asked once per read)."""
    ask_end = end or _end_once(path)
    width = len(pick) if pick is not None else info.stream_channels[stream_at]
    layout = "stereo" if width == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    container = open_audio(path)
    pending: list[np.ndarray] = []
    pending_len = 0
    decoded_any = False
    timeline = _Timeline(origin)
    nonfinite = Tally("non-finite samples", "replaced with silence")
    corrupt = Tally("corrupt packets", "skipped; their audio is kept as silence")
    try:
        stream = _audio_streams(container, path)[stream_at]
        try:
            for frame in _decode(container, stream, corrupt, timeline):
                if pick is not None:
                    frame = pick_channels(frame, pick)
                frames = [frame]
                gap = timeline.gap_before(frame)
                if gap and (origin is not None and timeline.position_s == 0.0):
                    frames.insert(0, silence_like(frame, gap))  # a leg that starts later
                elif gap:
                    found.append(
                        AudioRepair(
                            "corrupt stretch",
                            timeline.position_s,
                            gap,
                            detail="undecodable audio replaced with silence; later times kept",
                        )
                    )
                    frames.insert(0, silence_like(frame, gap))
                frames[-1] = finite(frames[-1], nonfinite, timeline.position_s + gap)
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
            reason = _reason(exc)
            if not decoded_any:
                raise AudioReadError(f"{path.name}: cannot decode audio ({reason})") from None
            told = ask_end()
            guessed = told is not None and told.estimated_length  # raw MP3 / AAC: no length
            lost = max(info.duration_s - timeline.position_s, 0.0)
            found.append(
                AudioRepair(
                    "unreadable tail",
                    timeline.position_s,
                    0.0 if guessed else lost,
                    detail=f"decoding stopped ({reason}); the rest of the file is missing",
                    length_known=not guessed,
                )
            )
            # said once, as the report's warning (and its stderr line): a debug trace here
            log.debug("%s: decoding stopped at %.1f s: %s", path.name, timeline.position_s, exc)
        else:
            told = ask_end()
            # a raw MP3's or AAC's "duration" is FFmpeg's guess from the bit rate: not held to
            declared = 0.0 if told is not None and told.estimated_length else info.duration_s
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
                cut = _cut_short(told, timeline.position_s)
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


def _end_once(path: Path) -> Callable[[], ContainerEnd | None]:
    """`container_end(path)`, read from the file the first time it is asked for only."""
    told: list[ContainerEnd | None] = []

    def ask() -> ContainerEnd | None:
        if not told:
            told.append(container_end(path))
        return told[0]

    return ask


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
        reason = _reason(exc)
        if isinstance(exc, av.error.EOFError):
            reason = "it ends before its first audio: cut short?"
        raise AudioReadError(f"{path.name}: not a readable audio file ({reason})") from None


def _reason(exc: Exception) -> str:
    """FFmpeg's own words, without its error number and the path said again."""
    return getattr(exc, "strerror", None) or str(exc)


def _audio_streams(
    container: av.container.InputContainer, path: Path
) -> list[av.audio.AudioStream]:
    """The file's audio streams that can be decoded, in order (at least one)."""
    streams = [s for s in container.streams.audio if s.codec_context is not None]
    if not streams:
        raise AudioReadError(f"{path.name}: the file has no audio stream that can be decoded")
    timed = [s for s in streams if (s.codec_context.sample_rate or 0) > 0]
    if not timed:
        raise AudioReadError(f"{path.name}: the audio stream has no sample rate")
    return timed


def _decode(
    container: av.container.InputContainer,
    stream: av.audio.AudioStream,
    corrupt: Tally,
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
