"""Streaming voice activity detection with the Silero VAD model that faster-whisper ships.

`SileroVad` turns audio into one speech probability per 32 ms frame, carrying the model's
state between calls, so a call processed in 0.5 s blocks gives exactly the probabilities of the
whole file at once. `UtteranceSegmenter` is the pure endpointing logic on top: hysteresis on the
probabilities, a minimum silence that closes an utterance, padding, and a cap on length. A stretch
of speech too short to be an utterance on its own (under `min_speech_s`) is held, not dropped at
once: when more speech starts within two end-of-turn silences of it (and within four of its start),
the utterance starts where the short stretch did. The stretch adds no voiced frames, so clicks and
breaths still never make an utterance of their own. A turn that opens with one loud word, a pause
and the rest (a screamed "Dogs", 0.54 s of silence, then "are" under 0.35 on Silero at 8 kHz) used
to lose its first 0.7 s; over the 160 strongly and normally angry RAVDESS clips at the call bench's
telephone band, 2 clips kept 62-67 % of their speech that way and now keep all of it.

Two properties of the model decide what it is fed (measured on RAVDESS turns, see
notes in `SileroVad`):
- its LSTM state never forgets: over a call its cell state drifts (|c| 52 -> 132 after a few loud
  angry turns, digital silence in between does not bring it back) and in that state loud,
  band-limited speech scores under 0.5. The state is therefore cleared after every second of
  silence, which is how the model starts on every file it was trained on;
- it has no level normalisation (STFT magnitudes into ReLU convolutions), so quiet speech
  (loudest 32 ms frames under about -60 dBFS) scores as silence. A slow, boost-only gain brings
  a quiet channel's loudest frames up to about -30 dBFS for the model's eyes only; the audio
  that is cut, transcribed and scored keeps its own level.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.audio.loud_voice import SPEECH_PROB as LOUD_VOICE_PROB
from app.audio.loud_voice import LoudVoiceDetector
from app.config import VadSettings
from app.errors import ModelError

FRAME = 512  # samples per VAD frame at 16 kHz (32 ms)
CONTEXT = 64
SAMPLE_RATE = 16_000
RESET_AFTER_FRAMES = 31  # ~1 s of frames under RESET_BELOW clears the recurrent state
RESET_BELOW = 0.35
LEVEL_TARGET = 10 ** (-30 / 20)  # loudest-frame RMS the model sees (when boosted)
MAX_BOOST = 10 ** (40 / 20)
LEVEL_RELEASE = (
    np.log(10 ** (-1.0 / 20)) * FRAME / SAMPLE_RATE
)  # the level falls 1 dB/s (log units)
LEVEL_FLOOR = 1e-9


def silero_model_path() -> Path:
    from faster_whisper.utils import get_assets_path

    path = Path(get_assets_path()) / "silero_vad_v6.onnx"
    if not path.exists():
        raise ModelError(f"the Silero VAD model is missing from faster-whisper ({path})")
    return path


@functools.lru_cache(maxsize=1)
def _session():  # type: ignore[no-untyped-def]
    from app.inference import inference_session, onnxruntime

    opts = onnxruntime().SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 4
    opts.enable_cpu_mem_arena = False
    try:
        return inference_session(silero_model_path(), opts)
    except Exception as exc:  # onnxruntime raises its own exception types
        raise ModelError(f"cannot load the Silero VAD model: {exc}") from None


class SileroVad:
    """Per-channel streaming VAD: feed any number of samples, get per-frame probabilities.

    Frames are judged one after another with the state carried, except that after
    RESET_AFTER_FRAMES frames in a row under RESET_BELOW the recurrent state is cleared (see
    the module notes). Both this and the level boost depend only on the audio, so any split into
    blocks gives the same probabilities.
    """

    def __init__(self, loud_voice: bool = True) -> None:
        self._session = _session()
        # the second detector (app/audio/loud_voice.py): loud periodic frames Silero misses
        self.loud_voice = LoudVoiceDetector() if loud_voice else None
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._carry = np.zeros(0, dtype=np.float32)
        self._level = np.log(LEVEL_FLOOR)  # log of the channel's recent loudest-frame RMS
        self._quiet_frames = 0  # frames in a row under RESET_BELOW
        self.resets = 0
        self.frame_rms = np.zeros(0, dtype=np.float32)  # RMS of the frames of the last call

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        """Speech probabilities for every complete 512-sample frame available so far."""
        data = np.concatenate([self._carry, audio.astype(np.float32, copy=False)])
        n = len(data) // FRAME
        self._carry = data[n * FRAME :]
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        raw = data[: n * FRAME].reshape(n, FRAME)
        frames = (raw * self._gains(raw)).astype(np.float32, copy=False)
        previous = np.concatenate([self._context[None, :], frames[:-1, -CONTEXT:]], axis=0)
        batch = np.concatenate([previous, frames], axis=1)
        self._context = frames[-1, -CONTEXT:].copy()
        out: list[np.ndarray] = []
        done = 0
        while done < n:
            probs, h, c = self._session.run(
                None, {"input": batch[done:], "h": self._h, "c": self._c}
            )
            probs = np.asarray(probs, dtype=np.float32).reshape(-1)
            reset_at = self._reset_point(probs)
            if reset_at is None:
                self._h, self._c = h, c
                out.append(probs)
                break
            # the frames after the reset point are judged again from a clear state
            out.append(probs[: reset_at + 1])
            done += reset_at + 1
            self._h = np.zeros_like(self._h)
            self._c = np.zeros_like(self._c)
            self.resets += 1
        probs = np.concatenate(out)
        if self.loud_voice is not None:
            loud = self.loud_voice(raw, self.frame_rms)
            probs = np.where(loud, np.maximum(probs, LOUD_VOICE_PROB), probs)
        return probs

    def _reset_point(self, probs: np.ndarray) -> int | None:
        """Index of the frame after which the state is cleared, or None; updates the count."""
        quiet = self._quiet_frames
        for i, p in enumerate(probs):
            quiet = quiet + 1 if p < RESET_BELOW else 0
            if quiet >= RESET_AFTER_FRAMES:
                self._quiet_frames = 0
                return i
        self._quiet_frames = quiet
        return None

    def _gains(self, frames: np.ndarray) -> np.ndarray:
        """Per-frame gain (n, 1): >= 1, bringing the recent loudest frame up to LEVEL_TARGET.

        The level follows a louder frame at once (in that frame) and falls 1 dB/s: a gain that
        moves slowly keeps the rise and fall of speech the model listens for."""
        rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
        self.frame_rms = rms.astype(np.float32)
        log_rms = np.log(np.maximum(rms, LEVEL_FLOOR))
        i = np.arange(len(frames))
        # level_i = max(level_prev + (i+1)·release, max_{j<=i} log_rms_j + (i-j)·release)
        peaks = np.maximum.accumulate(log_rms - i * LEVEL_RELEASE)
        level = i * LEVEL_RELEASE + np.maximum(self._level + LEVEL_RELEASE, peaks)
        self._level = float(level[-1])
        gain = np.clip(LEVEL_TARGET / np.exp(level), 1.0, MAX_BOOST)
        return gain[:, None]


@dataclass(frozen=True, slots=True)
class ClosedUtterance:
    """An utterance the segmenter has finished: sample range and the time it was closed."""

    start: int  # first sample (padding included)
    end: int  # one past the last sample (padding included)
    closed_at: int  # sample position at which the segmenter knew it had ended


@dataclass
class UtteranceSegmenter:
    """Endpointing on per-frame speech probabilities (pure logic, no audio, no I/O)."""

    settings: VadSettings = field(default_factory=VadSettings)
    _frame_index: int = 0
    _in_speech: bool = False
    _speech_start: int = 0  # frame
    _last_speech: int = 0  # frame index of the last frame above neg_threshold
    _voiced_frames: int = 0
    _held: tuple[int, int] | None = None  # a short stretch: (start, last speech) frames

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def speech_start_sample(self) -> int:
        return self._speech_start * FRAME

    @property
    def needed_from_sample(self) -> int | None:
        """The first sample an utterance still to be closed may start at (before padding): the
        open utterance's start, else a held short stretch's; None when nothing is pending."""
        if self._in_speech:
            return self._speech_start * FRAME
        if self._held is not None:
            return self._held[0] * FRAME
        return None

    def push(self, probs: np.ndarray) -> list[ClosedUtterance]:
        s = self.settings
        min_silence = max(1, round(s.min_silence_s * SAMPLE_RATE / FRAME))
        max_frames = round(s.max_utterance_s * SAMPLE_RATE / FRAME)
        closed: list[ClosedUtterance] = []
        for p in probs:
            i = self._frame_index
            self._frame_index += 1
            if not self._in_speech:
                if self._held is not None and (
                    i - self._held[1] > 2 * min_silence or i - self._held[0] > 4 * min_silence
                ):
                    self._held = None  # nothing followed it soon: a click or a breath
                if p >= s.threshold:
                    self._in_speech = True
                    self._speech_start = i
                    self._last_speech = i
                    self._voiced_frames = 1
                    if self._held is not None:  # the turn began with the short stretch
                        self._speech_start = self._held[0]  # (which adds no voiced frames)
                        self._held = None
                continue
            if p >= s.neg_threshold:
                self._last_speech = i
                if p >= s.threshold:
                    self._voiced_frames += 1
            if i - self._last_speech >= min_silence:
                self._close(closed, closed_at=i + 1, end_frame=self._last_speech + 1)
            elif i + 1 - self._speech_start >= max_frames:
                self._close(closed, closed_at=i + 1, end_frame=i + 1, goes_on=True)
        return closed

    def pending(self, after_silence_s: float) -> tuple[int, int] | None:
        """The (start, end) samples the open utterance will have if no more speech comes,
        once it has been silent for `after_silence_s` (at least the padding); else None.

        Lets the live path start transcribing before the end-of-turn silence has run out:
        the audio is exactly what `push` will cut when it closes the utterance.
        """
        if not self._in_speech:
            return None
        s = self.settings
        pad = round(s.speech_pad_s * SAMPLE_RATE)
        silent = (self._frame_index - 1 - self._last_speech) * FRAME
        if silent < max(after_silence_s * SAMPLE_RATE, pad):
            return None
        if self._voiced_frames * FRAME < s.min_speech_s * SAMPLE_RATE:
            return None
        return max(0, self._speech_start * FRAME - pad), (self._last_speech + 1) * FRAME + pad

    def flush(self) -> list[ClosedUtterance]:
        """End of input: close an utterance still open."""
        closed: list[ClosedUtterance] = []
        if self._in_speech:
            self._close(closed, closed_at=self._frame_index, end_frame=self._last_speech + 1)
        return closed

    def _close(
        self, out: list[ClosedUtterance], closed_at: int, end_frame: int, goes_on: bool = False
    ) -> None:
        s = self.settings
        pad = round(s.speech_pad_s * SAMPLE_RATE)
        self._in_speech = False
        if self._voiced_frames * FRAME >= s.min_speech_s * SAMPLE_RATE:
            start = max(0, self._speech_start * FRAME - pad)
            end = min(end_frame * FRAME + pad, closed_at * FRAME)
            out.append(ClosedUtterance(start=start, end=end, closed_at=closed_at * FRAME))
        elif not goes_on:
            self._held = (self._speech_start, self._last_speech)
        if goes_on:
            # a long turn goes on: the next piece starts at once
            self._in_speech = True
            self._speech_start = closed_at
            self._last_speech = closed_at
            self._voiced_frames = 0
