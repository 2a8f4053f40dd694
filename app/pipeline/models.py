"""Loading every model the pipeline needs, once, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass

from app.asr.transcriber import Transcriber, load_transcriber
from app.coaching.playbook import Playbook, load_playbook
from app.config import Settings
from app.pipeline.backend import WordsModel
from app.scoring.tone import load_tone_scorer
from app.scoring.tone.model import ToneScorer
from app.scoring.words import WORDS_THRESHOLDS, load_words_scorer


@dataclass
class Models:
    transcriber: Transcriber
    words: WordsModel
    tone: ToneScorer
    playbook: Playbook


def load_models(settings: Settings) -> Models:
    """Raises ModelError / PlaybookError with a message for the user.

    Coach thresholds left unset in the settings are filled in from the words model's
    thresholds, chosen on its dev data, so every consumer of `settings` sees the same values.
    """
    if settings.coach.elevated is None:
        settings.coach.elevated = WORDS_THRESHOLDS["elevated"]
    if settings.coach.high is None:
        settings.coach.high = WORDS_THRESHOLDS["high"]
    threads = settings.scoring.threads
    # the tone model's Whisper encoder first: loading a CTranslate2 model briefly needs ~110 MB
    # more than it keeps, so the two encoders' loads peak lower while little else is resident
    tone = load_tone_scorer(threads=threads)
    return Models(
        transcriber=load_transcriber(settings.asr),
        words=load_words_scorer(threads=threads),
        tone=tone,
        playbook=load_playbook(settings.coach.playbook or None),
    )
