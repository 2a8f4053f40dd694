"""A speaker's calm reference, so that tone is judged against how this person usually sounds.

How it adapts (and why it does not absorb the anger it is meant to reveal):

- Explicit calm clips (`add_calm`, e.g. `score-tone --baseline`) are trusted as they are and always
  keep their weight: one clip counts as much as the whole running estimate at its cap.
- During a call, `observe` learns from the start of the call: the first `START_UTTERANCES` usable
  utterances are averaged with equal weight, but only if the population model found them calm
  (tone < `START_MAX_TONE`). A caller who is angry from the first word never becomes the reference;
  the scorer keeps using population norms until the baseline is ready. Once it is ready, the
  rest of the start is held to the later rule below (clearly calm, no marked rise): an angry
  turn early in the call must not join the reference that is meant to reveal it.
- After that start, the baseline moves only slowly (exponential average, `EMA_ALPHA`) and only on
  utterances that are clearly calm (tone < `LATER_MAX_TONE`) and not markedly louder or higher
  than the baseline already is (`MAX_LEVEL_RISE_DB`, `MAX_PITCH_RISE_ST`). Rising frustration is
  therefore measured against the calm opening instead of being followed.
- The baseline is ready after two such utterances of at least `MIN_READY_SPEECH_S` of speech
  each: a short "hello?" and one sentence are too little to know how a person sounds (the
  greeting's rising pitch would otherwise weigh half of the reference for the next turn). Speech
  is counted by the level rule of the features (`speech_s`), or, on a noisy line where that rule
  undercounts, by the utterance's own length (see `long_enough`).
- Utterances with too little voiced speech (< 0.3 s) are ignored: their pitch and voice-quality
  features are stand-ins, not measurements.
"""

from __future__ import annotations

import numpy as np

from app.config import VadSettings
from app.scoring.tone.features import BASELINE_NAMES, ToneFeatures

START_UTTERANCES = 4
START_MAX_TONE = 0.5
LATER_MAX_TONE = 0.3
EMA_ALPHA = 0.1
MIN_VOICED_S = 0.3
MIN_READY_SPEECH_S = 1.0
UTTERANCE_PAD_S = 2 * VadSettings.speech_pad_s  # the front end's padding around an utterance
MAX_LEVEL_RISE_DB = 6.0
MAX_PITCH_RISE_ST = 3.0
CALM_WEIGHT = float(START_UTTERANCES)  # one explicit calm clip weighs as much as the running start

_LEVEL = BASELINE_NAMES.index("level_db")
_PITCH = BASELINE_NAMES.index("f0_median_st")


