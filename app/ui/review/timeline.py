"""The call at a glance: both channels' waveforms, both speakers' frustration curves, the coach's
cards as markers coloured by what happened to them, follow-up reminders and the playhead.

The waveform comes from precomputed peaks (`app.review.peaks`), reduced to the widget's pixels
once per size and kept as a pixmap: a one-hour call repaints as fast as a one-minute one.
Clicking a marker selects that card and seeks to it; clicking anywhere else seeks there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.report import frustration_plot as plot
from app.review.peaks import Peaks

# the HTML report's colours and words (one legend for both)
OUTCOME_COLOURS = plot.OUTCOME_COLOURS
OUTCOME_LABELS = plot.OUTCOME_LABELS
SPEAKER_COLOURS = {"agent": plot.AGENT, "customer": plot.CUSTOMER}
RULER_H = 18
MIN_VIEW_S = 5.0  # the closest zoom
END_MARGIN = 16
MARKER_HIT_PX = 6


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
        old = self._x_of(self.position)
        self.position = t
        new = self._x_of(t)
        h = self.height()
        self.update(QRectF(min(old, new) - 3, 0, abs(new - old) + 6, h).toAlignedRect())

    def select_prompt(self, index: int | None) -> None:
        self.selected_prompt = index
        self.update()  # the picture's key includes the selection: redrawn once

    # ------------------------------------------------------------------ geometry
    def _lanes(self) -> tuple[list[QRectF], QRectF]:
        """The waveform lanes (one per channel) and the curves lane."""
        w, h = float(self.width()), float(self.height())
        body = h - RULER_H
        channels = self.peaks.channels if self.peaks is not None else max(len(self.speakers), 1)
        wave_h = body * 0.55 / channels
        lanes = [QRectF(0, RULER_H + i * wave_h, w, wave_h) for i in range(channels)]
        curves_top = RULER_H + channels * wave_h
        return lanes, QRectF(0, curves_top, w, h - curves_top)

    def _span_px(self) -> float:
        """Pixels the call spans: a margin at the right keeps cards at the very end (the
        after-call reminders) visible."""
        return max(self.width() - END_MARGIN, 1.0)

    def _range(self) -> tuple[float, float]:
        return self.view if self.view is not None else (0.0, self.duration_s)

    def _x_of(self, t: float) -> float:
        v0, v1 = self._range()
        if v1 <= v0:
            return 0.0
        return (t - v0) / (v1 - v0) * self._span_px()

    def time_at(self, x: float) -> float:
        v0, v1 = self._range()
        return min(max(v0 + x / self._span_px() * (v1 - v0), 0.0), self.duration_s)

    def marker_x(self, index: int) -> float:
        """A card's x; one at (or a rounding past) the call's end stays inside the view."""
        x = self._x_of(float(self.prompts[index].get("t", 0.0)))
        if self.view is not None:
            return x
        return min(max(x, 1.0), self._span_px() + 2.0)

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
        v0, v1 = self._range()
        x = event.position().x()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            anchor = min(max(x / self._span_px(), 0.0), 1.0)
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
            lanes, _ = self._lanes()
            area = QRectF(lanes[0].topLeft(), lanes[-1].bottomRight())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter), self.peaks_note)
        x = self._x_of(self.position)
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Text), 1.5))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def _picture(self) -> QPixmap:
        """Ruler, waveforms, curves and markers, drawn once per size, palette, call, peaks and
        selected card (long antialiased curves cost tens of ms: never per playback frame)."""
        dpr = self.devicePixelRatioF()
        key = (
            self.width(),
            self.height(),
            dpr,
            id(self.peaks),
            self.duration_s,
            self.view,
            self.palette().cacheKey(),
            id(self.prompts),
            id(self.utterances),
            self.selected_prompt,
        )
        if self._wave_cache is not None and key == self._wave_key:
            return self._wave_cache
        pixmap = QPixmap(QSize(max(self.width(), 1), max(self.height(), 1)) * dpr)
        pixmap.setDevicePixelRatio(dpr)
        pal = self.palette()
        pixmap.fill(pal.color(QPalette.ColorRole.Base))
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_ruler(painter)
        lanes, curves = self._lanes()
        mid = pal.color(QPalette.ColorRole.Mid)
        for i, lane in enumerate(lanes):
            painter.fillRect(
                lane.adjusted(0, 1, 0, -1), pal.color(QPalette.ColorRole.AlternateBase)
            )
            painter.setPen(QPen(mid, 0.5))
            painter.drawLine(
                QPointF(0, lane.center().y()), QPointF(lane.right(), lane.center().y())
            )
            speaker = self._channel_speaker(i)
            if self.peaks is not None:
                self._paint_wave(painter, lane, i, QColor(SPEAKER_COLOURS.get(speaker, "#64748b")))
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            side = ("left", "right")[i] if len(lanes) == 2 else "mono"
            painter.drawText(
                lane.adjusted(6, 2, -6, -2),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                f"{speaker} ({side})",
            )
        painter.setPen(QPen(mid, 0.5))
        painter.drawLine(QPointF(0, curves.top()), QPointF(curves.right(), curves.top()))
        self._paint_curves(painter, curves)
        self._paint_markers(painter)
        self._paint_legend(painter, curves)
        painter.end()
        self._wave_cache, self._wave_key = pixmap, key
        return pixmap

    def _channel_speaker(self, channel: int) -> str:
        if channel < len(self.speakers):
            return self.speakers[channel]
        return "channel"

    def _paint_wave(self, painter: QPainter, lane: QRectF, channel: int, colour: QColor) -> None:
        assert self.peaks is not None
        dpr = self.devicePixelRatioF()
        width = max(round(self._span_px() * dpr), 1)
        lo, hi = self.peaks.span(*self._range(), width)
        half = lane.height() / 2 - 2
        mid = lane.center().y()
        xs = np.arange(width, dtype=np.float64) / dpr
        top = mid - np.clip(hi[channel], -1, 1) * half
        bottom = mid - np.clip(lo[channel], -1, 1) * half
        bottom = np.maximum(bottom, top + 1 / dpr)  # silence still shows a hairline
        points = [QPointF(x, y) for x, y in zip(xs, top, strict=True)]
        points += [QPointF(x, y) for x, y in zip(xs[::-1], bottom[::-1], strict=True)]
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF(points))

    def _paint_ruler(self, painter: QPainter) -> None:
        pal = self.palette()
        painter.fillRect(QRectF(0, 0, self.width(), RULER_H), pal.color(QPalette.ColorRole.Window))
        if self.duration_s <= 0:
            return
        # a tick spacing giving labels at least ~80 px apart
        steps = (1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
        v0, v1 = self._range()
        per_px = (v1 - v0) / self._span_px()
        step = next((s for s in steps if s / per_px >= 80), steps[-1])
        painter.setPen(pal.color(QPalette.ColorRole.WindowText))
        t = (v0 // step) * step
        while t <= v1:
            x = self._x_of(t)
            painter.drawLine(QPointF(x, RULER_H - 5), QPointF(x, RULER_H))
            painter.drawText(QPointF(x + 3, RULER_H - 5), clock_text(t))
            t += step

    def _paint_curves(self, painter: QPainter, area: QRectF) -> None:
        pal = self.palette()
        inner = area.adjusted(0, 6, 0, -4)

        def y_of(v: float) -> float:
            return inner.bottom() - min(max(v, 0.0), 1.0) * inner.height()

        painter.setPen(QPen(pal.color(QPalette.ColorRole.Mid), 0.5, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(0, y_of(0.5)), QPointF(area.right(), y_of(0.5)))
        # 1-px cosmetic pens and polylines: a wider pen goes through Qt's stroker, ~100x slower
        # for a one-hour call's hundreds of points
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for speaker in ("agent", "customer"):
            points = [
                QPointF(
                    self._x_of((float(u.get("start", 0)) + float(u.get("end", 0))) / 2),
                    y_of(float(u.get("frustration", 0))),
                )
                for u in self.utterances
                if u.get("speaker") == speaker
            ]
            if points:
                painter.setPen(_thin(QColor(SPEAKER_COLOURS[speaker])))
                painter.drawPolyline(QPolygonF(points))
        if self.trend:  # the customer's smoothed level: what the coach acted on
            points = [
                QPointF(self._x_of(float(p.get("t", 0))), y_of(float(p.get("level", 0))))
                for p in self.trend
            ]
            painter.setPen(_thin(QColor(plot.TREND), Qt.PenStyle.DashLine))
            painter.drawPolyline(QPolygonF(points))
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            area.adjusted(6, 2, -6, -2),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            "frustration: agent (blue), customer (red), customer trend (orange, dashed)",
        )

    def _paint_legend(self, painter: QPainter, area: QRectF) -> None:
        """What the marker colours mean, bottom right of the curves lane (only outcomes this
        call has, so the legend stays short)."""
        present = {str(p.get("outcome", "shown")) for p in self.prompts}
        names = [name for name in LEGEND if name in present]
        if not names:
            return
        metrics = self.fontMetrics()
        x = area.right() - 8
        y = area.bottom() - 6
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        for name in reversed(names):
            label = OUTCOME_LABELS.get(name, name)
            x -= metrics.horizontalAdvance(label)
            painter.drawText(QPointF(x, y), label)
            x -= 14
            painter.fillRect(QRectF(x, y - 9, 9, 9), outcome_colour(name, self.palette()))
            x -= 10

    def _paint_markers(self, painter: QPainter) -> None:
        h = float(self.height())
        for i, p in enumerate(self.prompts):
            x = self.marker_x(i)
            colour = outcome_colour(str(p.get("outcome", "shown")), self.palette())
            selected = i == self.selected_prompt
            style = Qt.PenStyle.SolidLine if p.get("shown", True) else Qt.PenStyle.DashLine
            pen = QPen(colour, 2.5, style) if selected else _thin(colour, style)
            painter.setPen(pen)
            painter.drawLine(QPointF(x, RULER_H), QPointF(x, h))
            size = 7.0 if selected else 5.0
            if i in self.follow_up:  # a reminder for after the call: a flag
                flag = [
                    QPointF(x, RULER_H),
                    QPointF(x + 2 * size, RULER_H + size),
                    QPointF(x, RULER_H + 2 * size),
                ]
            else:
                flag = [
                    QPointF(x - size, RULER_H),
                    QPointF(x + size, RULER_H),
                    QPointF(x, RULER_H + 1.6 * size),
                ]
            painter.setBrush(colour if p.get("shown", True) else Qt.BrushStyle.NoBrush)
            painter.drawPolygon(QPolygonF(flag))


LEGEND = ("followed", "done", "ignored", "dismissed", "superseded", "shown", "not_shown")


def _thin(colour: QColor, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, 1.0, style)
    pen.setCosmetic(True)
    return pen


def follow_up_indexes(prompts: Sequence[Mapping[str, Any]], after_call_ids: set[str]) -> set[int]:
    return {i for i, p in enumerate(prompts) if str(p.get("id")) in after_call_ids}
