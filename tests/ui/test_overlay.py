"""The overlay driven by simulated calls (pytest-qt, offscreen).

Prompts are built from the shipped playbook, so priorities and interruptions are the real ones;
the only fake is the clock (call time), at the edge.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from app.coaching.engine import Coach
from app.coaching.playbook import load_playbook
from app.coaching.presentation import CardPolicy
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
from app.ui import GeometryStore, OverlayWindow

PLAYBOOK = load_playbook()
CTRL_ALT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
LEFT = Qt.MouseButton.LeftButton


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def prompt(prompt_id: str, t: float, reason: str = "test reason") -> Prompt:
    spec = PLAYBOOK.prompt(prompt_id)
    assert spec is not None, prompt_id
    return spec.to_prompt(t, reason)


class Harness:
    def __init__(self, qtbot, store_path: Path) -> None:  # type: ignore[no-untyped-def]
        self.clock = FakeClock()
        self.calls: list[tuple[str, str, float]] = []
        self.store = GeometryStore(store_path)
        self.window = OverlayWindow(
            lambda pid, outcome, t: self.calls.append((pid, outcome, t)),
            clock=self.clock,
            geometry_store=self.store,
            fade_ms=20,
            idle_after_call_ms=30,
        )
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)

    def send(self, *events: object) -> None:
        for event in events:
            self.clock.now = max(self.clock.now, getattr(event, "t", self.clock.now))
            self.window.handle_event(event)


@pytest.fixture
def ui(qtbot, tmp_path: Path) -> Harness:  # type: ignore[no-untyped-def]
    return Harness(qtbot, tmp_path / "overlay_geometry.json")


def test_window_is_a_frameless_on_top_tool_that_never_takes_focus(ui: Harness) -> None:
    flags = ui.window.windowFlags()
    for flag in (
        Qt.WindowType.FramelessWindowHint,
        Qt.WindowType.WindowStaysOnTopHint,
        Qt.WindowType.WindowDoesNotAcceptFocus,
        Qt.WindowType.Tool,
    ):
        assert flags & flag, flag
    assert ui.window.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert ui.window.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    assert ui.window.card.done_button.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_a_prompt_appears_with_title_line_and_why(ui: Harness) -> None:
    assert ui.window.card.isHidden()
    ui.send(prompt("offer_timeline", 12.0, reason="customer asked 'how long'"))
    card = ui.window.card
    assert card.isVisible()
    assert card.title.text() == "Give a timeline"
    assert "sorted by" in card.say.text()
    assert "how long" in card.toolTip() and "how long" in card.why.toolTip()
    assert card.title.font().pointSizeF() > card.say.font().pointSizeF()


def test_the_overlay_shows_what_the_coachs_card_policy_decided(ui: Harness) -> None:
    """Priority, queue and interruptions are decided in the core (CardPolicy); the overlay
    shows the prompts it marks shown, ignores the others and takes down what it clears."""
    w = ui.window
    policy = CardPolicy()

    def offer(pid: str, t: float) -> None:
        ui.clock.now = t
        ui.send(*policy.offer(prompt(pid, t), t))

    offer("offer_timeline", 10.0)  # priority 60
    offer("acknowledge_anger", 11.0)  # 10: more important, replaces it
    assert w.current_prompt.id == "acknowledge_anger"
    assert w.card.title.text() == "Acknowledge their anger"
    offer("acknowledge_loyalty", 12.0)  # 80: less important, waits in the coach's queue
    assert w.current_prompt.id == "acknowledge_anger"
    assert w.queued_prompts == []  # nothing queues in the overlay
    offer("slow_down", 13.0)  # agent-side, interrupts
    assert w.current_prompt.id == "slow_down"
    assert w.card.title.text() == "Pause, breathe, slow down"
    assert not w.slow_down.isHidden()  # the discreet agent badge too
    ui.send(*policy.clear("slow_down", 14.0, "followed"))  # the coach heard it followed
    assert w.current_prompt.id == "acknowledge_loyalty"  # the coach's next card
    hidden = dataclasses.replace(prompt("clarify", 15.0), shown=False, why_not="superseded")
    ui.send(hidden)
    assert w.current_prompt.id == "acknowledge_loyalty"  # a card the coach kept off screen
    ui.send(CardCleared(16.0, "acknowledge_loyalty", "expired after 20 s"))
    assert w.current_prompt is None


@pytest.mark.skipif(
    os.environ.get("QT_QPA_PLATFORM") != "offscreen",
    reason="on a real window system the overlay never has keyboard focus, by design",
)
def test_dismiss_by_shortcut_on_the_overlay(ui: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.send(prompt("empathize", 20.0))
    ui.clock.now = 21.5
    qtbot.keyClick(ui.window, Qt.Key.Key_X, CTRL_ALT)
    assert ui.calls == [("empathize", "dismissed", 21.5)]
    assert ui.window.card.isHidden()


@pytest.mark.skipif(
    os.environ.get("QT_QPA_PLATFORM") != "offscreen",
    reason="QTest's synthetic Ctrl+Alt keys are not mapped on xcb (real keys checked with xdotool)",
)
def test_shortcuts_work_from_a_focused_callcoach_window(ui: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    # the overlay never takes focus; the shortcuts are application-wide, so they work while any
    # callcoach window (review, settings) has the keyboard, and the keys do not reach its fields
    other = QWidget()
    qtbot.addWidget(other)
    edit = QLineEdit(other)
    other.show()
    other.activateWindow()
    qtbot.waitActive(other)
    edit.setFocus()
    ui.send(prompt("clarify", 30.0))
    qtbot.keyClick(edit, Qt.Key.Key_D, CTRL_ALT)
    ui.send(prompt("empathize", 40.0))
    ui.clock.now = 41.0
    qtbot.keyClick(edit, Qt.Key.Key_X, CTRL_ALT)
    assert ui.calls == [("clarify", "done", 30.0), ("empathize", "dismissed", 41.0)]
    assert edit.text() == ""
    assert ui.window.card.isHidden()


def test_done_and_dismiss_by_click_are_recorded(ui: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui.send(prompt("acknowledge_anger", 5.0))
    ui.clock.now = 7.25
    qtbot.mouseClick(ui.window.card.done_button, LEFT)
    ui.send(prompt("offer_timeline", 40.0))
    qtbot.mouseClick(ui.window.card.dismiss_button, LEFT)
    assert ui.calls == [("acknowledge_anger", "done", 7.25), ("offer_timeline", "dismissed", 40.0)]
    recorded = [(o.prompt_id, o.outcome, o.t) for o in ui.window.outcomes]
    assert recorded == ui.calls
    assert ui.window.current_prompt is None and ui.window.card.isHidden()
    assert not ui.window.mark_done()  # nothing up: nothing recorded
    assert len(ui.window.outcomes) == 2


def test_outcome_reaches_the_real_coach(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    coach = Coach(PLAYBOOK)
    stored: list[PromptOutcome] = []

    def record(pid: str, outcome: str, t: float) -> None:
        result = coach.record_outcome(pid, outcome, t)
        if result is not None:
            stored.append(result)

    window = OverlayWindow(record, geometry_store=GeometryStore(tmp_path / "g.json"))
    qtbot.addWidget(window)
    utt = Utterance("customer", 0.0, 3.0, "This is ridiculous, I am furious!", 0.9, 0.9, 0.92, 3.2)
    trend = TrendPoint(3.2, 0.85, 0.3, "rising")
    events = coach.on_utterance(utt, trend)
    shown = [e for e in events if isinstance(e, Prompt)]
    assert shown, "the coach should raise a card for a furious customer"
    for event in (utt, trend, *events):
        window.handle_event(event)
    assert window.current_prompt.id == shown[0].id
    assert window.meter.level == pytest.approx(0.85)
    assert window.mark_done()
    assert [(o.id, o.outcome) for o in stored] == [(shown[0].id, "done")]


def test_meter_follows_the_trend(ui: Harness) -> None:
    meter = ui.window.meter
    ui.send(TrendPoint(3.0, 0.82, 0.2, "rising"))
    assert meter.level == pytest.approx(0.82) and meter.arrow_text == "↑"
    assert meter.value.text() == "0.82"
    ui.send(TrendPoint(9.0, 0.5, 0.0, "steady"))
    assert meter.arrow_text == "→"
    ui.send(TrendPoint(15.0, 1.7, -0.2, "falling"))
    assert meter.level == 1.0 and meter.arrow_text == "↓"


def test_bad_input_never_raises(ui: Harness) -> None:
    w = ui.window
    ui.send(TrendPoint(1.0, 0.4, 0.0, "steady"))
    odd = [
        object(),
        None,
        "text",
        TrendPoint(float("nan"), float("nan"), float("nan"), "sideways"),  # type: ignore[arg-type]
        Prompt(None, None, None, None, None, None),  # type: ignore[arg-type]
        Prompt(float("nan"), "x", "", None, None, float("nan")),  # type: ignore[arg-type]
        Utterance("customer", 0, 1, None, float("nan"), 0, 0, float("inf")),  # type: ignore[arg-type]
        ToneUpdate(None, "agent", None),  # type: ignore[arg-type]
        StatusMessage(0, "panic", None),  # type: ignore[arg-type]
        PromptOutcome(2.0, None, "followed"),  # type: ignore[arg-type]
        CallEnded(float("nan"), float("nan")),
    ]
    for event in odd:
        w.handle_event(event)
    assert w.meter.level == pytest.approx(0.4)  # NaN did not overwrite a good reading
    # a prompt with only an id still shows (title falls back to the id)
    w.handle_event(Prompt(50.0, "custom", "", "", "", 30))  # type: ignore[arg-type]
    assert w.card.title.text() == "custom"


def test_status_line_shows_device_errors(ui: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(ui.window.status_changed) as signal:
        ui.send(StatusMessage(2.0, "error", "Microphone 'USB Headset' disconnected"))
    assert signal.args == ["error", "Microphone 'USB Headset' disconnected"]
    assert "disconnected" in ui.window.status_label.text()


def test_agent_pace_badge_from_tone(ui: Harness) -> None:
    badge = ui.window.slow_down
    ui.send(ToneUpdate(4.0, "customer", 0.95))
    assert badge.isHidden()  # the customer's voice is the meter's business
    ui.send(ToneUpdate(5.0, "agent", 0.9))
    assert not badge.isHidden()
    ui.clock.now = 60.0
    ui.window.tick()
    assert badge.isHidden()


def test_stale_card_fades_and_makes_room(ui: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = ui.window
    ui.send(prompt("acknowledge_anger", 10.0))
    ui.send(prompt("offer_timeline", 12.0))  # waits behind it
    ui.clock.now = 31.0  # 21 s without action
    w.tick()
    qtbot.waitUntil(
        lambda: w.current_prompt is not None and w.current_prompt.id == "offer_timeline"
    )
    assert w.outcomes == []  # fading is not an agent action
    # a stale card gives way even to a less important prompt
    ui.clock.now = 60.0
    ui.send(prompt("acknowledge_loyalty", 60.0))
    assert w.current_prompt.id == "acknowledge_loyalty"


def test_followed_card_comes_down(ui: Harness) -> None:
    ui.send(prompt("offer_timeline", 10.0))
    ui.send(PromptOutcome(14.0, "offer_timeline", "followed", "I'll call you Friday"))
    assert ui.window.current_prompt is None and ui.window.card.isHidden()


def test_idle_after_call_and_back(ui: Harness, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = ui.window
    w.set_capturing(True)
    assert not w.capture_label.isHidden() and "listening" in w.capture_label.text()
    ui.send(prompt("offer_timeline", 10.0), CallEnded(30.0, 30.0))
    assert w.current_prompt is None  # live cards end with the call
    qtbot.waitUntil(lambda: w.is_idle and not w.isVisible())
    ui.clock.now = 0.0
    ui.send(Utterance("customer", 0.0, 2.0, "Hello?", 0.1, 0.1, 0.1, 2.1))
    assert not w.is_idle and w.isVisible()
    w.set_capturing(False)
    assert w.capture_label.isHidden()


def test_after_call_card_survives_the_end_of_the_call(ui: Harness) -> None:
    ui.send(prompt("acknowledge_anger", 10.0))
    ui.send(prompt("follow_up_call", 90.0), CallEnded(90.0, 90.0))
    assert ui.window.current_prompt.id == "follow_up_call"
