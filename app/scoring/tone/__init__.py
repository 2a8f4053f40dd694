"""Frustration from tone of voice: prosodic features, speaker baseline and the ONNX tone model."""

from app.scoring.tone.baseline import SpeakerBaseline
from app.scoring.tone.features import (
    BASELINE_NAMES,
    POPULATION_NAMES,
    ToneFeatures,
    extract_features,
)
from app.scoring.tone.model import ModelError, ToneReading, ToneScorer, load_tone_scorer

__all__ = [
    "BASELINE_NAMES",
    "POPULATION_NAMES",
    "ModelError",
    "SpeakerBaseline",
    "ToneFeatures",
    "ToneReading",
    "ToneScorer",
    "extract_features",
    "load_tone_scorer",
]
