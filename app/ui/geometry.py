"""Where the overlay sits: position and size remembered per screen, always on a visible screen.

Stored as JSON in the platform data folder (not QSettings), so tests and portable installs can
move it with XDG_DATA_HOME. Keys name the screen and its geometry ("DP-1@0,0 2560x1440"): plugging
in another monitor gives the overlay a place of its own there, and coming back to the laptop
screen restores the old one. Coordinates are Qt's device-independent pixels, so a position stays
right when the display scaling changes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from platformdirs import user_data_dir
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

from app.config import APP_NAME

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

DEFAULT_SIZE = QSize(380, 210)
MARGIN = 24  # from the screen's edge for the first placement
TITLE_BAR = 32  # room above a main window's geometry for its frame


def default_geometry_path() -> Path:
    return Path(user_data_dir(APP_NAME)) / "overlay_geometry.json"


def screen_key(screen: QScreen) -> str:
    g = screen.geometry()
    return f"{screen.name() or 'screen'}@{g.x()},{g.y()} {g.width()}x{g.height()}"


def fit_rect(rect: QRect, area: QRect, minimum: QSize | None = None) -> QRect:
    """`rect` shrunk to fit inside `area` and moved fully onto it."""
    minimum = minimum or QSize(120, 60)
    w = max(min(rect.width(), area.width()), min(minimum.width(), area.width()))
    h = max(min(rect.height(), area.height()), min(minimum.height(), area.height()))
    x = min(max(rect.x(), area.left()), area.left() + area.width() - w)
    y = min(max(rect.y(), area.top()), area.top() + area.height() - h)
    return QRect(x, y, w, h)


class GeometryStore:
    """{screen key: [x, y, width, height]} in a JSON file; unreadable files count as empty."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_geometry_path()

    def load(self) -> dict[str, QRect]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning(
                "overlay positions in %s are unreadable, starting afresh: %s", self.path, exc
            )
            return {}
        rects: dict[str, QRect] = {}
        if not isinstance(data, dict):
            return rects
        for key, value in data.items():
            if (
                isinstance(value, list)
                and len(value) == 4
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                and value[2] > 0
                and value[3] > 0
            ):
                rects[str(key)] = QRect(*value)
        return rects

    def get(self, key: str) -> QRect | None:
        return self.load().get(key)

    def save(self, key: str, rect: QRect) -> None:
        rects = self.load()
        rects[key] = QRect(rect)
        data = {k: [r.x(), r.y(), r.width(), r.height()] for k, r in rects.items()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:  # a read-only profile must not break the overlay
            log.warning("could not save the overlay position to %s: %s", self.path, exc)


def screen_of(widget: QWidget) -> QScreen | None:
    centre = widget.frameGeometry().center()
    return QGuiApplication.screenAt(centre) or widget.screen() or QGuiApplication.primaryScreen()


def save_geometry(widget: QWidget, store: GeometryStore) -> None:
    screen = screen_of(widget)
    if screen is not None:
        store.save(screen_key(screen), widget.geometry())


def restore_geometry(widget: QWidget, store: GeometryStore) -> QRect:
    """Place `widget` where it last was on a connected screen (primary first), else top right of
    the primary screen; always fully inside a screen's available area. Returns the geometry."""
    screens = QGuiApplication.screens()
    primary = QGuiApplication.primaryScreen()
    saved = store.load()
    ordered = ([primary] if primary is not None else []) + [s for s in screens if s is not primary]
    for screen in ordered:
        rect = saved.get(screen_key(screen))
        if rect is not None:
            rect = fit_rect(rect, screen.availableGeometry(), widget.minimumSize())
            widget.setGeometry(rect)
            return rect
    size = DEFAULT_SIZE.expandedTo(widget.minimumSizeHint()).expandedTo(widget.minimumSize())
    if primary is None:
        rect = QRect(QPoint(MARGIN, MARGIN), size)
    else:
        area = primary.availableGeometry()
        top_right = QPoint(area.right() - size.width() - MARGIN, area.top() + MARGIN)
        rect = fit_rect(QRect(top_right, size), area, widget.minimumSize())
    widget.setGeometry(rect)
    return rect


def fit_on_screen(widget: QWidget, size: QSize) -> QRect:
    """Give a main window `size`, or less where the primary screen's free area is smaller (a
    1366 x 768 laptop), never under its minimum size hint, centred in that area; leaves room for
    the window manager's title bar. Returns the geometry."""
    primary = QGuiApplication.primaryScreen()
    if primary is None:
        widget.resize(size)
        return widget.geometry()
    area = primary.availableGeometry().adjusted(0, TITLE_BAR, 0, 0)
    rect = fit_rect(QRect(QPoint(), size), area, widget.minimumSizeHint())
    rect.moveCenter(area.center())
    widget.setGeometry(rect)
    return rect
