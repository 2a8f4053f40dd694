"""The floating coaching overlay: one card, the customer's frustration meter, the agent's pace.

Frameless, always on top, translucent, and it never takes the keyboard from the agent's call
software (a tool window that does not accept focus and shows without activating). Fed only with
pipeline events through `handle_event` (usually via `EventBridge`), which never raises. Its height
follows what it shows: between cards it shrinks to the header and the meter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizeGrip, QVBoxLayout, QWidget

from app.events import (
    CallEnded,
    CardCleared,
    Prompt,
    PromptOutcome,
    StatusMessage,
    ToneUpdate,
    TrendPoint,
    Utterance,
)
from app.ui.card import PromptCard
from app.ui.clock import EventClock, finite
from app.ui.geometry import GeometryStore
from app.ui.meter import FrustrationMeter, SlowDownBadge
from app.ui.policy import CardSlot, Outcome, RecordedOutcome, clean_prompt
from app.ui.status import StatusLine
from app.ui.window import FloatingWindow

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

OutcomeCallback = Callable[[str, str, float], object]
MIN_SIZE = QSize(260, 40)  # the height follows the content (FloatingWindow.fit_height)
DONE_KEYS = "Ctrl+Alt+D"
DISMISS_KEYS = "Ctrl+Alt+X"


class OverlayWindow(FloatingWindow):
    outcome_recorded = Signal(str, str, float)  # prompt id, "done"/"dismissed", call time
    status_changed = Signal(str, str)  # level, message (a tray can echo errors while hidden)

    def __init__(
        self,
        on_outcome: OutcomeCallback | None = None,
        *,
        clock: Callable[[], float] | None = None,
        geometry_store: GeometryStore | None = None,
        fade_after_s: float = 20.0,
        fade_ms: int = 1200,
        hide_when_idle: bool = True,
        idle_after_call_ms: int = 8000,
        slow_down_tone: float = 0.75,
        shortcuts: tuple[str, str] = (DONE_KEYS, DISMISS_KEYS),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(geometry_store, MIN_SIZE, parent)
        self.setWindowTitle("callcoach")
        self.setStyleSheet("QLabel { color: #e5e7eb; }")
        self._on_outcome = on_outcome
        self._event_clock = EventClock()
        self._clock = clock or self._event_clock
        self._cards = CardSlot(fade_after_s=fade_after_s)  # what the coach decided
        self._hide_when_idle = hide_when_idle
        self._slow_down_tone = slow_down_tone
        self._idle = False
        self._call_over = False
        self.outcomes: list[RecordedOutcome] = []

        self.capture_label = QLabel("● listening", objectName="captureIndicator")
        self.capture_label.setStyleSheet("color: #ef4444; font-weight: 600;")
        self.capture_label.setToolTip("Audio is being captured")
        self.capture_label.hide()
        self.brand = QLabel("callcoach", objectName="brand")
        self.brand.setStyleSheet("color: #6b7280;")
        self.slow_down = SlowDownBadge(self)
        self.meter = FrustrationMeter(self)
        self.card = PromptCard(self, fade_ms=fade_ms)
        self.status_label = StatusLine(self)

        header = QHBoxLayout()
        header.addWidget(self.capture_label)
        header.addWidget(self.brand)
        header.addStretch(1)
        header.addWidget(self.slow_down)
        footer = QHBoxLayout()
        footer.addWidget(self.status_label, 1)
        footer.addWidget(
            QSizeGrip(self), 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 4)
        layout.setSpacing(6)
        layout.addLayout(header)
        layout.addWidget(self.meter)
        layout.addWidget(self.card)
        layout.addLayout(footer)

        self.card.done_clicked.connect(self.mark_done)
        self.card.dismiss_clicked.connect(self.dismiss)
        self.card.faded.connect(self._on_card_faded)
        self.shortcuts: list[QShortcut] = []
        for keys, action in zip(shortcuts, (self.mark_done, self.dismiss), strict=True):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
            shortcut.activated.connect(action)
            self.shortcuts.append(shortcut)

        self._ticker = QTimer(self, interval=250)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()
        self._idle_timer = QTimer(self, singleShot=True, interval=idle_after_call_ms)
        self._idle_timer.timeout.connect(self._idle_after_call)
        self.restore_geometry()
        self.fit_height()

    # ------------------------------------------------------------------ public API
    def call_time(self) -> float:
        return finite(self._clock()) or 0.0

    @property
    def current_prompt(self) -> Prompt | None:
        return self._cards.current

    @property
    def queued_prompts(self) -> list[Prompt]:
        return list(self._cards.queued)

    @property
    def is_idle(self) -> bool:
        return self._idle

    def handle_event(self, event: object) -> None:
        """Show one pipeline event. Never raises: odd input is logged and ignored."""
        try:
            self._dispatch(event)
            self.fit_height()
        except Exception:
            # the event's type only: an utterance's text stays out of the log unless debugging
            log.exception("overlay ignored an event it could not show: %s", type(event).__name__)
            log.debug("the event: %r", event)

    def mark_done(self) -> bool:
        """The agent did what the card says (✓ or Ctrl+Alt+D). False when no card is up."""
        return self._act("done")

    def dismiss(self) -> bool:
        """The agent waved the card away (✕ or Ctrl+Alt+X). False when no card is up."""
        return self._act("dismissed")

    def set_capturing(self, capturing: bool) -> None:
        self.capture_label.setVisible(bool(capturing))
        self.brand.setVisible(not capturing)

    def set_idle(self, idle: bool) -> None:
        """No call: hide (a tray icon remains) or shrink to the header line; a call shows it."""
        self._idle_timer.stop()
        if idle == self._idle:
            return
        if idle:
            self.remember_geometry()
            self._cards.clear_all()
            self.card.clear()
            self.meter.reset()
            self.slow_down.hide()
        self._idle = idle
        for widget in (self.meter, self.card, self.status_label):
            widget.setVisible(
                not idle and (widget is not self.card or self.current_prompt is not None)
            )
        self.remembers_geometry = not idle
        if idle and self._hide_when_idle:
            self.hide()
        elif idle:  # a small pill: the header line only
            self.setMinimumSize(0, 0)
            self.setMaximumHeight(16_777_215)
            self.adjustSize()
            self.fit_height()
        else:
            self.setMinimumSize(self.normal_minimum)
            self.restore_geometry()
            self.fit_height()
            self.show()

    def show_status(self, level: str, message: str) -> None:
        """A line for the user (device error, dropped audio); info lines clear after 8 s."""
        text = self.status_label.show_message(level, message)
        self.fit_height()
        self.status_changed.emit(self.status_label.level, text)

    def tick(self) -> None:
        """Timers in call time: the slow-down badge goes quiet, a stale card fades; the height
        follows what is left."""
        now = self.call_time()
        self.slow_down.expire(now)
        self.fit_height()  # a status line may have cleared itself
        # after the call only the call-back reminder is left, and it stays until marked (a
        # replay's clock runs on after the call ends; a live call's stops)
        if not self._call_over and self._cards.expire(now) and not self.card.is_fading:
            self.card.fade_out()

    # ------------------------------------------------------------------ events
    def _dispatch(self, event: object) -> None:
        if isinstance(event, Prompt):
            self._on_prompt(event)
        elif isinstance(event, TrendPoint):
            self._begin_call(event.t)
            self.meter.set_level(event.level, str(event.direction))
        elif isinstance(event, Utterance):
            self._begin_call(event.processed_t or event.end)
        elif isinstance(event, ToneUpdate):
            self._begin_call(event.t)
            tone = finite(event.tone)
            agent = event.speaker == "agent" and event.baseline is not False  # no baseline: no tag
            if agent and tone is not None and tone >= self._slow_down_tone:
                self.slow_down.raise_for(self.call_time(), 10.0)
        elif isinstance(event, PromptOutcome):
            self._on_pipeline_outcome(event)
        elif isinstance(event, CardCleared):
            self._on_card_cleared(event)
        elif isinstance(event, StatusMessage):
            self.show_status(str(event.level), event.message)
        elif isinstance(event, CallEnded):
            self._end_call()
        else:
            log.debug("overlay: ignoring %s", type(event).__name__)

    def _begin_call(self, t: Any) -> None:
        if self._call_over:  # the first event of the next call
            self._call_over = False
            self._event_clock.reset()
            self._cards.clear_all()
            self.card.clear()
            self.meter.reset()
            self.slow_down.hide()
        if self._idle:
            self.set_idle(False)
        number = finite(t)
        if number is not None:
            self._event_clock.note(number)

    def _on_prompt(self, event: Prompt) -> None:
        prompt = clean_prompt(event, self.call_time())
        if prompt is None:
            log.warning("overlay: a prompt with no title or id was ignored")
            return
        self._begin_call(prompt.t)
        if not self._cards.offer(prompt, self.call_time()):
            return  # the coach kept it off screen: neither card nor badge
        if prompt.id == "slow_down":
            self.slow_down.raise_for(self.call_time(), 15.0)
        self._show_current()

    def _on_pipeline_outcome(self, event: PromptOutcome) -> None:
        """The coach saw the agent follow a card (or gave up on it): take it down."""
        current = self._cards.current
        same_card = getattr(event, "prompt_t", None) in (None, getattr(current, "t", None))
        if current is not None and current.id == event.id and same_card:
            self._next_card()

    def _on_card_cleared(self, event: CardCleared) -> None:
        """The coach took the card down (followed, expired, the call ended)."""
        cleared = self._cards.current is not None and self._cards.clear(str(event.id))
        if cleared and not self.card.is_fading:
            self.card.fade_out()

    def _end_call(self) -> None:
        now = self.call_time()
        self._event_clock.stop()
        self._call_over = True
        self.slow_down.hide()
        if self._cards.end_call(now) is not None:
            if self.card.prompt is not self._cards.current:  # not already on screen
                self._show_current()
        else:
            self.card.clear()
            self._idle_timer.start()

    def _show_current(self) -> None:
        prompt = self._cards.current
        if prompt is not None:
            self.card.show_prompt(prompt, prompt.title, prompt.say, prompt.reason)

    def _act(self, outcome: Outcome) -> bool:
        prompt = self._cards.current
        if prompt is None:
            return False
        t = self.call_time()
        self.outcomes.append(RecordedOutcome(prompt.id, outcome, t))
        log.info("prompt %s %s at %.1f s", prompt.id, outcome, t)
        self.outcome_recorded.emit(prompt.id, outcome, t)
        if self._on_outcome is not None:
            try:
                self._on_outcome(prompt.id, outcome, t)
            except Exception:
                log.exception("recording the outcome of %s failed", prompt.id)
        self._next_card()
        self.fit_height()
        return True

    def _next_card(self) -> None:
        if self._cards.resolve(self.call_time()) is not None:
            self._show_current()
        else:
            self.card.clear()
            if self._call_over:
                self._idle_timer.start()

    def _on_card_faded(self) -> None:
        if self._cards.current is not None:
            log.info("prompt %s faded without action", self._cards.current.id)
        self._next_card()
        self.fit_height()

    def _idle_after_call(self) -> None:
        if self._call_over and self._cards.current is None:
            self.set_idle(True)
