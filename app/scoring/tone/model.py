"""The tone scorer: ONNX models over prosodic features and a Whisper-encoder view of the voice,
with or without a speaker baseline.

Without a ready baseline the population models score the utterance against population norms:
an ensemble on level-invariant features and (v4) a 5-class logistic regression on the mean
Whisper-encoder frame (`embedding.py`); the score is their weighted mean (tone.json
"population_fusion"). With a baseline, the speaker models score the utterance relative to the
speaker's calm reference: a logistic regression on feature differences and one on the mean
encoder frame minus the reference's; the score is their weighted mean ("speaker_fusion"), or
their weighted geometric mean ("speaker_mean": "geometric", v5: high only when both hear anger),
lowered when the Whisper population view hears more happiness than anger ("excitement_damping":
a loud, excited voice is not an angry one). A model whose input is missing (features extracted
without the encoder, a reference without an embedding) drops out of the mean.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.paths import models_dir
from app.scoring.tone.baseline import SpeakerBaseline
from app.scoring.tone.embedding import N_EMB, WhisperEmbedder, file_sha256, load_embedder
from app.scoring.tone.features import (
    BASELINE_NAMES,
    FEATURE_NAMES,
    N_FEAT,
    N_POP,
    POPULATION_NAMES,
    ToneFeatures,
    extract_features,
)
from app.scoring.tone.sentences import turn_parts

try:
    from app.errors import ModelError
except ImportError:  # pragma: no cover - the package may be used without the app's error module

    class ModelError(Exception):  # type: ignore[no-redef]
        """A shipped model is missing, corrupt or does not match its checksum."""


MIN_SPEECH_S = 0.15  # less active speech than this carries no tone evidence: score 0
WINDOW_CONTEXT = 3  # live windows are scored on up to this many trailing windows of audio
# A turn longer than LONG_TURN_S is also read sentence by sentence (`sentences.turn_parts`: split
# at its pauses). A shouted sentence in a longer, calmer turn is otherwise diluted by the rest
# (benchmarks/tone_mixed_turns.py; the call bench's telephone-band `both` calls). Only a sentence
# read at CONFIDENT_SENTENCE or more replaces the whole turn's reading: under it one sentence is
# in tone's zone of confusion with excited and sad voices (the call bench's happy_1 at µ-law: a
# happy RAVDESS statement read alone 0.31, inside its turn 0.06; with the pleased words misheard,
# it fired the anger card), and the whole turn's reading stands, as before. Only against a ready
# speaker baseline: population readings stay one per turn, the conservative calibration. Fixed
# 2.5 s windows were tried first: a window across two sentences of different moods read as anger.
LONG_TURN_S = 4.0
CONFIDENT_SENTENCE = 0.75  # about the fusion's voice_alone: the voice alone counts as upset

_cache: dict[tuple[Path, int, int], ToneScorer] = {}
_cache_lock = threading.Lock()


POPULATION = "tone_population.onnx"
SPEAKER = "tone_speaker.onnx"
SPEAKER_WHISPER = "tone_speaker_whisper.onnx"
POPULATION_WHISPER = "tone_population_whisper.onnx"


@dataclass(frozen=True, slots=True)
class ToneReading:
    """One tone score and what it was judged against."""

    score: float  # calibrated P(angry voice) in [0, 1]
    baseline: bool  # True: against the speaker's own calm reference; False: population norms


@dataclass(frozen=True, slots=True)
class Calibration:
    """Platt scaling in logit space: p -> sigmoid(slope * logit(p) + intercept)."""

    slope: float = 1.0
    intercept: float = 0.0

    def __call__(self, p: float) -> float:
        q = min(max(p, 1e-6), 1.0 - 1e-6)
        z = self.slope * math.log(q / (1.0 - q)) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


class ToneScorer:
    """Calibrated anger-in-the-voice probability in [0, 1] for one utterance."""

    def __init__(
        self,
        sessions: dict[str, Any],
        meta: dict[str, Any],
        embedder: WhisperEmbedder | None = None,
    ) -> None:
        self._sessions = sessions
        self._index = {n: int(meta["models"][n]["angry_index"]) for n in sessions}
        self._input = {n: s.get_inputs()[0].name for n, s in sessions.items()}
        self._output = {n: _probability_output(s) for n, s in sessions.items()}
        self._fusion = {n: float(w) for n, w in meta["speaker_fusion"].items()}
        self._pop_fusion = {
            n: float(w) for n, w in meta.get("population_fusion", {POPULATION: 1.0}).items()
        }
        damping = meta.get("excitement_damping") or {}
        self._damping = float(damping.get("weight", 0.0))
        self._damping_eps = float(damping.get("eps", 1e-4))
        self._happy_index = {
            n: int(meta["models"][n]["happy_index"])
            for n in sessions
            if "happy_index" in meta["models"][n]
        }
        self._embedder = embedder
        self._phases = tuple(float(p) for p in meta.get("encoder_phases_s", (0.0,)))
        mean = meta.get("speaker_mean", "arithmetic")
        if mean not in ("arithmetic", "geometric"):
            raise ModelError(f"tone model: unknown speaker_mean {mean!r} in tone.json")
        self._geometric = mean == "geometric"
        cal = meta.get("calibration", {})
        self._calibration = {
            mode: Calibration(float(cal[mode]["slope"]), float(cal[mode]["intercept"]))
            if mode in cal
            else Calibration()
            for mode in ("population", "speaker")
        }

    @property
    def uses_encoder(self) -> bool:
        return self._embedder is not None

    @property
    def embedder(self) -> WhisperEmbedder | None:
        return self._embedder

    @property
    def encoder_phases_s(self) -> tuple[float, ...]:
        """The leads of silence the Whisper view is read behind (tone.json "encoder_phases_s")."""
        return self._phases

    def with_encoder_phases(self, phases_s: Sequence[float]) -> ToneScorer:
        """This scorer reading the Whisper view behind other leads (benchmarks compare them)."""
        other = copy.copy(self)
        other._phases = tuple(float(p) for p in phases_s) or (0.0,)
        return other

    def features(self, audio: np.ndarray, sr: int = 16000) -> ToneFeatures:
        """Everything the models need from one utterance: prosodic features plus, when the
        shipped model uses it, the mean Whisper-encoder frame."""
        feats = extract_features(audio, sr)
        if self._embedder is not None and feats.speech_s >= MIN_SPEECH_S:
            embedding = self._embedder.embed(audio, sr, self._phases)
            return dataclasses.replace(feats, embedding=embedding)
        return feats

    def _probs(self, name: str, x: np.ndarray) -> np.ndarray:
        return self._sessions[name].run([self._output[name]], {self._input[name]: x})[0][0]

    def _p_angry(self, name: str, x: np.ndarray) -> float:
        return float(self._probs(name, x)[self._index[name]])

    def score_features(self, feats: ToneFeatures, baseline: SpeakerBaseline | None = None) -> float:
        """Score from features; relative to `baseline` when it is ready, else population norms."""
        return self.read(feats, baseline).score

    def read(self, feats: ToneFeatures, baseline: SpeakerBaseline | None = None) -> ToneReading:
        """The calibrated score and whether the speaker's own baseline was used."""
        p, mode = self._raw(feats, baseline)
        return ToneReading(self._calibration[mode](p) if p > 0.0 else 0.0, mode == "speaker")

    def read_turn(
        self,
        audio: np.ndarray,
        feats: ToneFeatures,
        baseline: SpeakerBaseline | None = None,
        sr: int = 16000,
    ) -> ToneReading:
        """The reading of one closed turn. `read(feats, baseline)` of the whole turn, except
        for a turn longer than LONG_TURN_S that has pauses, judged against a ready baseline,
        where one of its sentences (`turn_parts`), read as an utterance of its own, reaches
        CONFIDENT_SENTENCE: then that sentence's reading, if higher. `feats` are
        `features(audio, sr)` (the speaker baseline learns from them)."""
        whole = self.read(feats, baseline)
        x = np.asarray(audio, dtype=np.float32).reshape(-1)
        if not whole.baseline or x.size <= LONG_TURN_S * sr:
            return whole
        parts = turn_parts(x, sr)
        if not parts:
            return whole
        loudest = max(self.read(self.features(x[s:e], sr), baseline).score for s, e in parts)
        if loudest < CONFIDENT_SENTENCE:
            return whole
        return ToneReading(max(whole.score, loudest), whole.baseline)

    def raw_score(self, feats: ToneFeatures, baseline: SpeakerBaseline | None = None) -> float:
        """The models' P(angry) before calibration (what the calibration is fitted on)."""
        return self._raw(feats, baseline)[0]

    def _raw(self, feats: ToneFeatures, baseline: SpeakerBaseline | None) -> tuple[float, str]:
        ref = baseline.mean if baseline is not None and baseline.ready else None
        if baseline is None or ref is None:
            if feats.speech_s < MIN_SPEECH_S:
                return 0.0, "population"
            inputs = self._population_inputs(feats)
            used = {n: w for n, w in self._pop_fusion.items() if n in inputs}
            p = sum(w * self._p_angry(n, inputs[n]) for n, w in used.items())
            p /= sum(used.values())
            mode = "population"
        else:
            if feats.speech_s < MIN_SPEECH_S:
                return 0.0, "speaker"
            inputs = self._speaker_inputs(feats, ref, baseline)
            used = {n: w for n, w in self._fusion.items() if n in inputs}
            probs = {n: self._p_angry(n, inputs[n]) for n in used}
            p = self._damped(self._speaker_mean(probs, used), feats)
            mode = "speaker"
        return (min(1.0, max(0.0, p)) if np.isfinite(p) else 0.0), mode

    def _speaker_mean(self, probs: dict[str, float], weights: dict[str, float]) -> float:
        """The speaker models' P(angry) combined: their weighted mean, or (tone.json
        "speaker_mean": "geometric") their weighted geometric mean, high only when every view
        hears anger."""
        total = sum(weights.values())
        if self._geometric:
            logs = sum(w * math.log(max(probs[n], 1e-6)) for n, w in weights.items())
            return math.exp(logs / total)
        return sum(w * probs[n] for n, w in weights.items()) / total

    def _population_inputs(self, feats: ToneFeatures) -> dict[str, np.ndarray]:
        inputs = {POPULATION: feats.population_vector[None, :].astype(np.float32)}
        if POPULATION_WHISPER in self._sessions and feats.embedding is not None:
            inputs[POPULATION_WHISPER] = feats.embedding[None, :].astype(np.float32)
        return inputs

    def _damped(self, p: float, feats: ToneFeatures) -> float:
        """The speaker score lowered (never raised) when the Whisper population view hears more
        happiness than anger: logit(p) + weight * min(0, log P(angry) - log P(happy))."""
        if not self._damping or feats.embedding is None or POPULATION_WHISPER not in self._sessions:
            return p
        probs = self._probs(POPULATION_WHISPER, feats.embedding[None, :].astype(np.float32))
        eps = self._damping_eps
        angry = float(probs[self._index[POPULATION_WHISPER]])
        happy = float(probs[self._happy_index[POPULATION_WHISPER]])
        ratio = math.log(angry + eps) - math.log(happy + eps)
        q = min(max(p, 1e-6), 1.0 - 1e-6)
        z = math.log(q / (1.0 - q)) + self._damping * min(ratio, 0.0)
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def _speaker_inputs(
        self, feats: ToneFeatures, ref: np.ndarray, baseline: SpeakerBaseline
    ) -> dict[str, np.ndarray]:
        values = feats.values.astype(np.float64)
        inputs = {SPEAKER: (values[:N_FEAT] - ref[:N_FEAT])[None, :].astype(np.float32)}
        ref_emb = baseline.embedding_mean
        if SPEAKER_WHISPER in self._fusion and feats.embedding is not None and ref_emb is not None:
            inputs[SPEAKER_WHISPER] = (feats.embedding - ref_emb)[None, :].astype(np.float32)
        return inputs

    def score(
        self, audio: np.ndarray, baseline: SpeakerBaseline | None = None, sr: int = 16000
    ) -> float:
        """Score one utterance of mono audio."""
        return self.score_features(self.features(audio, sr), baseline)

    def window_scores(
        self,
        audio: np.ndarray,
        baseline: SpeakerBaseline | None = None,
        window_s: float = 0.5,
        sr: int = 16000,
    ) -> list[float]:
        """One score per `window_s` of audio, for early live readings.

        Each window is scored together with up to two windows before it (1.5 s at the default),
        because pitch range and loudness variation need more than half a second to mean much.
        Windows use the prosodic models only (with a baseline: the speaker feature model).
        """
        x = np.asarray(audio).reshape(-1)
        step = max(1, round(window_s * sr))
        n = int(np.ceil(x.size / step)) if x.size else 0
        scores = []
        for i in range(n):
            start = max(0, (i + 1 - WINDOW_CONTEXT) * step)
            # prosodic features only: the encoder view is for whole utterances (a 0.5 s step
            # would run the encoder four times per second of audio)
            feats = extract_features(x[start : (i + 1) * step], sr)
            scores.append(self.score_features(feats, baseline))
        return scores


