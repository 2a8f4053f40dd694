"""Reading call recordings: any common format and rate, in blocks, at 16 kHz.

PyAV (FFmpeg, already a dependency of faster-whisper) decodes WAV, FLAC, OGG, MP3 and more and
resamples as it streams, so a long file is never held whole in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

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
    container = _open(path)
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


def read_blocks(path: Path, block_s: float = 0.5) -> Iterator[np.ndarray]:
    """Yield float32 blocks shaped (channels, samples) at 16 kHz, channels 1 or 2.

    Files with more than two channels use their first two. Every block but the last holds
    exactly `block_s` seconds. Raises AudioReadError if the file cannot be decoded, including
    part-way through (a truncated or corrupt file).
    """
    info = probe(path)
    block = max(1, round(block_s * SAMPLE_RATE))
    layout = "stereo" if info.channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    container = _open(path)
    pending: list[np.ndarray] = []
    pending_len = 0
    decoded_any = False
    try:
        stream = _audio_stream(container, path)
        try:
            for frame in _decode(container, stream, path):
                if info.source_channels > 2:
                    frame = _first_two_channels(frame)
                for out in resampler.resample(frame):
                    pending.append(out.to_ndarray())
                    pending_len += out.samples
                    decoded_any = True
                while pending_len >= block:
                    data = np.concatenate(pending, axis=1)
                    yield np.ascontiguousarray(data[:, :block], dtype=np.float32)
                    rest = data[:, block:]
                    pending, pending_len = ([rest], rest.shape[1]) if rest.shape[1] else ([], 0)
            for out in resampler.resample(None):
                pending.append(out.to_ndarray())
                pending_len += out.samples
        except av.error.FFmpegError as exc:
            raise AudioReadError(f"{path.name}: cannot decode audio ({exc})") from None
    finally:
        container.close()
    if not decoded_any:
        raise AudioReadError(f"{path.name}: the file holds no audio samples")
    if pending_len:
        data = np.concatenate(pending, axis=1)
        yield np.ascontiguousarray(data, dtype=np.float32)


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


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise AudioReadError(f"{path}: no such file")
    if path.is_dir():
        raise AudioReadError(f"{path}: is a folder, not an audio file")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioReadError(f"{path.name}: not a readable audio file ({exc})") from None


def _audio_stream(container: av.container.InputContainer, path: Path) -> av.audio.AudioStream:
    if not container.streams.audio or container.streams.audio[0].codec_context is None:
        raise AudioReadError(f"{path.name}: the file has no audio stream that can be decoded")
    return container.streams.audio[0]


def _decode(
    container: av.container.InputContainer, stream: av.audio.AudioStream, path: Path
) -> Iterator[av.AudioFrame]:
    """Decode frames; a few bad packets are skipped (logged), a broken file raises."""
    bad = 0
    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError as exc:
            bad += 1
            log.warning("%s: skipped a corrupt packet (%s)", path.name, exc)
            if bad > 20:
                raise AudioReadError(f"{path.name}: too many corrupt packets") from None


def _first_two_channels(frame: av.AudioFrame) -> av.AudioFrame:
    data: np.ndarray = frame.to_ndarray()
    if frame.format.is_planar:
        two = np.ascontiguousarray(data[:2])
    else:
        n = frame.layout.nb_channels
        two = np.ascontiguousarray(data.reshape(-1, n)[:, :2].reshape(1, -1))
    out = av.AudioFrame.from_ndarray(two, format=frame.format.name, layout="stereo")  # type: ignore[arg-type]
    out.sample_rate = frame.sample_rate
    out.pts = frame.pts
    out.time_base = frame.time_base
    return out
