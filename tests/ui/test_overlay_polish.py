"""The overlay's finish (pytest-qt, offscreen; the compositor check on a real Xvfb server):
emphasis instead of Markdown asterisks, the "why?" hover on a window that is never active, no
empty panel between cards, a fading card that stays readable, rounded corners without a
compositor."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QToolTip, QWidget

from app.coaching.playbook import load_playbook
from app.events import Prompt, TrendPoint
from app.markup import plain, to_html
from app.ui import GeometryStore, OverlayWindow
from app.ui.card import why_tooltip
from app.ui.window import x11_compositor_running

PLAYBOOK = load_playbook()


def start_xvfb(size: str) -> tuple[subprocess.Popen, str]:
    """A private Xvfb on a display number it picks itself (-displayfd), so it never lands on
    another test's or user's server; returns (process, ":N") once it accepts connections."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", size, "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        ready, _, _ = select.select([pipe], [], [], 30)
        number = pipe.readline().strip() if ready else ""
    if not number.isdigit():
        server.kill()
        server.wait(timeout=5)
        pytest.skip("Xvfb did not start")
    return server, f":{number}"


def prompt(prompt_id: str, t: float, reason: str = "test reason") -> Prompt:
    spec = PLAYBOOK.prompt(prompt_id)
    assert spec is not None, prompt_id
    return Prompt(
        t=t,
        id=spec.id,
        title=spec.title,
        say=spec.say,
        reason=reason,
        priority=spec.priority,
        group=spec.group,
        interrupts=spec.interrupts,
        source_t=t,
    )


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def overlay(qtbot, tmp_path: Path) -> OverlayWindow:  # type: ignore[no-untyped-def]
    window = OverlayWindow(
        clock=Clock(), geometry_store=GeometryStore(tmp_path / "g.json"), fade_ms=3000
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def shown_text(label: QLabel) -> str:
    """What a reader sees: the label's rich text rendered to plain words."""
    doc = QTextDocument()
    doc.setHtml(label.text())
    return doc.toPlainText()


def test_markdown_emphasis_is_rendered_never_shown_as_asterisks(overlay: OverlayWindow) -> None:
    assert PLAYBOOK.prompt("avoid_policy_language").title == "Say what you *can* do"  # type: ignore[union-attr]
    overlay.handle_event(prompt("avoid_policy_language", 5.0, "the agent said *our policy*"))
    title = overlay.card.title
    assert title.textFormat() == Qt.TextFormat.RichText
    assert "<i>can</i>" in title.text()
    assert shown_text(title) == "Say what you can do"
    assert "*" not in overlay.card.toolTip()
    # a placeholder in a suggested line stays visible (not eaten as an HTML tag)
    overlay.mark_done()
    overlay.handle_event(prompt("offer_timeline", 6.0))  # the core shows it once the card is done
    assert overlay.current_prompt is not None and overlay.current_prompt.id == "offer_timeline"
    assert "<day>" in shown_text(overlay.card.say) and "*" not in shown_text(overlay.card.say)
    for spec in PLAYBOOK.prompts:
        overlay.handle_event(prompt(spec.id, 7.0))
        assert "*" not in shown_text(overlay.card.title), spec.id


def test_markup_helpers() -> None:
    assert plain("Say what you *can* do") == "Say what you can do"
    assert plain("**now** and _then_") == "now and then"
    assert plain("5 * 3 and snake_case_name") == "5 * 3 and snake_case_name"
    assert to_html("by <day> *now*") == "by &lt;day&gt; <i>now</i>"
    # the reason's tooltip: one plain line, or escaped HTML where Qt would read it as HTML
    assert why_tooltip("the agent said *our policy*") == "Why: the agent said our policy"
    assert why_tooltip("a <b>bold</b> claim") == "<qt>Why: a &lt;b&gt;bold&lt;/b&gt; claim</qt>"
    assert why_tooltip("") == "Why: no reason given"


def test_why_hover_shows_the_reason_although_the_overlay_is_never_active(
    overlay: OverlayWindow, qtbot
) -> None:  # type: ignore[no-untyped-def]
    overlay.handle_event(prompt("acknowledge_anger", 5.0, "frustration 0.80 and rising"))
    why = overlay.card.why
    # the agent's call software is the active window; the overlay never is
    softphone = QWidget()
    qtbot.addWidget(softphone)
    softphone.setGeometry(0, 0, 200, 100)
    softphone.show()
    softphone.activateWindow()
    qtbot.waitUntil(softphone.isActiveWindow)
    assert not overlay.isActiveWindow()
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_AlwaysShowToolTips)
    QToolTip.hideText()
    QTest.mouseMove(why, QPoint(why.width() // 2, why.height() // 2))
    qtbot.waitUntil(lambda: QToolTip.isVisible() and "0.80 and rising" in QToolTip.text())
    QToolTip.hideText()

    # the control: without the attribute Qt keeps the tooltip of an inactive window hidden,
    # which is what the agent saw before
    overlay.setAttribute(Qt.WidgetAttribute.WA_AlwaysShowToolTips, False)
    QTest.mouseMove(overlay.card.say, QPoint(3, 3))
    QTest.mouseMove(why, QPoint(why.width() // 2, why.height() // 2 - 1))
    qtbot.wait(1500)
    assert not QToolTip.isVisible()


def test_panel_collapses_between_cards_and_grows_for_a_card(overlay: OverlayWindow) -> None:
    overlay.resize(430, 400)
    overlay.fit_height()
    overlay.handle_event(TrendPoint(1.0, 0.8, 0.2, "rising"))
    empty = overlay.height()
    assert empty < 100  # header + meter only
    overlay.handle_event(prompt("acknowledge_anger", 5.0))
    with_card = overlay.height()
    card_height = overlay.card.height()
    assert with_card >= empty + card_height  # room for the card, and no more than the content
    assert with_card <= empty + card_height + overlay.layout().spacing() + 2
    assert overlay.mark_done()
    assert overlay.card.isHidden()
    assert overlay.height() == empty  # no empty dark panel left behind
    # a long reason does not matter, a long line wraps: taller, still exactly the content
    overlay.resize(300, overlay.height())
    overlay.handle_event(prompt("offer_something_extra", 9.0))
    assert overlay.height() == overlay.layout().totalHeightForWidth(300)


def luminance(colour: QColor) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.red())
        + 0.7152 * channel(colour.green())
        + (0.0722 * channel(colour.blue()))
    )


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def title_contrast(overlay: OverlayWindow) -> float:
    """Contrast between the darkest title pixel and the card background beside the title, as
    rendered in the window."""
    image: QImage = overlay.grab().toImage()
    card, title = overlay.card, overlay.card.title
    top_left = title.mapTo(overlay, QPoint(0, 0))
    background = image.pixelColor(card.mapTo(overlay, QPoint(card.width() // 2, 2)))
    darkest = min(
        (
            image.pixelColor(top_left.x() + x, top_left.y() + y)
            for x in range(0, title.width(), 2)
            for y in range(title.height())
        ),
        key=luminance,
    )
    return contrast(darkest, background)


def test_a_fading_card_stays_readable(overlay: OverlayWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    overlay.set_composited(False)  # opaque pixels: what is measured is what is seen
    overlay.handle_event(prompt("acknowledge_anger", 5.0))
    fresh = title_contrast(overlay)
    assert fresh >= 7.0
    overlay.card.fade_out()
    qtbot.wait(2000)  # two thirds through the 3 s fade
    assert overlay.card.is_fading and 0.1 < overlay.card.remaining < 0.5
    assert title_contrast(overlay) >= 7.0  # WCAG AAA, not grey on grey
    with qtbot.waitSignal(overlay.card.faded, timeout=3000):
        pass
    assert overlay.current_prompt is None


def test_without_a_compositor_the_window_is_opaque_and_masked_round(
    overlay: OverlayWindow,
) -> None:
    overlay.set_composited(False)
    mask = overlay.mask()
    assert not mask.isEmpty()
    assert not mask.contains(QPoint(0, 0))  # the corner is cut, not painted black
    assert not mask.contains(QPoint(overlay.width() - 1, overlay.height() - 1))
    assert mask.contains(QPoint(overlay.width() // 2, overlay.height() // 2))
    assert mask.contains(QPoint(overlay.width() // 2, 1))
    panel = overlay.grab().toImage().pixelColor(overlay.width() // 2, overlay.height() - 3)
    assert panel.alpha() == 255
    overlay.resize(overlay.width() + 40, overlay.height())
    assert overlay.mask().contains(QPoint(overlay.width() - 20, overlay.height() // 2))
    overlay.set_composited(True)
    assert overlay.mask().isEmpty()  # with a compositor: translucent, antialiased corners


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb not installed")
def test_compositor_detection_on_a_real_x_server(tmp_path: Path) -> None:
    from Xlib import X
    from Xlib import display as xdisplay

    server, display = start_xvfb("320x200x24")
    try:
        assert not x11_compositor_running(display)  # a bare X server: corners would be black
        # a compositing manager announces itself by owning _NET_WM_CM_S0; be one
        conn = xdisplay.Display(display)
        win = conn.screen().root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        win.set_selection_owner(conn.intern_atom("_NET_WM_CM_S0"), X.CurrentTime)
        conn.sync()
        assert x11_compositor_running(display)
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=5)
    assert not x11_compositor_running(display)  # the server is gone: no translucency


def test_the_call_back_reminder_stays_after_the_call_until_marked(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.events import CallEnded

    clock = Clock()
    overlay = OverlayWindow(clock=clock, geometry_store=GeometryStore(tmp_path / "g.json"))
    qtbot.addWidget(overlay)
    overlay.show()
    overlay.handle_event(prompt("follow_up_call", 90.0))
    overlay.handle_event(CallEnded(90.0, 90.0))
    clock.now = 200.0  # a replay's clock runs on after the call
    overlay.tick()
    qtbot.wait(50)
    assert not overlay.card.is_fading
    assert overlay.current_prompt is not None and overlay.current_prompt.id == "follow_up_call"
    assert overlay.mark_done()
