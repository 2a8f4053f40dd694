"""What the review window runs off the GUI thread: analysing a recording (or taking the call
store's earlier analysis of the same audio, made the same way) and reading its waveform peaks
(from their cache when it has them). Each is a cancellable `Job`; the window connects to its
signals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import Settings
from app.review.peaks import PeaksCancelled, load_or_compute_peaks
from app.review.stored_calls import ReviewStore
from app.ui.review.jobs import Job

Analyse = Callable[[Path, Settings, Callable[[float], None], Callable[[], bool]], dict[str, Any]]


def default_analyse(
    path: Path, settings: Settings, progress: Callable[[float], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    from app.review.analysis import analyse_recording  # loads the models: only when needed

    return analyse_recording(path, settings, progress, cancelled)


def analysis_job(
    path: Path, settings: Settings, analyse: Analyse, stored: ReviewStore | None
) -> Job:
    """A job whose result is the recording's report; with a store, an earlier analysis is
    reused and a new one is saved (the report then has `call_id` and empty `notes`)."""
    from app.review.analysis import AnalysisCancelled

    def work(progress: Callable[[float], None], cancelled: Callable[[], bool]) -> Any:
        if stored is not None:  # analysed before, the same way: no need to wait
            call_id = stored.analysed_before(path)
            if call_id is not None:
                return stored.load(call_id)[0]
        report = analyse(path, settings, progress, cancelled)
        if stored is not None:
            report["call_id"] = stored.save_analysis(report, path)
            report["notes"] = []
        return report

    return Job(work, "review-analysis", (AnalysisCancelled,))


def peaks_job(audio: Path, cache: Path | None) -> Job:
    """A job whose result is the recording's `Peaks` (cached in `cache`)."""
    return Job(
        lambda p, c: load_or_compute_peaks(audio, cache, p, c),
        "review-peaks",
        (PeaksCancelled,),
    )
