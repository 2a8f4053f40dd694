"""The tone scorer: ONNX models over prosodic features and log-mel frames, with or without a
speaker baseline.

Without a ready baseline one population model scores level-invariant features. With one, two
speaker models score the utterance relative to the speaker's calm reference: a logistic regression
on feature differences and a small CNN on log-mel frames minus the reference's mean spectrum; the
score is their weighted mean (weights in tone.json).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from app.paths import models_dir
from app.scoring.tone.baseline import SpeakerBaseline
from app.scoring.tone.features import (
    BASELINE_NAMES,
    FEATURE_NAMES,
    N_FEAT,
    N_POP,
    POPULATION_NAMES,
    ToneFeatures,
    extract_features,
)

try:
    from app.errors import ModelError
except ImportError:  # pragma: no cover - the package may be used without the app's error module

    class ModelError(Exception):  # type: ignore[no-redef]
        """A shipped model is missing, corrupt or does not match its checksum."""


MIN_SPEECH_S = 0.15  # less active speech than this carries no tone evidence: score 0
WINDOW_CONTEXT = 3  # live windows are scored on up to this many trailing windows of audio

_cache: dict[tuple[Path, int], ToneScorer] = {}
_cache_lock = threading.Lock()


POPULATION = "tone_population.onnx"
SPEAKER = "tone_speaker.onnx"
SPEAKER_LOGMEL = "tone_speaker_logmel.onnx"


class ToneScorer:
    """Probability-like anger-in-the-voice score in [0, 1] for one utterance."""

    def __init__(self, sessions: dict[str, Any], meta: dict[str, Any]) -> None:
        self._sessions = sessions
        self._index = {n: int(meta["models"][n]["angry_index"]) for n in sessions}
        self._input = {n: s.get_inputs()[0].name for n, s in sessions.items()}
        self._output = {n: _probability_output(s) for n, s in sessions.items()}
        self._fusion = {n: float(w) for n, w in meta["speaker_fusion"].items()}
        self._mel_scale = float(meta["models"][SPEAKER_LOGMEL]["scale_db"])

    def _p_angry(self, name: str, x: np.ndarray) -> float:
        out = self._sessions[name].run([self._output[name]], {self._input[name]: x})[0]
        return float(out[0, self._index[name]])

    def score_features(self, feats: ToneFeatures, baseline: SpeakerBaseline | None = None) -> float:
        """Score from features; relative to `baseline` when it is ready, else population norms."""
        if feats.speech_s < MIN_SPEECH_S:
            return 0.0
        ref = baseline.mean if baseline is not None and baseline.ready else None
        if ref is None:
            p = self._p_angry(POPULATION, feats.population_vector[None, :].astype(np.float32))
        else:
            values = feats.values.astype(np.float64)
            delta = (values[:N_FEAT] - ref[:N_FEAT])[None, :].astype(np.float32)
            mel = (feats.logmel - ref[N_FEAT:]) / self._mel_scale
            inputs = {SPEAKER: delta, SPEAKER_LOGMEL: mel[None, :, :].astype(np.float32)}
            p = sum(w * self._p_angry(n, inputs[n]) for n, w in self._fusion.items())
            p /= sum(self._fusion.values())
        return min(1.0, max(0.0, p)) if np.isfinite(p) else 0.0

    def score(
        self, audio: np.ndarray, baseline: SpeakerBaseline | None = None, sr: int = 16000
    ) -> float:
        """Score one utterance of mono audio."""
        return self.score_features(extract_features(audio, sr), baseline)

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
        """
        x = np.asarray(audio).reshape(-1)
        step = max(1, round(window_s * sr))
        n = int(np.ceil(x.size / step)) if x.size else 0
        scores = []
        for i in range(n):
            start = max(0, (i + 1 - WINDOW_CONTEXT) * step)
            scores.append(self.score(x[start : (i + 1) * step], baseline, sr))
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
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ModelError(f"tone model: {path} does not match its sha256 (corrupt or replaced)")


def _load(model_dir: Path, threads: int) -> ToneScorer:
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
        import onnxruntime as ort
    except ImportError as exc:
        raise ModelError("tone model: onnxruntime is not installed") from exc
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3  # skl2onnx graphs carry an unused initializer ORT warns about
    sessions = {}
    for name, n_in in (
        (POPULATION, N_POP),
        (SPEAKER, N_FEAT),
        (SPEAKER_LOGMEL, len(BASELINE_NAMES) - N_FEAT),
    ):
        try:
            sess = ort.InferenceSession(
                str(model_dir / name), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ModelError(f"tone model: cannot load {model_dir / name}: {exc}") from exc
        if sess.get_inputs()[0].shape[-1] != n_in:
            raise ModelError(f"tone model: {name} expects another number of features")
        sessions[name] = sess
    try:
        return ToneScorer(sessions, meta)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"tone model: {model_dir / 'tone.json'} is incomplete: {exc}") from exc


def load_tone_scorer(model_dir: Path | None = None, threads: int = 1) -> ToneScorer:
    """Load (once per folder and thread count) the shipped tone model; raises ModelError."""
    folder = (model_dir or models_dir() / "tone").resolve()
    key = (folder, threads)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = _load(folder, threads)
        return _cache[key]
