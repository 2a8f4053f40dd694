"""The system tray icon: start/stop listening, devices, review window, settings, quit.

The icon turns red with a dot while audio is being captured. Where the desktop has no tray
(`QSystemTrayIcon.isSystemTrayAvailable()` is False, as offscreen), `show_if_available()` simply
does not show it: the overlay's own "● listening" indicator remains.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QDesktopServices,
    QIcon,
    QPainter,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from app.config import default_settings_path, default_settings_toml

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

Devices = Callable[[], Sequence[tuple[str, str]]]  # [(device id, display name)]


def ensure_settings_file(path: Path | None = None) -> Path:
    """The settings TOML, written from the defaults first if it does not exist yet."""
    path = path or default_settings_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(default_settings_toml(), encoding="utf-8")
    return path


def tray_icon(capturing: bool, size: int = 64) -> QIcon:
    """A speech bubble; red with a white dot while capturing, slate grey otherwise."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#dc2626") if capturing else QColor("#475569"))
    s = size / 64
    painter.drawRoundedRect(QRectF(4 * s, 6 * s, 56 * s, 42 * s), 12 * s, 12 * s)
    tail = [QPointF(14 * s, 40 * s), QPointF(30 * s, 46 * s), QPointF(14 * s, 60 * s)]
    painter.drawPolygon(QPolygonF(tail))
    painter.setBrush(QColor("white"))
    if capturing:
        painter.drawEllipse(QRectF(22 * s, 17 * s, 20 * s, 20 * s))
    else:
        for x in (18, 30, 42):
            painter.drawEllipse(QRectF((x - 3) * s, 24 * s, 6 * s, 6 * s))
    painter.end()
    return QIcon(pixmap)


class CallcoachTray(QSystemTrayIcon):
    def __init__(
        self,
        *,
        on_start: Callable[[], object] | None = None,
        on_stop: Callable[[], object] | None = None,
        list_devices: Devices | None = None,
        on_device: Callable[[str], object] | None = None,
        on_open_review: Callable[[], object] | None = None,
        on_quit: Callable[[], object] | None = None,
        settings_path: Path | None = None,
        current_device: str = "",
        parent: QObject | None = None,
    ) -> None:
        super().__init__(tray_icon(False), parent)
        self._on_start, self._on_stop, self._on_device = on_start, on_stop, on_device
        self._list_devices = list_devices
        self._settings_path = settings_path
        self.current_device = current_device
        self.capturing = False

        self.menu = QMenu()
        self.listen_action = self.menu.addAction("Start listening", self._toggle_listening)
        self.devices_menu = self.menu.addMenu("Devices")
        self.devices_menu.aboutToShow.connect(self.refresh_devices)
        self._device_group = QActionGroup(self.devices_menu)
        self.review_action = self.menu.addAction("Review calls…")
        if on_open_review is not None:
            self.review_action.triggered.connect(lambda: on_open_review())
        else:  # a tray made without a review window to open (tests, embedding)
            self.review_action.setEnabled(False)
            self.review_action.setToolTip("no review window in this session")
        self.menu.setToolTipsVisible(True)
        self.settings_action = self.menu.addAction("Settings…", self.open_settings)
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit", lambda: on_quit() if on_quit else None)
        self.setContextMenu(self.menu)
        self.refresh_devices()
        self.set_capturing(False)

    def show_if_available(self) -> bool:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("no system tray on this desktop: the overlay alone shows the state")
            return False
        self.show()
        return True

    def set_capturing(self, capturing: bool) -> None:
        self.capturing = bool(capturing)
        self.setIcon(tray_icon(self.capturing))
        self.listen_action.setText("Stop listening" if self.capturing else "Start listening")
        self.setToolTip("callcoach: listening ●" if self.capturing else "callcoach: not listening")

    def refresh_devices(self) -> list[QAction]:
        """Fill the Devices submenu from `list_devices()`; a failing list is shown, not raised."""
        self.devices_menu.clear()
        for action in self._device_group.actions():
            self._device_group.removeAction(action)
        try:
            devices = list(self._list_devices()) if self._list_devices else []
        except Exception as exc:
            log.warning("listing audio devices failed: %s", exc)
            self.devices_menu.addAction(f"Devices unavailable: {exc}").setEnabled(False)
            return []
        if not devices:
            self.devices_menu.addAction("No devices found").setEnabled(False)
            return []
        actions = []
        for device_id, name in devices:
            action = self.devices_menu.addAction(str(name))
            action.setCheckable(True)
            action.setChecked(str(device_id) == self.current_device)
            action.setData(str(device_id))
            action.triggered.connect(lambda _=False, d=str(device_id): self._choose_device(d))
            self._device_group.addAction(action)
            actions.append(action)
        return actions

    def open_settings(self) -> Path:
        path = ensure_settings_file(self._settings_path)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.showMessage("callcoach", f"Open {path} in a text editor to change settings.")
        return path

    def _toggle_listening(self) -> None:
        callback = self._on_stop if self.capturing else self._on_start
        try:
            if callback is not None:
                callback()
        except Exception as exc:  # a device that will not open: say so, stay alive
            log.exception("start/stop listening failed")
            self.showMessage("callcoach", str(exc), QSystemTrayIcon.MessageIcon.Warning)

    def _choose_device(self, device_id: str) -> None:
        self.current_device = device_id
        if self._on_device is not None:
            try:
                self._on_device(device_id)
            except Exception as exc:
                log.exception("choosing device %s failed", device_id)
                self.showMessage("callcoach", str(exc), QSystemTrayIcon.MessageIcon.Warning)
