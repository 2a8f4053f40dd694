"""What the QA review window shows, computed without Qt: waveform peaks of a recording, the
transcript's time-to-line mapping, the call list's filters, reading reports; `analysis` runs the
pipeline on a recording (import it on use: it loads the models). `app/ui/review` draws them."""

from app.review.call_list import CallQuery, CallRow, filter_rows, row_from_report
from app.review.peaks import Peaks, compute_peaks, load_or_compute_peaks
from app.review.transcript import TranscriptTimeline

__all__ = [
    "CallQuery",
    "CallRow",
    "Peaks",
    "TranscriptTimeline",
    "compute_peaks",
    "filter_rows",
    "load_or_compute_peaks",
    "row_from_report",
]
