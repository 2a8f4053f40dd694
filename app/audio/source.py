"""A call recording as the pipeline sees it: which speaker is on which channel, and blocks.

Whether a two-channel file is a stereo call or one voice saved twice is decided from the whole
call, before analysis starts: a first pass decodes the file at its own rate (no resampling, no
model) and compares the channels block by block, after removing each block's DC. A stereo call
shows its two sides differing for seconds somewhere; hold music or an IVR prompt heard on both
channels before the agent joins does not make it mono. The blocks the pipeline then gets have
DC removed (a 20 Hz high-pass), and every repair the reader made is in `repairs`.

A file of more than two channels (a recorder's agent, customer and mixed tracks, or one with an
unused channel) is read from the first two channels that carry sound (`pick_pair`), and any
other channel with sound of its own (not a copy or a mix of those two) is said in `repairs`:
reading the first two blindly once gave a call whose customer, on channel 3, never spoke.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from app.audio.highpass import StreamHighPass
from app.audio.reader import (
    SAMPLE_RATE,
    AudioInfo,
    AudioRepair,
    open_audio,
    probe,
    read_blocks,
    read_channels,
)
from app.events import Speaker

COMPARE_BLOCK_S = 0.5
SAME_BELOW = 0.1  # a block whose channel difference is 10 dB under their level: one signal
ACTIVE_ABOVE = 1e-10  # block power (-100 dBFS, about 16-bit dither) under which a block says
# nothing either way; at -70 dBFS a quiet call (calm turns near -77 dBFS) read as silence
STEREO_EVIDENCE_S = 3.0  # this much differing audio (or half of all audio) makes it stereo
IDENTICAL_NOTE_S = 5.0  # identical stretches this long in a stereo call are reported ...
IDENTICAL_SOUND_MIN_S = 1.0  # ... when at least this much of them is sound, not silence
CHANNEL_SOUND_MIN_S = 1.0  # a channel with this much sound carries part of the call
DC_NOTE = 0.01  # a mean offset over the call this large (-40 dBFS) is reported as removed


def speakers_for(channels: int, agent_channel: str) -> list[Speaker]:
    """Stereo: one speaker per channel, the agent on `agent_channel`. Mono: the customer."""
    if channels == 1:
        return ["customer"]
    return ["agent", "customer"] if agent_channel == "left" else ["customer", "agent"]


@dataclass
class ChannelEvidence:
    """What the first pass saw of a two-channel file."""

    active_s: float = 0.0  # blocks with sound on either channel
    differing_s: float = 0.0  # of those, blocks where the channels carry different signals
    identical: list[tuple[float, float]] = field(default_factory=list)  # (start, length) runs
    # per channel of the file (all of them, not only the pair compared): seconds with sound,
    # and seconds with sound of its own (not a copy or a mix of the pair's two channels)
    sound_s: list[float] = field(default_factory=list)
    own_s: list[float] = field(default_factory=list)

    @property
    def stereo(self) -> bool:
        need = min(STEREO_EVIDENCE_S, 0.5 * self.active_s)
        return self.differing_s > 0 and self.differing_s >= need


class CallAudio:
    """Blocks of a recording with the speakers of its channels.

    A stereo file whose two channels carry the same signal throughout (a mono call saved as
    stereo) is treated as mono, so one voice is not analysed twice as agent and customer.
    Iterating reads the file again from the start, in blocks: memory does not grow with the call.
    """

    def __init__(self, path: Path, agent_channel: str = "left", block_s: float = 0.5) -> None:
        self.path = path
        self.info = probe(path)
        self.block_s = block_s
        self.repairs: list[AudioRepair] = []
        self.evidence: ChannelEvidence | None = None
        self.pair = (0, 1)  # the file's channels read as left and right
        channels = self.info.channels
        if channels == 2:
            self.evidence = compare_channels(path, self.info)
            self.pair = pick_pair(self.evidence.sound_s)
            if self.pair != (0, 1):
                self.evidence = compare_channels(path, self.info, self.pair)
            if not self.evidence.stereo:
                channels = 1
        self.channels = channels
        self.speakers = speakers_for(channels, agent_channel)

    def __iter__(self) -> Iterator[np.ndarray]:
        self.repairs = self._channel_notes()
        highpass = StreamHighPass()
        dc_sum = np.zeros(self.channels)
        n = 0
        for block in read_blocks(self.path, self.block_s, self.repairs, self.pair):
            if self.channels == 1:
                block = block[:1]
            dc_sum += block.sum(axis=1, dtype=np.float64)
            n += block.shape[1]
            yield highpass.push(block)
        self.repairs += self._dc_note(dc_sum / max(n, 1), n / SAMPLE_RATE)

    def _channel_notes(self) -> list[AudioRepair]:
        ev = self.evidence
        if ev is None:
            return []
        return self._stream_notes() + self._pair_notes(ev) + self._identical_notes(ev)

    def _stream_notes(self) -> list[AudioRepair]:
        """A file keeping the call in several audio streams (one per leg): how it was read, so
        who is agent and who customer can be checked."""
        counts = self.info.stream_channels
        if len(counts) < 2 or self.channels < 2:
            return []
        sides = []
        for k in self.pair:
            stream, channel = self.info.locate(k)
            wide = counts[stream] > 1
            sides.append(f"stream {stream + 1}" + (f" channel {channel + 1}" if wide else ""))
        return [
            AudioRepair(
                "streams joined",
                0.0,
                0.0,
                detail=f"the file holds the call in {len(counts)} audio streams, read as one: "
                f"{sides[0]} as the left channel ({self.speakers[0]}), {sides[1]} as the "
                f"right ({self.speakers[1]})",
            )
        ]

    def _pair_notes(self, ev: ChannelEvidence) -> list[AudioRepair]:
        """A file of more than two channels: which two were read, and any other one with sound
        (not analysed: a call has two sides)."""
        n = len(ev.sound_s)
        if n <= 2:
            return []
        a, b = self.pair
        notes = []
        if self.pair != (0, 1):
            notes.append(
                AudioRepair(
                    "channels chosen",
                    0.0,
                    0.0,
                    detail=f"channels {a + 1} and {b + 1} of {n} carry the call, read as left "
                    f"and right (a channel before them carries under {CHANNEL_SOUND_MIN_S:.0f} s "
                    "of sound)",
                )
            )
        notes += [
            AudioRepair(
                "channel not analysed",
                0.0,
                seconds,
                detail=f"channel {k + 1} of {n} carries {seconds:.0f} s of sound that is not "
                f"analysed: a call is read from two channels ({a + 1} and {b + 1})",
            )
            for k, seconds in enumerate(ev.own_s)
            if k not in self.pair and seconds >= CHANNEL_SOUND_MIN_S
        ]
        return notes

    def _identical_notes(self, ev: ChannelEvidence) -> list[AudioRepair]:
        if ev.active_s == 0.0:
            return []  # no sound at all: nothing alike to say (the call's `no speech` says it)
        if self.channels == 1:
            return [
                AudioRepair(
                    "identical channels",
                    0.0,
                    ev.active_s,
                    detail=(
                        "both channels carry the same audio: analysed as one speaker, the "
                        "customer (an agent's voice on it is read as the customer's)"
                    ),
                )
            ]
        return [
            AudioRepair(
                "identical channels",
                start,
                length,
                detail="the same audio on both channels (hold music or IVR?); kept as stereo",
            )
            for start, length in ev.identical
            if length >= IDENTICAL_NOTE_S
        ]

    def _dc_note(self, dc: np.ndarray, seconds: float) -> list[AudioRepair]:
        names = ["left", "right"] if len(dc) == 2 else ["the"]
        return [
            AudioRepair("DC offset", 0.0, seconds, detail=f"{name} channel {d:+.3f} removed")
            for name, d in zip(names, dc, strict=True)
            if abs(d) >= DC_NOTE
        ]


def pick_pair(sound_s: list[float]) -> tuple[int, int]:
    """The two channels a call is read from: the first two that carry sound (at least
    CHANNEL_SOUND_MIN_S), in the file's order; the first two when fewer do. A two-channel file is
    always read as it is."""
    if len(sound_s) <= 2:
        return (0, 1)
    sounding = [k for k, s in enumerate(sound_s) if s >= CHANNEL_SOUND_MIN_S]
    if len(sounding) < 2:
        return (0, 1)
    return (sounding[0], sounding[1])


def compare_channels(
    path: Path, info: AudioInfo, pair: tuple[int, int] = (0, 1)
) -> ChannelEvidence:
    """First pass over a file of two or more channels at its own rate: how much of the `pair`
    of channels differs, and how much sound every channel carries."""
    ev = ChannelEvidence(sound_s=[0.0] * info.source_channels, own_s=[0.0] * info.source_channels)
    run_start: float | None = None
    run_sound = 0.0  # seconds of the open run in which both channels carry the same sound
    t = 0.0

    def close_run(end: float) -> None:
        # a run of digital silence alone is not "the same audio on both channels"
        if run_start is not None and run_sound >= IDENTICAL_SOUND_MIN_S:
            ev.identical.append((run_start, end - run_start))

    for data, seconds in _compare_blocks(path, info):
        x = np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)
        x = x - x.mean(axis=1, keepdims=True)  # DC says nothing about who is talking
        _sound(x, ev, seconds, pair)
        same = _judge(x[list(pair)], ev, seconds)
        if same is not False and run_start is None:
            run_start, run_sound = t, 0.0
        if same:
            run_sound += seconds
        elif same is False and run_start is not None:
            close_run(t)
            run_start = None
        t += seconds
    if run_start is not None:
        close_run(t)
    return ev


def _compare_blocks(path: Path, info: AudioInfo) -> Iterator[tuple[np.ndarray, float]]:
    """Every channel of the file in COMPARE_BLOCK_S blocks (float64), with their seconds: at the
    file's own rate (no resampling), or at 16 kHz for a file of several audio streams (each leg
    its own stream, read in the file's time by the reader)."""
    if len(info.stream_channels) > 1:
        channels = tuple(range(info.source_channels))
        for data in read_channels(path, channels, COMPARE_BLOCK_S, []):
            yield data.astype(np.float64), data.shape[1] / SAMPLE_RATE
        return
    block = max(1, round(COMPARE_BLOCK_S * info.source_rate))
    pending: list[np.ndarray] = []
    have = 0
    container = open_audio(path)
    try:
        stream = container.streams.audio[0]
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                continue  # the main pass reports damage; here a lost packet is just not compared
            for frame in frames:
                pending.append(_channels(frame))
                have += frame.samples
                while have >= block:
                    data = np.concatenate(pending, axis=1)
                    pending, have = [data[:, block:]], data.shape[1] - block
                    yield data[:, :block], COMPARE_BLOCK_S
    except av.error.FFmpegError:
        pass  # a broken tail: decide on what was readable; the main pass reports it
    finally:
        container.close()
    if have:
        data = np.concatenate(pending, axis=1)
        yield data, data.shape[1] / info.source_rate


