"""Loading every model the pipeline needs, once, with clear errors."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.asr.transcriber import Transcriber, load_transcriber
from app.coaching.playbook import Playbook, load_playbook
from app.coaching.scorecard import Scorecard, load_scorecard
from app.coaching.thresholds import Thresholds, resolve_thresholds
from app.config import Settings
from app.pipeline.backend import WordsModel
from app.scoring.fusion import load_fusion
from app.scoring.tone import load_tone_scorer
from app.scoring.tone.embedding import COMPUTE_TYPE as ENCODER_COMPUTE_TYPE
from app.scoring.tone.embedding import encoder_path
from app.scoring.tone.model import ToneScorer
from app.scoring.words import load_words_scorer


@dataclass
class Models:
    transcriber: Transcriber
    words: WordsModel
    tone: ToneScorer
    playbook: Playbook
    # resolved once (settings override, else the fusion's thresholds); the coach and
    # the report both take this object, and the caller's settings are left as they were
    thresholds: Thresholds = field(default_factory=lambda: resolve_thresholds())
    scorecard: Scorecard | None = None  # checked at load: a bad site file fails before a call


def load_models(settings: Settings) -> Models:
    """Raises ModelError / PlaybookError / ScorecardError with a message for the user.

    Coach thresholds are resolved once here (`Models.thresholds`): the settings' values where
    set, else the fusion's (the words model's dev thresholds carried through the fitted fusion
    at a calm voice, models/fusion/fusion.json); `settings` is not modified.
    """
    # the site's files first: a mistake in them is reported before any model loads
    playbook = load_playbook(settings.coach.playbook or None)
    scorecard = load_scorecard(settings.coach.scorecard or None, playbook)
    load_fusion()  # checked now, so that a corrupt file is reported before the call starts
    thresholds = resolve_thresholds(settings.coach)
    threads = settings.scoring.threads
    transcriber = load_transcriber(settings.asr)
    # the tone model's encoder is the bundled tiny.en at int8: when the speech model is that same
    # model, the two share one loaded copy (~55 MB less resident, one load's transient less);
    # it then runs with the speech model's threads (its output does not depend on them)
    shared = (
        transcriber.model_path.resolve() == encoder_path().resolve()
        and settings.asr.compute_type == ENCODER_COMPUTE_TYPE
    )
    tone = load_tone_scorer(
        threads=threads, encoder_threads=settings.asr.threads if shared else None
    )
    return Models(
        transcriber=transcriber,
        words=load_words_scorer(threads=threads),
        tone=tone,
        playbook=playbook,
        thresholds=thresholds,
        scorecard=scorecard,
    )
