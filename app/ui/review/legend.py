"""How the review window colours and names things, shared by its panels: the HTML report's
outcome colours and words (one legend for both), the speakers' colours, and times as a clock."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from app.report import frustration_plot as plot

OUTCOME_COLOURS = plot.OUTCOME_COLOURS
OUTCOME_LABELS = plot.OUTCOME_LABELS
SPEAKER_COLOURS = {"agent": plot.AGENT, "customer": plot.CUSTOMER}
TREND_COLOUR = plot.TREND
# the outcomes the timeline's legend names, in this order (only those a call has)
LEGEND = ("followed", "done", "ignored", "dismissed", "superseded", "shown", "not_shown")


def outcome_colour(outcome: str, palette: QPalette | None = None) -> QColor:
    """The report's colour for an outcome; "shown" (near-black in the report) takes the
    palette's text colour so it stays visible on a dark palette."""
    if outcome not in OUTCOME_COLOURS or outcome == "shown":
        if palette is not None:
            return palette.color(QPalette.ColorRole.Text)
        outcome = "shown"
    return QColor(OUTCOME_COLOURS[outcome])


def clock_text(t: float) -> str:
    t = max(int(t), 0)
    h, rest = divmod(t, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"
