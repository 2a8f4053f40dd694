"""The coach's frustration thresholds, resolved once per run into an immutable object.

Where they come from, in order: the settings (`coach.elevated`, `coach.high`) when a site set
them; otherwise the fusion's thresholds (models/fusion/fusion.json "thresholds"): the coach
compares them with the fused tone + words score, and the fused score of a calm voice sits a
little above its words score, so the words model's dev thresholds (models/words/thresholds.json)
are carried through the fitted fusion at a typical calm voice (models/fusion/fit.py). The words
model's own thresholds are the fallback when the fusion file carries none. The same object is
handed to the coach and to the report, and nothing is written back into the caller's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.config import CoachSettings


@dataclass(frozen=True, slots=True)
class Thresholds:
    elevated: float
    high: float
    steep_rise: float = 0.25
    source: str = "fusion (words model's dev thresholds at a calm voice)"
    # the calibrated tone at which the voice alone makes a turn high (app/scoring/escalation.py);
    # 0 = any high turn counts on its own (a fusion file without the value)
    voice_alone: float = 0.0
    # the words score at which the words alone (a voice under `elevated`) make a turn high
    # (app/scoring/escalation.py); 0 = off (a fusion file without the value)
    words_alone: float = 0.0
    # the fusion's cut-off for pleased words (app/scoring/fusion.py), reported for the reader of
    # the scores: a turn at or over it, with a voice under voice_alone, was scored as calm-voiced;
    # 0 = no such reading (a fusion file without the value)
    pleased: float = 0.0

    def to_report(self) -> dict[str, float | str]:
        return {
            "elevated": round(self.elevated, 3),
            "high": round(self.high, 3),
            "steep_rise": round(self.steep_rise, 3),
            "voice_alone": round(self.voice_alone, 3),
            "words_alone": round(self.words_alone, 3),
            "pleased": round(self.pleased, 3),
            "source": self.source,
        }


FUSION_SOURCE = "fusion (words model's dev thresholds at a calm voice)"
WORDS_SOURCE = "words model (dev data)"


def _model_thresholds() -> tuple[dict[str, float], str]:
    from app.scoring.fusion import fusion_thresholds
    from app.scoring.words import WORDS_THRESHOLDS  # numpy only; onnxruntime stays lazy

    fused = fusion_thresholds()
    if fused is not None:
        return fused, FUSION_SOURCE
    return dict(WORDS_THRESHOLDS), WORDS_SOURCE


def resolve_thresholds(
    coach: CoachSettings | None = None, model: Mapping[str, float] | None = None
) -> Thresholds:
    """One Thresholds from the settings' overrides and the words model's values."""
    coach = coach or CoachSettings()
    if model is not None:
        base, model_source = dict(model), "given thresholds"
    else:
        base, model_source = _model_thresholds()
    overridden = [n for n in ("elevated", "high") if getattr(coach, n) is not None]
    elevated = coach.elevated if coach.elevated is not None else base["elevated"]
    high = coach.high if coach.high is not None else base["high"]
    if not 0.0 <= elevated <= high <= 1.0:
        raise ValueError(
            f"coach thresholds must satisfy 0 <= elevated <= high <= 1 (got {elevated}, {high})"
        )
    source = model_source
    if len(overridden) == 2:
        source = "settings"
    elif overridden:
        source = f"settings ({overridden[0]}) + {model_source}"
    voice_alone = coach.voice_alone if coach.voice_alone is not None else base.get("voice_alone")
    words_alone = coach.words_alone if coach.words_alone is not None else base.get("words_alone")
    return Thresholds(
        float(elevated),
        float(high),
        float(coach.steep_rise),
        source,
        float(voice_alone or 0.0),
        float(words_alone or 0.0),
        float(base.get("pleased") or 0.0),
    )
