"""A system-wide key grab on X11 with python-xlib (pure Python, nothing to compile)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
_MODIFIERS = {
    "<ctrl>": "ControlMask",
    "<alt>": "Mod1Mask",
    "<shift>": "ShiftMask",
    "<cmd>": "Mod4Mask",
}


class X11KeyGrab:
    """Grabs each binding ("<ctrl>+<alt>+d") on the root window and calls its callback from
    a listener thread. The keys then go to callcoach, not to the focused application."""

    def __init__(
        self, bindings: dict[str, Callable[[], None]], display_name: str | None = None
    ) -> None:
        from Xlib import XK, X, display, error

        self._X = X
        self._display = display.Display(display_name)  # raises if there is no X server
        self._root = self._display.screen().root
        self._callbacks: dict[tuple[int, int], Callable[[], None]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        caught = error.CatchError(error.BadAccess)
        # NumLock (Mod2) and CapsLock (Lock) must not stop the shortcut from matching
        self._ignored = (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)
        for keys, callback in bindings.items():
            *mods, key = keys.split("+")
            mask = 0
            for mod in mods:
                mask |= getattr(X, _MODIFIERS[mod])
            keysym = XK.string_to_keysym(key.strip("<>"))
            keycode = self._display.keysym_to_keycode(keysym)
            if not keycode:
                raise ValueError(f"no key for {keys!r} on this keyboard")
            self._callbacks[(keycode, mask)] = callback
            for extra in self._ignored:
                self._root.grab_key(
                    keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=caught
                )
        self._display.sync()
        if caught.get_error():
            self.stop()
            raise OSError("another application already uses these shortcuts")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._listen, name="x11-hotkeys", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        X = self._X
        relevant = X.ControlMask | X.Mod1Mask | X.ShiftMask | X.Mod4Mask
        while not self._stop.is_set():
            if not self._display.pending_events():
                self._stop.wait(0.05)
                continue
            event = self._display.next_event()
            if event.type == X.KeyPress:
                callback = self._callbacks.get((event.detail, event.state & relevant))
                if callback is not None:
                    callback()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        try:
            for keycode, mask in self._callbacks:
                for extra in self._ignored:
                    self._root.ungrab_key(keycode, mask | extra)
            self._display.close()
        except Exception:  # the X server went away first
            log.debug("releasing the key grab failed", exc_info=True)
