"""The coach's frustration thresholds, resolved once per run into an immutable object.

Where they come from, in order: the settings (`coach.elevated`, `coach.high`) when a site set
them; otherwise the words model's thresholds, chosen on its dev data (models/words/
thresholds.json). The same object is handed to the coach and to the report, and nothing is
written back into the caller's settings.
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
    source: str = "words model (dev data)"

    def to_report(self) -> dict[str, float | str]:
        return {
            "elevated": round(self.elevated, 3),
            "high": round(self.high, 3),
            "steep_rise": round(self.steep_rise, 3),
            "source": self.source,
        }


def model_thresholds() -> dict[str, float]:
    """The words model's dev-chosen thresholds (read from its folder at import)."""
    from app.scoring.words import WORDS_THRESHOLDS  # numpy only; onnxruntime stays lazy

    return dict(WORDS_THRESHOLDS)


def resolve_thresholds(
    coach: CoachSettings | None = None, model: Mapping[str, float] | None = None
) -> Thresholds:
    """One Thresholds from the settings' overrides and the words model's values."""
    coach = coach or CoachSettings()
    base = dict(model) if model is not None else model_thresholds()
    overridden = [n for n in ("elevated", "high") if getattr(coach, n) is not None]
    elevated = coach.elevated if coach.elevated is not None else base["elevated"]
    high = coach.high if coach.high is not None else base["high"]
    if not 0.0 <= elevated <= high <= 1.0:
        raise ValueError(
            f"coach thresholds must satisfy 0 <= elevated <= high <= 1 (got {elevated}, {high})"
        )
    source = "words model (dev data)"
    if len(overridden) == 2:
        source = "settings"
    elif overridden:
        source = f"settings ({overridden[0]}) + words model (dev data)"
    return Thresholds(float(elevated), float(high), float(coach.steep_rise), source)