class SpeakerBaseline:
    """Running calm reference of one speaker, in the feature space of `ToneFeatures.values`."""

    def __init__(self) -> None:
        self._calm: list[np.ndarray] = []
        self._running: np.ndarray | None = None
        self._n_observed = 0
        self._n_ready = 0  # observed utterances long enough to count
        # the same reference for the Whisper-encoder view (utterances that carry an embedding)
        self._calm_emb: list[np.ndarray] = []
        self._running_emb: np.ndarray | None = None
        self._n_emb = 0

    def add_calm(self, feats: ToneFeatures) -> None:
        """Add a clip known to be this speaker talking calmly."""
        if feats.voiced_s >= MIN_VOICED_S:
            self._calm.append(feats.values.astype(np.float64))
            if feats.embedding is not None:
                self._calm_emb.append(feats.embedding.astype(np.float64))

    def observe(self, feats: ToneFeatures, tone: float) -> None:
        """Learn from an utterance of the call just scored `tone` (see the module docstring)."""
        if feats.voiced_s < MIN_VOICED_S or not np.isfinite(tone):
            return
        x = feats.values.astype(np.float64)
        if self._running is None or self._n_observed < START_UTTERANCES:
            if tone >= START_MAX_TONE:
                return
            # once ready, the start is held to the later rule too: a turn the speaker model
            # already reads as tense, or markedly louder or higher, is not calm (the bench's
            # voice_only_3: a strongly angry 4th turn scored 0.18 against the three calm ones,
            # joined the start, and every angry turn after it was judged against anger)
            if self.ready and (tone >= LATER_MAX_TONE or self._rises(x)):
                return
            self._n_observed += 1
            self._n_ready += long_enough(feats)
            if self._running is None:
                self._running = x.copy()
            else:
                self._running += (x - self._running) / self._n_observed
            self._observe_embedding(feats, start=True)
            return
        if tone >= LATER_MAX_TONE or self._rises(x):
            return
        self._n_observed += 1
        self._n_ready += long_enough(feats)
        self._running += EMA_ALPHA * (x - self._running)
        self._observe_embedding(feats, start=False)

    def _rises(self, x: np.ndarray) -> bool:
        """Markedly louder or higher than the reference (`MAX_LEVEL_RISE_DB`,
        `MAX_PITCH_RISE_ST`)."""
        ref = self.mean
        return ref is not None and bool(
            x[_LEVEL] - ref[_LEVEL] > MAX_LEVEL_RISE_DB
            or x[_PITCH] - ref[_PITCH] > MAX_PITCH_RISE_ST
        )

    def _observe_embedding(self, feats: ToneFeatures, start: bool) -> None:
        """Follow the feature reference's decision (same utterances, same averaging rule)."""
        if feats.embedding is None:
            return
        e = feats.embedding.astype(np.float64)
        self._n_emb += 1
        if self._running_emb is None:
            self._running_emb = e.copy()
        elif start:
            self._running_emb += (e - self._running_emb) / self._n_emb
        else:
            self._running_emb += EMA_ALPHA * (e - self._running_emb)

    @property
    def ready(self) -> bool:
        """True once there is a calm clip, or two calm-sounding utterances of the call of at
        least `MIN_READY_SPEECH_S` of speech each."""
        return bool(self._calm) or self._n_ready >= 2

    @property
    def mean(self) -> np.ndarray | None:
        """The reference feature vector (follows `BASELINE_NAMES`), or None before any data."""
        return _reference(self._calm, self._running, self._n_observed)

    @property
    def embedding_mean(self) -> np.ndarray | None:
        """The reference's mean Whisper-encoder frame, or None when no reference has one."""
        return _reference(self._calm_emb, self._running_emb, self._n_emb)

    @property
    def n_calm(self) -> int:
        return len(self._calm)

    @property
    def n_observed(self) -> int:
        return self._n_observed


def long_enough(feats: ToneFeatures) -> bool:
    """At least `MIN_READY_SPEECH_S` of speech, to make a baseline ready.

    `speech_s` counts frames 6 dB over the utterance's quietest ones, so on a noisy line the quiet
    syllables sink under it: the call bench's voice_only_3 at 10 dB SNR measured 0.64-0.79 s for
    calm sentences of 1.1-1.5 s (1.13-1.54 s clean), the baseline was never ready, and every
    angry turn of the call was judged against the conservative population norms (no card). So an
    utterance counts too when it lasts that long as the VAD cut it (its padding aside) and at
    least half of that is speech by the level rule; a short "hello?" still does not count."""
    return feats.speech_s >= MIN_READY_SPEECH_S or (
        feats.duration_s - UTTERANCE_PAD_S >= MIN_READY_SPEECH_S
        and feats.speech_s >= MIN_READY_SPEECH_S / 2
    )


def _reference(
    calm: list[np.ndarray], running: np.ndarray | None, n_running: int
) -> np.ndarray | None:
    """Explicit calm clips (each weighing CALM_WEIGHT) averaged with the running estimate (its
    weight grows with the utterances behind it, up to START_UTTERANCES)."""
    parts, weights = [], []
    if calm:
        parts.append(np.mean(calm, axis=0))
        weights.append(CALM_WEIGHT * len(calm))
    if running is not None:
        parts.append(running)
        weights.append(float(min(n_running, START_UTTERANCES)))
    if not parts:
        return None
    return np.average(np.stack(parts), axis=0, weights=weights)
