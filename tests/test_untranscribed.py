"""Speech the VAD found but the speech model heard no words in is never dropped silently: the
report's warnings say where and how much, for each speaker (analyze and the live path alike)."""

from __future__ import annotations

import dataclasses

import numpy as np

from app.config import Settings
from app.paths import ASSETS_DIR
from app.pipeline import analyze_call
from app.report.call_report import build_report

DEMO = ASSETS_DIR / "demo_call_resolved.ogg"


class _DeafAt:
    """The real speech model, except that it hears nothing in the `nth` utterance it is given
    (what Whisper's no-speech filter does to noise or very unclear speech)."""

    def __init__(self, real, nth: int) -> None:  # type: ignore[no-untyped-def]
        self.real, self.nth, self.calls = real, nth, 0

    def transcribe(self, audio: np.ndarray, prompt: str = "") -> str:
        self.calls += 1
        return "" if self.calls == self.nth else self.real.transcribe(audio, prompt)


def test_speech_with_no_words_recognised_is_a_warning_in_the_report(models) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    clean = build_report(analyze_call(DEMO, settings, models), settings, models.thresholds)
    assert not [w for w in clean["warnings"] if w["what"] == "speech not transcribed"]

    deaf = dataclasses.replace(models, transcriber=_DeafAt(models.transcriber, nth=3))
    report = build_report(analyze_call(DEMO, settings, deaf), settings, models.thresholds)
    assert len(report["utterances"]) == len(clean["utterances"]) - 1
    lost = next(
        u for u in clean["utterances"] if u not in report["utterances"]
    )  # the utterance that got no words
    (warning,) = [w for w in report["warnings"] if w["what"] == "speech not transcribed"]
    assert warning["count"] == 1
    assert warning["detail"].startswith(f"{lost['speaker']}: ")
    assert abs(warning["where"] - lost["start"]) < 0.05
    assert abs(warning["how_long"] - (lost["end"] - lost["start"])) < 0.05
