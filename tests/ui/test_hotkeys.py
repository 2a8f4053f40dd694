"""System-wide shortcuts: key translation and delivery from the listener's thread."""

from __future__ import annotations

import threading

from app.events import Prompt
from app.ui.hotkeys import GlobalHotkeys, to_pynput
from app.ui.overlay import OverlayWindow


def test_qt_keys_become_pynput_keys() -> None:
    assert to_pynput("Ctrl+Alt+D") == "<ctrl>+<alt>+d"
    assert to_pynput("Ctrl+Shift+F9") == "<ctrl>+<shift>+<f9>"


class ThreadListener:
    """Stands in for the OS keyboard hook: fires a binding from its own thread."""

    def __init__(self, bindings) -> None:  # type: ignore[no-untyped-def]
        self.bindings = bindings
        self.started = self.stopped = False

    def start(self) -> None:
        self.started = True

    def press(self, keys: str) -> None:
        t = threading.Thread(target=self.bindings[keys])
        t.start()
        t.join()

    def stop(self) -> None:
        self.stopped = True


def test_a_global_key_press_marks_the_card_on_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    outcomes: list[tuple[str, str]] = []
    overlay = OverlayWindow(lambda pid, outcome, t: outcomes.append((pid, outcome)))
    qtbot.addWidget(overlay)
    listeners: list[ThreadListener] = []

    def factory(bindings):  # type: ignore[no-untyped-def]
        listeners.append(ThreadListener(bindings))
        return listeners[-1]

    hotkeys = GlobalHotkeys(listener_factory=factory)
    hotkeys.done.connect(overlay.mark_done)
    hotkeys.dismiss.connect(overlay.dismiss)
    assert hotkeys.start() and listeners[0].started
    overlay.handle_event(
        Prompt(t=1.0, id="offer_timeline", title="Give a timeline", say="", reason="")
    )
    listeners[0].press("<ctrl>+<alt>+x")
    qtbot.waitUntil(lambda: outcomes == [("offer_timeline", "dismissed")])
    hotkeys.stop()
    assert listeners[0].stopped


def test_no_listener_means_no_global_keys(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(bindings):  # type: ignore[no-untyped-def]
        raise OSError("no X server")

    assert GlobalHotkeys(listener_factory=broken).start() is False
