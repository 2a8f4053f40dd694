"""The call at a glance: both channels' waveforms, both speakers' frustration curves, the coach's
cards as markers coloured by what happened to them, follow-up reminders and the playhead.

The waveform comes from precomputed peaks (`app.review.peaks`), reduced to the widget's pixels
once per size and kept as a pixmap: a one-hour call repaints as fast as a one-minute one.
Clicking a marker selects that card and seeks to it; clicking anywhere else seeks there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.review.peaks import Peaks
from app.ui.review.legend import clock_text
from app.ui.review.timeline_picture import RULER_H, draw_picture

MIN_VIEW_S = 5.0  # the closest zoom
END_MARGIN = 16
MARKER_HIT_PX = 6


class TimelineView(QWidget):
    seek_requested = Signal(float)
    prompt_clicked = Signal(int)  # index into the report's prompts

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.duration_s = 0.0
        self.speakers: list[str] = []
        self.peaks: Peaks | None = None
        self.peaks_note = ""  # shown in the waveform lanes while there are no peaks
        self.utterances: list[Mapping[str, Any]] = []
        self.trend: list[Mapping[str, Any]] = []
        self.prompts: list[Mapping[str, Any]] = []
        self.follow_up: set[int] = set()  # prompt indexes that are after-call reminders
        self.selected_prompt: int | None = None
        self.position = 0.0
        self.view: tuple[float, float] | None = None  # zoomed-in stretch of the call; None: all
        self._wave_cache: QPixmap | None = None
        self._wave_key: tuple[Any, ...] = ()

    def sizeHint(self) -> QSize:
        return QSize(900, 260)

    # ------------------------------------------------------------------ data
    def set_call(self, report: Mapping[str, Any], follow_up: set[int]) -> None:
        self.duration_s = float(report.get("duration_s") or 0.0)
        self.speakers = [str(s) for s in report.get("speakers") or []]
        self.utterances = list(report.get("utterances") or [])
        self.trend = list(report.get("trend") or [])
        self.prompts = list(report.get("prompts") or [])
        self.follow_up = set(follow_up)
        self.selected_prompt = None
        self.position = 0.0
        self.view = None
        self.set_peaks(None, "")
        self.update()

    def set_peaks(self, peaks: Peaks | None, note: str = "") -> None:
        self.peaks = peaks
        self.peaks_note = note
        if peaks is not None and peaks.duration_s > self.duration_s:
            self.duration_s = peaks.duration_s
        self._wave_cache = None
        self.update()

    def set_position(self, t: float) -> None:
        if t == self.position:
            return
        if self.view is not None and not self.view[0] <= t <= self.view[1]:
            self.position = t  # playback left the zoomed stretch: the view follows it
            self.zoom(self.view[1] - self.view[0], around=t, anchor=0.1)
            return
        old = self.x_of(self.position)
        self.position = t
        new = self.x_of(t)
        h = self.height()
        self.update(QRectF(min(old, new) - 3, 0, abs(new - old) + 6, h).toAlignedRect())

    def select_prompt(self, index: int | None) -> None:
        self.selected_prompt = index
        self.update()  # the picture's key includes the selection: redrawn once

    # ------------------------------------------------------------------ geometry
    def lanes(self) -> tuple[list[QRectF], QRectF]:
        """The waveform lanes (one per channel) and the curves lane."""
        w, h = float(self.width()), float(self.height())
        body = h - RULER_H
        channels = self.peaks.channels if self.peaks is not None else max(len(self.speakers), 1)
        wave_h = body * 0.55 / channels
        lanes = [QRectF(0, RULER_H + i * wave_h, w, wave_h) for i in range(channels)]
        curves_top = RULER_H + channels * wave_h
        return lanes, QRectF(0, curves_top, w, h - curves_top)

    def span_px(self) -> float:
        """Pixels the call spans: a margin at the right keeps cards at the very end (the
        after-call reminders) visible."""
        return max(self.width() - END_MARGIN, 1.0)

    def visible_range(self) -> tuple[float, float]:
        return self.view if self.view is not None else (0.0, self.duration_s)

    def x_of(self, t: float) -> float:
        v0, v1 = self.visible_range()
        if v1 <= v0:
            return 0.0
        return (t - v0) / (v1 - v0) * self.span_px()

    def time_at(self, x: float) -> float:
        v0, v1 = self.visible_range()
        return min(max(v0 + x / self.span_px() * (v1 - v0), 0.0), self.duration_s)

    def marker_x(self, index: int) -> float:
        """A card's x; one at (or a rounding past) the call's end stays inside the view."""
        x = self.x_of(float(self.prompts[index].get("t", 0.0)))
        if self.view is not None:
            return x
        return min(max(x, 1.0), self.span_px() + 2.0)

    def zoom(self, seconds: float | None, around: float | None = None, anchor: float = 0.5) -> None:
        """Show `seconds` of the call with `around` (default: the playhead) at `anchor` of the
        width; None or a span as long as the call shows all of it."""
        if seconds is None or seconds >= self.duration_s or self.duration_s <= 0:
            self.view = None
        else:
            seconds = max(seconds, MIN_VIEW_S)
            t = self.position if around is None else around
            v0 = min(max(t - anchor * seconds, 0.0), self.duration_s - seconds)
            self.view = (v0, v0 + seconds)
        self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms around the pointer; the wheel alone scrolls a zoomed view."""
        steps = event.angleDelta().y() / 120
        if not steps or self.duration_s <= 0:
            return
        v0, v1 = self.visible_range()
        x = event.position().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            anchor = min(max(x / self.span_px(), 0.0), 1.0)
            self.zoom((v1 - v0) * 0.8**steps, around=self.time_at(x), anchor=anchor)
        elif self.view is not None:
            shift = -steps * 0.1 * (v1 - v0)
            self.zoom(v1 - v0, around=v0 + shift, anchor=0.0)
        event.accept()

    def prompt_at(self, x: float) -> int | None:
        best, best_d = None, MARKER_HIT_PX + 1.0
        for i in range(len(self.prompts)):
            d = abs(self.marker_x(i) - x)
            if d < best_d:
                best, best_d = i, d
        return best

    # ------------------------------------------------------------------ input
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        x = event.position().x()
        hit = self.prompt_at(x)
        if hit is not None:
            self.prompt_clicked.emit(hit)
        else:
            self.seek_requested.emit(self.time_at(x))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.prompt_at(event.position().x())
        if hit is None:
            self.setToolTip(clock_text(self.time_at(event.position().x())))
        else:
            p = self.prompts[hit]
            self.setToolTip(
                f"{clock_text(float(p.get('t', 0)))}  {p.get('title', p.get('id', ''))}"
                f" — {p.get('outcome', '')}"
            )
        super().mouseMoveEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._wave_cache = None
        super().resizeEvent(event)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event: QPaintEvent) -> None:
        """The cached picture of the call, then the playhead: a playback frame is one blit."""
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture())
        if self.peaks is None and self.peaks_note:  # progress text: not part of the picture
            lanes, _ = self.lanes()
            area = QRectF(lanes[0].topLeft(), lanes[-1].bottomRight())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter), self.peaks_note)
        x = self.x_of(self.position)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Text), 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def _picture(self) -> QPixmap:
        """The call's picture (app/ui/review/timeline_picture.py), drawn again only when the
        size, palette, call, peaks, zoom or selected card change: never per playback frame."""
        key = (
            self.width(),
            self.height(),
            self.devicePixelRatioF(),
            id(self.peaks),
            self.duration_s,
            self.view,
            self.palette().cacheKey(),
            id(self.prompts),
            id(self.utterances),
            self.selected_prompt,
        )
        if self._wave_cache is None or key != self._wave_key:
            self._wave_cache, self._wave_key = draw_picture(self), key
        return self._wave_cache

    def channel_speaker(self, channel: int) -> str:
        if channel < len(self.speakers):
            return self.speakers[channel]
        return "channel"
