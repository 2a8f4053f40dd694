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
    tone_baseline: bool = False  # tone judged against the speaker's own baseline (see ToneReading)


@dataclass(frozen=True, slots=True)
class Tick:
    """The call clock reached `t`; `last_speech_end` is when anyone last spoke (VAD)."""

    t: float
    last_speech_end: float
    # (start of the agent's speech, seconds of it so far over the customer's) while the agent is
    # talking over the customer at `t`; None otherwise (the coach counts talk-over as it happens)
    talk_over: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class Prefetch:
    """An utterance that has gone quiet but is not closed yet: transcribe it ahead of time.

    If it closes as it is, its ClosedSpeech has the same audio and reuses the text; if the
    speaker goes on, the work is simply thrown away. Only the live path sends these.
    """

    speaker: Speaker
    start: float
    end: float
    t: float
    audio: np.ndarray


WorkItem = ClosedSpeech | Tick | Prefetch
