"""A small floating window: frameless, on top, translucent, never focused, dragged by its body,
with its place remembered per screen."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from app.ui.geometry import GeometryStore, restore_geometry, save_geometry

WINDOW_FLAGS = (
    Qt.WindowType.Tool  # no taskbar entry
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus  # typing stays in the agent's call software
)


class FloatingWindow(QWidget):
    def __init__(
        self,
        geometry_store: GeometryStore | None = None,
        minimum: QSize | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent, WINDOW_FLAGS)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.normal_minimum = minimum or QSize(260, 120)
        self.setMinimumSize(self.normal_minimum)
        self.geometry_store = geometry_store or GeometryStore()
        self.remembers_geometry = True  # off while shrunk to a pill, so the pill is not saved
        self._drag_offset: Any = None
        self._placed = False  # shown at least once: its geometry is worth remembering
        self._save_timer = QTimer(self, singleShot=True, interval=400)
        self._save_timer.timeout.connect(self.remember_geometry)

    def remember_geometry(self) -> None:
        """Save the position and size for the screen the window is on."""
        if self._placed and self.remembers_geometry:
            save_geometry(self, self.geometry_store)

    def restore_geometry(self) -> None:
        """Back where it was on this screen (call once the content is laid out)."""
        restore_geometry(self, self.geometry_store)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(255, 255, 255, 40))
        painter.setBrush(QColor(22, 24, 30, 215))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 12, 12)

    # dragging: the window manager's own move where it offers one (needed on Wayland)
    def mousePressEvent(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        handle = self.windowHandle()
        if handle is not None and handle.startSystemMove():
            self._drag_offset = None
        else:
            self._drag_offset = event.globalPosition().toPoint() - self.pos()
        event.accept()

    def mouseMoveEvent(self, event: Any) -> None:
        if self._drag_offset is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self.move(event.globalPosition().toPoint() - self._drag_offset)
            event.accept()

    def mouseReleaseEvent(self, event: Any) -> None:
        self._drag_offset = None
        self._save_timer.start()

    def moveEvent(self, event: Any) -> None:
        super().moveEvent(event)
        self._save_timer.start()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._save_timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._placed = True

    def hideEvent(self, event: Any) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self.remember_geometry()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.remember_geometry()
        super().closeEvent(event)
