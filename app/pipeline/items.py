"""Work items passed from the front end (VAD, tone) to the back end (ASR, words, coach)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.events import Speaker


@dataclass(frozen=True, slots=True)
class ClosedSpeech:
    """An utterance the front end has cut, with its audio and early tone reading."""

    speaker: Speaker
    start: float
    end: float
    closed_t: float  # call time at which VAD knew the utterance had ended
    audio: np.ndarray  # mono float32 16 kHz
    tone: float
    overlap_s: float  # time it spent talking over speech already going on on the other channel


@dataclass(frozen=True, slots=True)
class Tick:
    """The call clock reached `t`; `last_speech_end` is when anyone last spoke (VAD)."""

    t: float
    last_speech_end: float


WorkItem = ClosedSpeech | Tick
