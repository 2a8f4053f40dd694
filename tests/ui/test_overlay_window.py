"""The overlay as a window: where it sits, how it is dragged, how events reach it (offscreen)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication

from app.events import Prompt
from app.ui import EventBridge, GeometryStore, OverlayWindow
from app.ui.geometry import fit_rect, screen_key

LEFT = Qt.MouseButton.LeftButton


class Shown:
    def __init__(self, qtbot, path: Path) -> None:  # type: ignore[no-untyped-def]
        self.store = GeometryStore(path)
        self.window = OverlayWindow(geometry_store=self.store)
        qtbot.addWidget(self.window)
        self.window.show()
        qtbot.waitExposed(self.window)


@pytest.fixture
def ui(qtbot, tmp_path: Path) -> Shown:  # type: ignore[no-untyped-def]
    return Shown(qtbot, tmp_path / "overlay_geometry.json")


def test_geometry_is_saved_and_restored_per_screen(ui: Shown, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = ui.window
    screen = QGuiApplication.primaryScreen()
    key = screen_key(screen)
    w.setGeometry(QRect(40, 50, 300, 180))
    # place and width are the user's; the height is the content's (no empty panel)
    h = w.height()
    assert h < 180
    qtbot.waitUntil(lambda: ui.store.get(key) == QRect(40, 50, 300, h))
    data = json.loads(ui.store.path.read_text())
    assert data[key] == [40, 50, 300, h]

    again = OverlayWindow(geometry_store=ui.store)
    qtbot.addWidget(again)
    assert again.geometry() == QRect(40, 50, 300, h)

    # a place saved off screen (a monitor since unplugged at the same key) is pulled back on
    ui.store.save(key, QRect(-5000, 9000, 300, 180))
    third = OverlayWindow(geometry_store=ui.store)
    qtbot.addWidget(third)
    assert screen.availableGeometry().contains(third.geometry())


def test_geometry_file_that_is_broken_is_ignored(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "overlay_geometry.json"
    path.write_text("{not json")
    window = OverlayWindow(geometry_store=GeometryStore(path))
    qtbot.addWidget(window)
    assert QGuiApplication.primaryScreen().availableGeometry().contains(window.geometry())
    assert fit_rect(QRect(0, 0, 5000, 50), QRect(0, 0, 800, 600), QSize(100, 100)) == QRect(
        0, 0, 800, 100
    )


def test_drag_moves_the_window(ui: Shown, qtbot) -> None:  # type: ignore[no-untyped-def]
    w = ui.window
    start = w.pos()
    inside = QPointF(30, 10)
    press_global = QPointF(w.mapToGlobal(inside.toPoint()))

    def send(kind: QMouseEvent.Type, global_pos: QPointF, buttons: Qt.MouseButton) -> None:
        event = QMouseEvent(kind, inside, global_pos, LEFT, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(w, event)

    send(QMouseEvent.Type.MouseButtonPress, press_global, LEFT)
    send(QMouseEvent.Type.MouseMove, press_global + QPointF(-25, 15), LEFT)
    send(
        QMouseEvent.Type.MouseButtonRelease,
        press_global + QPointF(-25, 15),
        Qt.MouseButton.NoButton,
    )
    assert w.pos() == start + QPoint(-25, 15)


def test_bridge_delivers_worker_thread_events_on_the_gui_thread(ui: Shown, qtbot) -> None:  # type: ignore[no-untyped-def]
    bridge = EventBridge()
    seen_on: list[threading.Thread] = []
    bridge.connect_to(lambda _event: seen_on.append(threading.current_thread()))
    bridge.connect_to(ui.window.handle_event)
    card = Prompt(3.0, "clarify", "Ask a clarifying question", "Just so I get this right?", "", 40)
    worker = threading.Thread(target=bridge.sink, args=(card,))
    with qtbot.waitSignal(bridge.event_received, timeout=2000) as signal:
        worker.start()
        worker.join()
    assert isinstance(signal.args[0], Prompt)
    assert seen_on == [threading.main_thread()]
    assert ui.window.current_prompt.id == "clarify"
    bridge.close()
    bridge.sink(card)  # dropped, not raised


def test_idle_without_a_tray_shrinks_to_the_header(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = OverlayWindow(geometry_store=GeometryStore(tmp_path / "g.json"), hide_when_idle=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    full = window.size()
    window.set_idle(True)
    assert window.isVisible() and window.meter.isHidden() and window.card.isHidden()
    assert window.height() < full.height()
    window.set_idle(False)
    assert not window.meter.isHidden() and window.size() == full
