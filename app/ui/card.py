"""The coaching card: a large title, the suggested line below, the "why" on hover, ✓ and ✕.

Playbook texts may carry Markdown emphasis ("Say what you *can* do"): it is shown as emphasis,
never as asterisks, and every text is escaped so a placeholder like "<day>" stays visible.

A stale card does not fade to grey (an opacity fade over a white card on a dark panel passes
through low-contrast grey text on grey): it keeps its colours, a thin bar along its bottom runs
out over `fade_ms`, and then it goes.
"""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import QEasingCurve, QRectF, Qt, QVariantAnimation, Signal, SignalInstance
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.events import Prompt
from app.markup import plain, to_html

CARD_STYLE = """
QFrame#card { background: rgba(255, 255, 255, 235); border-radius: 10px; }
QLabel#cardTitle { color: #14161a; font-weight: 700; }
QLabel#cardSay { color: #2b2f36; }
QLabel#cardWhy { color: #4b5563; }
QToolButton { border: none; border-radius: 6px; padding: 2px 6px; color: #4b5563; }
QToolButton#doneButton { color: #047857; }
QToolButton#doneButton:hover { background: #d1fae5; color: #065f46; }
QToolButton#dismissButton:hover { background: #fee2e2; color: #991b1b; }
"""

FADE_BAR = QColor(107, 114, 128)  # the running-out bar of a stale card


def rich_label(name: str) -> QLabel:
    """A word-wrapped label that always reads its text as (escaped) rich text."""
    label = QLabel(objectName=name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    return label


might_be_rich_text = QtGui.Qt.mightBeRichText  # how QToolTip decides to read HTML


def why_tooltip(reason: str) -> str:
    """The reason as a tooltip: plain text (one line, Qt does not wrap it), unless Qt would take
    it for HTML; then escaped rich text, so nothing in it is lost."""
    if not reason:
        return "Why: no reason given"
    text = f"Why: {plain(reason)}"
    return f"<qt>Why: {to_html(reason)}</qt>" if might_be_rich_text(text) else text


def _point_size(widget: QWidget, scale: float) -> float:
    """Fonts in points relative to the desktop font, so they follow the user's DPI settings."""
    base = widget.font().pointSizeF()
    return max(7.0, (base if base > 0 else 10.0) * scale)


class PromptCard(QFrame):
    """Shows one `Prompt`. Emits `done_clicked` / `dismiss_clicked`; `fade_out()` then `faded`."""

    done_clicked = Signal()
    dismiss_clicked = Signal()
    faded = Signal()

    def __init__(self, parent: QWidget | None = None, fade_ms: int = 1200) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setStyleSheet(CARD_STYLE)
        self.prompt: Prompt | None = None

        self.title = rich_label("cardTitle")
        font = self.title.font()
        font.setPointSizeF(_point_size(self, 1.55))
        self.title.setFont(font)

        self.say = rich_label("cardSay")
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

        self.remaining = 1.0  # the share of the fade still to run (1 when not fading)
        self._fade = QVariantAnimation(self)
        self._fade.setDuration(max(1, fade_ms))
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.Linear)
        self._fade.valueChanged.connect(self._set_remaining)
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
        self._stop_fade()
        self.prompt = prompt
        self.title.setText(to_html(title))
        self.say.setText(to_html(f"“{say}”") if say else "")
        self.say.setVisible(bool(say))
        tip = why_tooltip(reason)
        self.setToolTip(tip)
        self.why.setToolTip(tip)
        self.why.setVisible(bool(reason))
        self.show()

    def clear(self) -> None:
        self._stop_fade()
        self.prompt = None
        self.hide()

    def fade_out(self) -> None:
        """Fade the card out (a stale card); `faded` is emitted when it is invisible."""
        if self.prompt is None or self.is_fading:
            return
        self._fade.start()

    @property
    def is_fading(self) -> bool:
        return self._fade.state() == QVariantAnimation.State.Running

    def _stop_fade(self) -> None:
        self._fade.stop()
        self._set_remaining(1.0)

    def _set_remaining(self, value: object) -> None:
        self.remaining = float(value) if isinstance(value, int | float) else 1.0
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)  # the styled background
        if not self.is_fading:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(FADE_BAR)
        bar = QRectF(10, self.height() - 5, (self.width() - 20) * self.remaining, 3)
        painter.drawRoundedRect(bar, 1.5, 1.5)
