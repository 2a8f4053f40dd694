"""The coaching card: a large title, the suggested line below, the "why" on hover, ✓ and ✕."""

from __future__ import annotations

from PySide6.QtCore import QEasingCurve, QPropertyAnimation, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.events import Prompt

CARD_STYLE = """
QFrame#card { background: rgba(255, 255, 255, 235); border-radius: 10px; }
QLabel#cardTitle { color: #14161a; font-weight: 700; }
QLabel#cardSay { color: #2b2f36; }
QLabel#cardWhy { color: #6b7280; }
QToolButton { border: none; border-radius: 6px; padding: 2px 6px; color: #4b5563; }
QToolButton#doneButton { color: #047857; }
QToolButton#doneButton:hover { background: #d1fae5; color: #065f46; }
QToolButton#dismissButton:hover { background: #fee2e2; color: #991b1b; }
"""


def _point_size(widget: QWidget, scale: float) -> float:
    """Fonts in points relative to the desktop font, so they follow the user's DPI settings."""
    base = widget.font().pointSizeF()
    return max(7.0, (base if base > 0 else 10.0) * scale)


class PromptCard(QFrame):
    """Shows one `Prompt`. Emits `done_clicked` / `dismiss_clicked`; `fade_out()` then `faded`."""

    done_clicked = Signal()
    dismiss_clicked = Signal()
    faded = Signal()

    def __init__(self, parent: QWidget | None = None, fade_ms: int = 600) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setStyleSheet(CARD_STYLE)
        self.prompt: Prompt | None = None

        self.title = QLabel(objectName="cardTitle")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(_point_size(self, 1.55))
        self.title.setFont(font)

        self.say = QLabel(objectName="cardSay")
        self.say.setWordWrap(True)
        font = self.say.font()
        font.setPointSizeF(_point_size(self, 1.1))
        self.say.setFont(font)

        self.why = QLabel("why?", objectName="cardWhy")
        font = self.why.font()
        font.setPointSizeF(_point_size(self, 0.85))
        font.setUnderline(True)
        self.why.setFont(font)
        self.why.setCursor(Qt.CursorShape.WhatsThisCursor)

        self.done_button = self._button("✓", "doneButton", "Done (Ctrl+Alt+D)", self.done_clicked)
        self.dismiss_button = self._button(
            "✕", "dismissButton", "Dismiss (Ctrl+Alt+X)", self.dismiss_clicked
        )

        buttons = QVBoxLayout()
        buttons.setSpacing(2)
        buttons.addWidget(self.done_button)
        buttons.addWidget(self.dismiss_button)
        buttons.addStretch(1)

        text = QVBoxLayout()
        text.setSpacing(5)
        text.addWidget(self.title)
        text.addWidget(self.say)
        text.addWidget(self.why, alignment=Qt.AlignmentFlag.AlignLeft)
        text.addStretch(1)

        row = QHBoxLayout(self)
        row.setContentsMargins(12, 8, 6, 8)
        row.addLayout(text, 1)
        row.addLayout(buttons)

        self._opacity = QGraphicsOpacityEffect(self)
        self._opacity.setOpacity(1.0)
        self.setGraphicsEffect(self._opacity)
        self._fade = QPropertyAnimation(self._opacity, b"opacity", self)
        self._fade.setDuration(max(1, fade_ms))
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.faded)
        self.hide()

    def _button(self, text: str, name: str, tip: str, signal: SignalInstance) -> QToolButton:
        button = QToolButton(self, objectName=name)
        button.setText(text)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never steal the keyboard
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        font = button.font()
        font.setPointSizeF(_point_size(self, 1.3))
        button.setFont(font)
        button.clicked.connect(signal)
        return button

    # ------------------------------------------------------------------ API
    def show_prompt(self, prompt: Prompt, title: str, say: str, reason: str) -> None:
        """Show a prompt (texts already cleaned by the overlay)."""
        self._fade.stop()
        self._opacity.setOpacity(1.0)
        self.prompt = prompt
        self.title.setText(title)
        self.say.setText(f"“{say}”" if say else "")
        self.say.setVisible(bool(say))
        tip = f"Why: {reason}" if reason else "Why: no reason given"
        self.setToolTip(tip)
        self.why.setToolTip(tip)
        self.why.setVisible(bool(reason))
        self.show()

    def clear(self) -> None:
        self._fade.stop()
        self._opacity.setOpacity(1.0)
        self.prompt = None
        self.hide()

    def fade_out(self) -> None:
        """Fade the card out (a stale card); `faded` is emitted when it is invisible."""
        if self.prompt is None or self.is_fading:
            return
        self._fade.start()

    @property
    def is_fading(self) -> bool:
        return self._fade.state() == QPropertyAnimation.State.Running
