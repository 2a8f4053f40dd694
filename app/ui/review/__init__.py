"""The QA review window (issue 18): replay a call with its waveforms, frustration curves, cards
and transcript in step; judge it and export it. Non-Qt logic lives in `app.review`."""

from app.ui.review.launch import run_review
from app.ui.review.window import ReviewWindow

__all__ = ["ReviewWindow", "run_review"]
