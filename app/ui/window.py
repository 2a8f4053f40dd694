"""A small floating window: frameless, on top, translucent, never focused, dragged by its body,
with its place remembered per screen.

Its height follows its content (`fit_height`): the user chooses where it sits and how wide it is,
and it never keeps an empty panel around. Tooltips show although it is never the active window
(Qt shows them only for the active window unless `WA_AlwaysShowToolTips` is set). Without a
compositor (plain X11) translucent pixels show black, so it is then painted opaque and cut to its
rounded shape with a window mask.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath, QPaintEvent, QRegion
from PySide6.QtWidgets import QWidget

from app.ui.geometry import GeometryStore, restore_geometry, save_geometry

WINDOW_FLAGS = (
    Qt.WindowType.Tool  # no taskbar entry
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus  # typing stays in the agent's call software
)
RADIUS = 12.0
PANEL = QColor(22, 24, 30, 215)

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


def x11_compositor_running(display: str | None = None) -> bool:
    """True when an X11 compositing manager owns the `_NET_WM_CM_S<screen>` selection (the
    EWMH way to tell). False when none does, or when the X server cannot be asked."""
    try:
        from Xlib import X
        from Xlib import display as xdisplay
    except ImportError:
        return False
    try:
        conn = xdisplay.Display(display or os.environ.get("DISPLAY"))
    except Exception as exc:  # no server, no permission: no translucency to count on
        log.debug("cannot ask the X server about a compositor: %s", exc)
        return False
    try:
        atom = conn.intern_atom(f"_NET_WM_CM_S{conn.get_default_screen()}")
        owner = conn.get_selection_owner(atom)
        return owner not in (X.NONE, None) and getattr(owner, "id", owner) != X.NONE
    except Exception as exc:
        log.debug("compositor check failed: %s", exc)
        return False
    finally:
        conn.close()


def compositing_active() -> bool:
    """Whether translucent window pixels are blended with what lies below. Always on Wayland,
    Windows, macOS and offscreen; on X11 only with a compositing manager running."""
    if QGuiApplication.platformName() != "xcb":
        return True
    return x11_compositor_running()


def rounded_region(rect: QRect, radius: float) -> QRegion:
    path = QPainterPath()
    path.addRoundedRect(QRectF(rect), radius, radius)
    return QRegion(path.toFillPolygon().toPolygon())


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
        # the window is never active, and Qt shows tooltips ("why?") only for the active window
        self.setAttribute(Qt.WidgetAttribute.WA_AlwaysShowToolTips)
        self.composited: bool | None = None  # decided when first shown (see set_composited)
        self._fitting = False
        self._fit_timer = QTimer(self, singleShot=True, interval=0)
        self._fit_timer.timeout.connect(self.fit_height)
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

    def set_composited(self, composited: bool) -> None:
        """Translucent rounded corners with a compositor; opaque and masked to the rounded
        shape without one (else the corners show black)."""
        self.composited = composited
        if composited:
            self.clearMask()
        else:
            self.setMask(rounded_region(self.rect(), RADIUS))
        self.update()

    def fit_height(self) -> None:
        """Make the window exactly as tall as its content at its width (the size grip then
        changes the width only). A window in the lower half of its screen keeps its bottom edge,
        so it grows upwards and stays on screen."""
        layout = self.layout()
        if layout is None or self._fitting:
            return
        self._fitting = True
        try:
            layout.invalidate()
            layout.activate()
            width = self.width()
            height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
            if height <= 0:
                height = layout.totalSizeHint().height()
            height = max(height, layout.totalMinimumSize().height(), 1)
            old = self.geometry()
            if self.minimumHeight() == height == self.maximumHeight() == old.height():
                return
            self.setFixedHeight(height)
            screen = self.screen()
            if screen is not None and old.center().y() > screen.availableGeometry().center().y():
                self.move(old.x(), old.bottom() + 1 - height)
        finally:
            self._fitting = False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QColor(255, 255, 255, 40))
        panel = QColor(PANEL)
        if self.composited is False:
            panel.setAlpha(255)  # no compositor: alpha would only darken to black
        painter.setBrush(panel)
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)

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
        if self.composited is False:
            self.setMask(rounded_region(self.rect(), RADIUS))
        if event.oldSize().width() != event.size().width():
            self._fit_timer.start()  # wrapped text may need another height at the new width
        self._save_timer.start()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.composited is None:
            self.set_composited(compositing_active())
        self._placed = True

    def hideEvent(self, event: Any) -> None:
        if self._save_timer.isActive():
            self._save_timer.stop()
            self.remember_geometry()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.remember_geometry()
        super().closeEvent(event)
