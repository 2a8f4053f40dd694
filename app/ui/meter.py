"""The customer's frustration meter with its trend, and the agent's discreet "slow down" badge."""

from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

ARROWS = {"rising": "↑", "steady": "→", "falling": "↓"}


def level_colour(level: float) -> QColor:
    """Green (calm) through amber to red (very frustrated)."""
    stops = [
        (0.0, (46, 160, 67)),
        (0.45, (234, 179, 8)),
        (0.7, (234, 88, 12)),
        (1.0, (220, 38, 38)),
    ]
    level = min(1.0, max(0.0, level))
    for (a, ca), (b, cb) in itertools.pairwise(stops):
        if level <= b:
            f = (level - a) / (b - a)
            return QColor(*(round(x + (y - x) * f) for x, y in zip(ca, cb, strict=True)))
    return QColor(*stops[-1][1])


class LevelBar(QWidget):
    """A rounded bar filled to `level` (0-1) in the level's colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = 0.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(160, max(10, self.fontMetrics().height() // 2 + 4))

    def set_level(self, level: float) -> None:
        self.level = level
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = rect.height() / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 255, 255, 50))
        painter.drawRoundedRect(rect, radius, radius)
        if self.level > 0:
            filled = QRectF(rect)
            filled.setWidth(max(rect.height(), rect.width() * self.level))
            painter.setBrush(level_colour(self.level))
            painter.drawRoundedRect(filled, radius, radius)


class FrustrationMeter(QWidget):
    """Customer frustration: label, bar, value and trend arrow (↑ rising, → steady, ↓ falling)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level = 0.0
        self.direction = "steady"
        self.caption = QLabel("Customer", self)
        self.bar = LevelBar(self)
        self.value = QLabel("–", self)
        self.arrow = QLabel(ARROWS["steady"], self)
        self.arrow.setObjectName("trendArrow")
        font = self.arrow.font()
        font.setBold(True)
        font.setPointSizeF(max(8.0, font.pointSizeF() * 1.25))
        self.arrow.setFont(font)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.caption)
        row.addWidget(self.bar, 1)
        row.addWidget(self.value)
        row.addWidget(self.arrow)
        self._update_tooltip()

    def set_level(self, level: float, direction: str = "steady") -> bool:
        """Update; returns False (and changes nothing) for a level that is not a number."""
        try:
            level = float(level)
        except (TypeError, ValueError):
            return False
        if math.isnan(level):
            return False
        self.level = min(1.0, max(0.0, level))
        self.direction = direction if direction in ARROWS else "steady"
        self.bar.set_level(self.level)
        self.value.setText(f"{self.level:.2f}")
        self.arrow.setText(ARROWS[self.direction])
        colour = level_colour(self.level).name() if self.direction == "rising" else "#d1d5db"
        self.arrow.setStyleSheet(f"color: {colour};")
        self._update_tooltip()
        return True

    def reset(self) -> None:
        self.set_level(0.0, "steady")
        self.value.setText("–")

    @property
    def arrow_text(self) -> str:
        return self.arrow.text()

    def _update_tooltip(self) -> None:
        self.setToolTip(
            f"Customer frustration {self.level:.2f} (0 calm - 1 very frustrated), {self.direction}"
        )


class SlowDownBadge(QLabel):
    """A quiet amber note for the agent about their own pace; hidden when all is well."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("agent: slow down", parent)
        self.setObjectName("slowDown")
        self.setStyleSheet(
            "color: #fbbf24; border: 1px solid rgba(251, 191, 36, 120); border-radius: 7px;"
            " padding: 0px 6px;"
        )
        self.setToolTip("Your own voice is rising: pause, breathe, slow down.")
        self.until = 0.0  # call time after which it hides again
        self.hide()

    def raise_for(self, now: float, seconds: float) -> None:
        self.until = max(self.until, now + seconds)
        self.show()

    def expire(self, now: float) -> None:
        if not self.isHidden() and now >= self.until:
            self.hide()
