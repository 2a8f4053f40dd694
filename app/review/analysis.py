"""Analysing a recording for the review window: the same pipeline and report as `callcoach
analyze` (`analyze_call` + `build_report`), with progress and a way to stop part-way."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.audio.reader import probe
from app.config import Settings
from app.events import Event
from app.pipeline import Models, analyze_call, load_models
from app.report.call_report import build_report


class AnalysisCancelled(Exception):
    """The reviewer cancelled the analysis."""


_models: dict[str, Models] = {}
_models_lock = threading.Lock()


def shared_models(settings: Settings) -> Models:
    """Models loaded once per process and settings (the window may analyse several calls)."""
    key = repr((settings.asr, settings.scoring, settings.coach))
    with _models_lock:
        if key not in _models:
            _models[key] = load_models(settings)
        return _models[key]


def analyse_recording(
    path: Path,
    settings: Settings,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The call's report dict. Raises AudioReadError for unreadable audio and
    AnalysisCancelled when `cancelled()` turns True (checked at each pipeline event)."""
    duration = probe(path).duration_s
    if cancelled is not None and cancelled():
        raise AnalysisCancelled(path.name)
    models = shared_models(settings)

    def sink(event: Event) -> None:
        if cancelled is not None and cancelled():
            raise AnalysisCancelled(path.name)
        t = getattr(event, "end", None) or getattr(event, "t", None) or 0.0
        if progress is not None and duration > 0:
            progress(min(float(t) / duration, 0.99))

    result = analyze_call(path, settings, models, [sink])
    report = build_report(result, settings, getattr(models, "thresholds", None))
    if progress is not None:
        progress(1.0)
    return report
