"""System-wide shortcuts: key translation and delivery from the listener's thread."""

from __future__ import annotations

import threading

from app.events import Prompt
from app.ui.hotkeys import GlobalHotkeys, to_keyspec
from app.ui.overlay import OverlayWindow


def test_qt_keys_become_key_specs() -> None:
    assert to_keyspec("Ctrl+Alt+D") == "<ctrl>+<alt>+d"
    assert to_keyspec("Ctrl+Shift+F9") == "<ctrl>+<shift>+<f9>"


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


def test_x11_grab_catches_keys_pressed_anywhere(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """On a real (virtual) X server: a key press sent to the server reaches the grab."""
    import shutil
    import subprocess
    import time

    import pytest

    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (CI installs it)")
    from Xlib import XK, X, display
    from Xlib.ext import xtest

    from app.ui.x11_keys import X11KeyGrab

    name = ":93"
    server = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "640x480x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            try:
                sender = display.Display(name)
                break
            except Exception:
                time.sleep(0.1)
        else:
            pytest.skip("Xvfb did not start")
        pressed = threading.Event()
        grab = X11KeyGrab({"<ctrl>+<alt>+d": pressed.set}, display_name=name)
        grab.start()
        keys = [XK.XK_Control_L, XK.XK_Alt_L, XK.string_to_keysym("d")]
        codes = [sender.keysym_to_keycode(k) for k in keys]
        for code in codes:
            xtest.fake_input(sender, X.KeyPress, code)
        for code in reversed(codes):
            xtest.fake_input(sender, X.KeyRelease, code)
        sender.sync()
        assert pressed.wait(3)
        grab.stop()
        sender.close()
    finally:
        server.terminate()
        server.wait(5)
