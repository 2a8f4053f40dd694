"""The timeline's picture of a call: the time ruler, both channels' waveforms (from peaks
reduced to the pixels), both speakers' frustration curves with the customer's trend, the cards'
markers coloured by outcome (flags for follow-up reminders) and their legend.

Drawn into a pixmap the timeline keeps until the size, palette, call, zoom or selection change:
long antialiased curves cost tens of ms, so this never runs per playback frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen, QPixmap, QPolygonF

from app.ui.review.legend import (
    LEGEND,
    OUTCOME_LABELS,
    SPEAKER_COLOURS,
    TREND_COLOUR,
    clock_text,
    outcome_colour,
)

if TYPE_CHECKING:
    from app.ui.review.timeline import TimelineView

RULER_H = 18  # the time ruler along the top


def draw_picture(view: TimelineView) -> QPixmap:
    """Ruler, waveforms, curves, markers and legend at the view's size and pixel ratio."""
    dpr = view.devicePixelRatioF()
    pixmap = QPixmap(QSize(max(view.width(), 1), max(view.height(), 1)) * dpr)
    pixmap.setDevicePixelRatio(dpr)
    pal = view.palette()
    pixmap.fill(pal.color(QPalette.ColorRole.Base))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint_ruler(view, painter)
    lanes, curves = view.lanes()
    mid = pal.color(QPalette.ColorRole.Mid)
    for i, lane in enumerate(lanes):
        painter.fillRect(lane.adjusted(0, 1, 0, -1), pal.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(QPen(mid, 0.5))
        painter.drawLine(QPointF(0, lane.center().y()), QPointF(lane.right(), lane.center().y()))
        speaker = view.channel_speaker(i)
        if view.peaks is not None:
            _paint_wave(view, painter, lane, i, QColor(SPEAKER_COLOURS.get(speaker, "#64748b")))
        painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
        side = ("left", "right")[i] if len(lanes) == 2 else "mono"
        painter.drawText(
            lane.adjusted(6, 2, -6, -2),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            f"{speaker} ({side})",
        )
    painter.setPen(QPen(mid, 0.5))
    painter.drawLine(QPointF(0, curves.top()), QPointF(curves.right(), curves.top()))
    _paint_curves(view, painter, curves)
    _paint_markers(view, painter)
    _paint_legend(view, painter, curves)
    painter.end()
    return pixmap


def _paint_wave(
    view: TimelineView, painter: QPainter, lane: QRectF, channel: int, colour: QColor
) -> None:
    assert view.peaks is not None
    dpr = view.devicePixelRatioF()
    width = max(round(view.span_px() * dpr), 1)
    lo, hi = view.peaks.span(*view.visible_range(), width)
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


def _paint_ruler(view: TimelineView, painter: QPainter) -> None:
    pal = view.palette()
    painter.fillRect(QRectF(0, 0, view.width(), RULER_H), pal.color(QPalette.ColorRole.Window))
    if view.duration_s <= 0:
        return
    # a tick spacing giving labels at least ~80 px apart
    steps = (1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
    v0, v1 = view.visible_range()
    per_px = (v1 - v0) / view.span_px()
    step = next((s for s in steps if s / per_px >= 80), steps[-1])
    painter.setPen(pal.color(QPalette.ColorRole.WindowText))
    t = (v0 // step) * step
    while t <= v1:
        x = view.x_of(t)
        painter.drawLine(QPointF(x, RULER_H - 5), QPointF(x, RULER_H))
        painter.drawText(QPointF(x + 3, RULER_H - 5), clock_text(t))
        t += step


def _paint_curves(view: TimelineView, painter: QPainter, area: QRectF) -> None:
    pal = view.palette()
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
                view.x_of((float(u.get("start", 0)) + float(u.get("end", 0))) / 2),
                y_of(float(u.get("frustration", 0))),
            )
            for u in view.utterances
            if u.get("speaker") == speaker
        ]
        if points:
            painter.setPen(_thin(QColor(SPEAKER_COLOURS[speaker])))
            painter.drawPolyline(QPolygonF(points))
    if view.trend:  # the customer's smoothed level: what the coach acted on
        points = [
            QPointF(view.x_of(float(p.get("t", 0))), y_of(float(p.get("level", 0))))
            for p in view.trend
        ]
        painter.setPen(_thin(QColor(TREND_COLOUR), Qt.PenStyle.DashLine))
        painter.drawPolyline(QPolygonF(points))
    painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
    painter.drawText(
        area.adjusted(6, 2, -6, -2),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
        "frustration: agent (blue), customer (red), customer trend (orange, dashed)",
    )


def _paint_legend(view: TimelineView, painter: QPainter, area: QRectF) -> None:
    """What the marker colours mean, bottom right of the curves lane (only outcomes this
    call has, so the legend stays short)."""
    present = {str(p.get("outcome", "shown")) for p in view.prompts}
    names = [name for name in LEGEND if name in present]
    if not names:
        return
    metrics = view.fontMetrics()
    x = area.right() - 8
    y = area.bottom() - 6
    painter.setPen(view.palette().color(QPalette.ColorRole.PlaceholderText))
    for name in reversed(names):
        label = OUTCOME_LABELS.get(name, name)
        x -= metrics.horizontalAdvance(label)
        painter.drawText(QPointF(x, y), label)
        x -= 14
        painter.fillRect(QRectF(x, y - 9, 9, 9), outcome_colour(name, view.palette()))
        x -= 10


def _paint_markers(view: TimelineView, painter: QPainter) -> None:
    h = float(view.height())
    for i, p in enumerate(view.prompts):
        x = view.marker_x(i)
        colour = outcome_colour(str(p.get("outcome", "shown")), view.palette())
        selected = i == view.selected_prompt
        style = Qt.PenStyle.SolidLine if p.get("shown", True) else Qt.PenStyle.DashLine
        pen = QPen(colour, 2.5, style) if selected else _thin(colour, style)
        painter.setPen(pen)
        painter.drawLine(QPointF(x, RULER_H), QPointF(x, h))
        size = 7.0 if selected else 5.0
        if i in view.follow_up:  # a reminder for after the call: a flag
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


def _thin(colour: QColor, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(colour, 1.0, style)
    pen.setCosmetic(True)
    return pen