def _probability_output(session: Any) -> str:
    names = [o.name for o in session.get_outputs()]
    return "probabilities" if "probabilities" in names else names[-1]


def _check_sums(model_dir: Path) -> None:
    sums = model_dir / "SHA256SUMS"
    if not sums.is_file():
        raise ModelError(f"tone model: {sums} is missing")
    for line in sums.read_text().splitlines():
        if not line.strip():
            continue
        digest, name = line.split(maxsplit=1)
        path = model_dir / name.strip()
        if not path.is_file():
            raise ModelError(f"tone model: {path} is missing")
        if file_sha256(path) != digest:
            raise ModelError(f"tone model: {path} does not match its sha256 (corrupt or replaced)")


def _load(model_dir: Path, threads: int, encoder_threads: int) -> ToneScorer:
    _check_sums(model_dir)
    try:
        meta = json.loads((model_dir / "tone.json").read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"tone model: cannot read {model_dir / 'tone.json'}: {exc}") from exc
    if (
        tuple(meta.get("population_features", ())) != POPULATION_NAMES
        or tuple(meta.get("speaker_features", ())) != FEATURE_NAMES
        or tuple(meta.get("baseline_features", ())) != BASELINE_NAMES
    ):
        raise ModelError("tone model: trained on other features than this version extracts")
    try:
        from app.inference import inference_session, onnxruntime

        ort = onnxruntime()
    except ImportError as exc:
        raise ModelError("tone model: onnxruntime is not installed") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # skl2onnx graphs carry an unused initializer ORT warns about
    n_inputs = {
        POPULATION: N_POP,
        SPEAKER: N_FEAT,
        SPEAKER_WHISPER: N_EMB,
        POPULATION_WHISPER: N_EMB,
    }
    fusion = meta.get("speaker_fusion")
    if not isinstance(fusion, dict) or SPEAKER not in fusion or set(fusion) - set(n_inputs):
        raise ModelError(f"tone model: {model_dir / 'tone.json'} names unknown speaker models")
    population = meta.get("population_fusion", {POPULATION: 1.0})
    if not isinstance(population, dict) or set(population) - {POPULATION, POPULATION_WHISPER}:
        raise ModelError(f"tone model: {model_dir / 'tone.json'} names unknown population models")
    damping = meta.get("excitement_damping") or {}
    damping_view = () if not damping else (damping.get("model"),)
    if damping_view and damping_view != (POPULATION_WHISPER,):
        raise ModelError(f"tone model: {model_dir / 'tone.json'} names an unknown damping model")
    sessions = {}
    for name in dict.fromkeys((POPULATION, *population, *fusion, *damping_view)):
        n_in = n_inputs[name]
        try:
            sess = inference_session(model_dir / name, opts)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"tone model: cannot load {model_dir / name}: {exc}") from exc
        if sess.get_inputs()[0].shape[-1] != n_in:
            raise ModelError(f"tone model: {name} expects another number of features")
        sessions[name] = sess
    embedder = None
    whisper_views = [n for n in (SPEAKER_WHISPER, POPULATION_WHISPER) if n in sessions]
    if whisper_views:
        expected = meta.get("models", {}).get(whisper_views[0], {}).get("encoder_sha256")
        if not expected:
            raise ModelError("tone model: tone.json does not record the Whisper encoder's sha256")
        embedder = load_embedder(expected, encoder_threads)
    try:
        return ToneScorer(sessions, meta, embedder)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"tone model: {model_dir / 'tone.json'} is incomplete: {exc}") from exc


def load_tone_scorer(
    model_dir: Path | None = None, threads: int = 1, encoder_threads: int | None = None
) -> ToneScorer:
    """Load (once per folder and thread counts) the shipped tone model; raises ModelError.

    `threads` is for the ONNX models; `encoder_threads` (default: `threads`) for the Whisper
    encoder. Give the speech recogniser's thread count when it runs the bundled tiny.en at int8:
    the two then share one loaded model (`app.asr.transcriber.load_whisper_model`)."""
    folder = (model_dir or models_dir() / "tone").resolve()
    key = (folder, threads, threads if encoder_threads is None else encoder_threads)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(*key)
        return _cache[key]