def _judge(x: np.ndarray, ev: ChannelEvidence, seconds: float) -> bool | None:
    """Update the evidence with one block of the pair (finite, DC removed): True if both
    channels carry the same signal, False if they differ, None if both are silent (it says
    nothing either way)."""
    e0, e1 = np.mean(x * x, axis=1)
    if max(e0, e1) < ACTIVE_ABOVE:
        return None  # silence on both sides continues an identical run, adding no sound
    ev.active_s += seconds
    diff = float(np.mean((x[0] - x[1]) ** 2))
    if diff <= SAME_BELOW * 0.5 * (e0 + e1):
        return True
    ev.differing_s += seconds
    return False


def _sound(x: np.ndarray, ev: ChannelEvidence, seconds: float, pair: tuple[int, int]) -> None:
    """Add `seconds` to each channel of the block (finite, DC removed) that carries sound, and,
    for a channel outside `pair`, to its own sound when it is not a copy or a mix of the pair
    (what is left after the best least-squares mix of the two is SAME_BELOW under its power)."""
    basis = x[list(pair)].T
    for k, power in enumerate(np.mean(x * x, axis=1)):
        if k >= len(ev.sound_s) or power < ACTIVE_ABOVE:
            continue
        ev.sound_s[k] += seconds
        if k in pair:
            continue
        weights = np.linalg.lstsq(basis, x[k], rcond=None)[0]
        residual = float(np.mean((x[k] - basis @ weights) ** 2))
        if residual > SAME_BELOW * power:
            ev.own_s[k] += seconds


def _channels(frame: av.AudioFrame) -> np.ndarray:
    """Every channel of a frame as float64 (channels, n) in [-1, 1]."""
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if not frame.format.is_planar:
        data = data.reshape(-1, channels).T
    data = data.astype(np.float64)
    name = frame.format.name.rstrip("p")
    if name == "s16":
        data /= 32768.0
    elif name == "s32":
        data /= 2147483648.0
    elif name == "u8":
        data = (data - 128.0) / 128.0
    return data
