"""The overlay's status line: device problems and notices, in one short coloured line."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

STATUS_COLOURS = {"info": "#9ca3af", "warning": "#fbbf24", "error": "#f87171"}


class StatusLine(QLabel):
    """Warnings and errors stay until replaced; info lines clear themselves after `info_ms`."""

    def __init__(self, parent: QWidget | None = None, info_ms: int = 8000) -> None:
        super().__init__("", parent)
        self.setObjectName("statusLine")
        self.setWordWrap(True)
        self.level = "info"
        self._clear_timer = QTimer(self, singleShot=True, interval=info_ms)
        self._clear_timer.timeout.connect(self.clear)

    def show_message(self, level: str, message: object) -> str:
        """Show it; returns the cleaned full text (the short form is on screen, all in the tip)."""
        self.level = level if level in STATUS_COLOURS else "info"
        text = " ".join(str(message if message is not None else "").split())
        self.setText(text if len(text) <= 140 else text[:139] + "…")
        self.setToolTip(text)
        self.setStyleSheet(f"color: {STATUS_COLOURS[self.level]};")
        if self.level == "info":
            self._clear_timer.start()
        else:
            self._clear_timer.stop()
        return text
