"""The pipeline's front end: per-channel VAD, utterance cutting, overlap and early tone.

Everything here is cheap and runs as audio arrives (in the capture thread's consumer when live).
Utterance boundaries and clock ticks depend only on the audio, never on how it was split into
blocks, so a recording replayed live gives exactly the work items of a batch run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from app.audio.vad import FRAME, SAMPLE_RATE, SileroVad, UtteranceSegmenter
from app.config import VadSettings
from app.events import Speaker
from app.pipeline.items import ClosedSpeech, Prefetch, Tick, WorkItem
from app.pipeline.timing import StageTimes
from app.scoring.tone import SpeakerBaseline
from app.scoring.tone.model import ToneScorer

TICK_S = 1.0
PREFETCH_AFTER_S = 0.15  # silence after which the live path starts transcribing early
KEEP_INTERVALS = 64
# Stereo: a frame this far under the other channel's loudest frame of the last ECHO_FRAMES
# (256 ms, longer than a line echo's delay) is that channel's echo or crosstalk, not a turn.
ECHO_MARGIN = 10 ** (-10 / 20)
ECHO_FRAMES = 8


@dataclass
class _Channel:
    speaker: Speaker
    vad: SileroVad
    segmenter: UtteranceSegmenter
    baseline: SpeakerBaseline
    buffer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    buffer_start: int = 0  # absolute sample index of buffer[0]
    frames_done: int = 0  # VAD frames processed
    voiced: deque[int] = field(default_factory=lambda: deque(maxlen=256))  # recent voiced frames
    prefetched: tuple[int, int] | None = None
    intervals: deque[tuple[float, float]] = field(
        default_factory=lambda: deque(maxlen=KEEP_INTERVALS)
    )
    recent_rms: np.ndarray = field(default_factory=lambda: np.zeros(ECHO_FRAMES, np.float32))
    echo_frames: int = 0  # voiced frames not taken as speech: the other channel's echo

    def audio(self, start: int, end: int) -> np.ndarray:
        a = max(start - self.buffer_start, 0)
        b = max(end - self.buffer_start, 0)
        return self.buffer[a:b].copy()

    def trim(self, keep_from: int) -> None:
        cut = keep_from - self.buffer_start
        if cut > 0:
            self.buffer = self.buffer[cut:]
            self.buffer_start = keep_from


class FrontEnd:
    """Feed (channels, samples) float32 blocks at 16 kHz; get work items in call-time order."""

    def __init__(
        self,
        speakers: Sequence[Speaker],
        tone: ToneScorer,
        vad: VadSettings | None = None,
        times: StageTimes | None = None,
        prefetch: bool = False,
        loud_voice: bool = True,
    ) -> None:
        self.settings = vad or VadSettings()
        self.prefetch = prefetch
        self.times = times or StageTimes()
        self.tone = tone
        self.channels = [
            _Channel(s, SileroVad(loud_voice), UtteranceSegmenter(self.settings), SpeakerBaseline())
            for s in speakers
        ]
        self.samples = 0  # samples per channel received so far
        self._next_tick = TICK_S

    @property
    def t(self) -> float:
        return self.samples / SAMPLE_RATE

    def baseline(self, speaker: Speaker) -> SpeakerBaseline:
        return next(c.baseline for c in self.channels if c.speaker == speaker)

    def push(self, block: np.ndarray) -> list[WorkItem]:
        if block.ndim == 1:
            block = block[None, :]
        if block.shape[0] != len(self.channels):
            raise ValueError(f"expected {len(self.channels)} channels, got {block.shape[0]}")
        closed: list[tuple[int, int, int, _Channel]] = []  # (closed_at, start, end, channel)
        probs_of: list[np.ndarray] = []
        for ch, samples in zip(self.channels, block, strict=True):
            ch.buffer = np.concatenate([ch.buffer, samples.astype(np.float32, copy=False)])
            with self.times.stage("vad"):
                probs_of.append(ch.vad(samples))
        if len(self.channels) == 2:
            probs_of = self._without_echo(probs_of)
        for ch, probs in zip(self.channels, probs_of, strict=True):
            voiced = np.flatnonzero(probs >= self.settings.threshold)
            ch.voiced.extend((ch.frames_done + voiced).tolist())
            ch.frames_done += len(probs)
            for u in ch.segmenter.push(probs):
                closed.append((u.closed_at, u.start, u.end, ch))
        self.samples += block.shape[1]
        items = self._cut(closed)
        items += self._ticks(self.t)
        if self.prefetch:
            items += self._prefetches()
        self._trim()
        return sorted(items, key=_order)

    def finish(self) -> list[WorkItem]:
        """End of the call: close utterances still open."""
        closed = [
            (u.closed_at, u.start, u.end, ch) for ch in self.channels for u in ch.segmenter.flush()
        ]
        return sorted(self._cut(closed), key=_order)

    # ------------------------------------------------------------------
    def _without_echo(self, probs_of: list[np.ndarray]) -> list[np.ndarray]:
        """Stereo: a channel's frames that are ECHO_MARGIN under what the other channel carried
        in the last ECHO_FRAMES are judged silence (the agent's voice bleeding into the
        customer's line, or the reverse). Speech at a level of its own is kept, also while
        both talk at once."""
        rms = [ch.vad.frame_rms for ch in self.channels]
        if len(rms[0]) != len(rms[1]) or len(rms[0]) != len(probs_of[0]) or not len(rms[0]):
            return probs_of
        windows = []
        for ch, r in zip(self.channels, rms, strict=True):
            history = np.concatenate([ch.recent_rms, r])
            windows.append(sliding_window_view(history, ECHO_FRAMES + 1).max(axis=1))
            ch.recent_rms = history[-ECHO_FRAMES:]
        out = []
        for i, (ch, probs) in enumerate(zip(self.channels, probs_of, strict=True)):
            echo = rms[i] < ECHO_MARGIN * windows[1 - i]
            ch.echo_frames += int(np.count_nonzero(echo & (probs >= self.settings.threshold)))
            out.append(np.where(echo, np.float32(0.0), probs))
        return out

    def _cut(self, closed: list[tuple[int, int, int, _Channel]]) -> list[WorkItem]:
        items: list[WorkItem] = []
        for closed_at, start, end, ch in sorted(closed, key=lambda c: c[0]):
            s, e = start / SAMPLE_RATE, end / SAMPLE_RATE
            audio = ch.audio(start, end)
            with self.times.stage("tone"):
                feats = self.tone.features(audio, SAMPLE_RATE)
                reading = self.tone.read_turn(audio, feats, ch.baseline, SAMPLE_RATE)
                tone = reading.score
                ch.baseline.observe(feats, tone)
            overlap = self._barge_in(ch, s, e)
            ch.intervals.append((s, e))
            closed_t = closed_at / SAMPLE_RATE
            items.append(
                ClosedSpeech(ch.speaker, s, e, closed_t, audio, tone, overlap, reading.baseline)
            )
        return items

    def _prefetches(self) -> list[WorkItem]:
        items: list[WorkItem] = []
        for ch in self.channels:
            span = ch.segmenter.pending(PREFETCH_AFTER_S)
            if span is not None and span != ch.prefetched:
                ch.prefetched = span
                start, end = span
                audio = ch.audio(start, end)
                items.append(
                    Prefetch(ch.speaker, start / SAMPLE_RATE, end / SAMPLE_RATE, self.t, audio)
                )
        return items

    def _barge_in(self, me: _Channel, start: float, end: float) -> float:
        """Seconds this utterance spent over speech that had begun earlier on another channel."""
        total = 0.0
        for other in self.channels:
            if other is me:
                continue
            spans = list(other.intervals)
            if other.segmenter.in_speech:
                spans.append((other.segmenter.speech_start_sample / SAMPLE_RATE, self.t))
            for s, e in spans:
                if s < start:
                    total += max(0.0, min(e, end) - start)
        return total

    def _ticks(self, now: float) -> list[WorkItem]:
        ticks: list[WorkItem] = []
        while self._next_tick <= now + 1e-9:
            t = self._next_tick
            ticks.append(Tick(t, self._last_speech_at(t), self._talk_over(t)))
            self._next_tick += TICK_S
        return ticks

    def _talk_over(self, t: float) -> tuple[float, float] | None:
        """(start, seconds so far) of the agent's speech going on over the customer's at t,
        from the VAD frames before t only (the same whatever the block size, live or batch)."""
        agent = next((c for c in self.channels if c.speaker == "agent"), None)
        customer = next((c for c in self.channels if c.speaker == "customer"), None)
        if agent is None or customer is None:
            return None
        limit = int(t / (FRAME / SAMPLE_RATE))
        a0, c0 = _run_start(agent.voiced, limit), _run_start(customer.voiced, limit)
        if a0 is None or c0 is None or c0 >= a0:
            return None  # not both talking now, or the customer came in over the agent
        frame_t = FRAME / SAMPLE_RATE
        return (a0 * frame_t, (limit - a0) * frame_t)

    def _last_speech_at(self, t: float) -> float:
        """End of the last voiced VAD frame at or before t, on any channel."""
        frame_t = FRAME / SAMPLE_RATE
        limit = int(t / frame_t)  # frames wholly before t
        last = 0.0
        for ch in self.channels:
            before = [f for f in ch.voiced if f < limit]
            if before:
                last = max(last, (before[-1] + 1) * frame_t)
        return last

    def _trim(self) -> None:
        pad = round(self.settings.speech_pad_s * SAMPLE_RATE)
        recent = self.samples - pad - FRAME * 2
        for ch in self.channels:
            needed = ch.segmenter.needed_from_sample
            ch.trim(recent if needed is None else min(needed - pad, recent))


def _run_start(voiced: deque[int], limit: int, gap: int = 8) -> int | None:
    """First frame of the voiced run going on at frame `limit` (short gaps bridged), or None
    when this channel is silent there."""
    start = None
    for f in reversed(voiced):
        if f >= limit:
            continue
        if start is None:
            if limit - f > gap:
                return None
        elif start - f > gap:
            break
        start = f
    return start


def _order(item: WorkItem) -> tuple[float, int]:
    if isinstance(item, Tick):
        return (item.t, 1)
    if isinstance(item, Prefetch):
        return (item.t, 2)
    return (item.closed_t, 0)
