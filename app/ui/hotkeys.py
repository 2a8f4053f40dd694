"""System-wide shortcuts for the overlay's Done / Dismiss, where the platform allows them.

The overlay never takes keyboard focus, so Qt's own shortcuts only fire while another callcoach
window is active. On X11 the keys are grabbed system-wide (`x11_keys`, python-xlib). Wayland lets
no application do this, and Windows/macOS hooks are not written yet: there the overlay keeps its
application shortcuts and its buttons.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
ListenerFactory = Callable[[dict[str, Callable[[], None]]], Any]


def to_keyspec(keys: str) -> str:
    """Qt's "Ctrl+Alt+D" as "<ctrl>+<alt>+d"."""
    named = {"ctrl": "<ctrl>", "alt": "<alt>", "shift": "<shift>", "meta": "<cmd>"}
    parts = []
    for part in keys.split("+"):
        p = part.strip().lower()
        parts.append(named.get(p, p if len(p) == 1 else f"<{p}>"))
    return "+".join(parts)


def global_hotkeys_possible() -> bool:
    """An X11 session (XWayland alone cannot see other windows' keys)."""
    return (
        sys.platform.startswith("linux")
        and bool(os.environ.get("DISPLAY"))
        and os.environ.get("XDG_SESSION_TYPE") != "wayland"
        and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb"
    )


def _x11_listener(bindings: dict[str, Callable[[], None]]) -> Any:
    from app.ui.x11_keys import X11KeyGrab

    return X11KeyGrab(bindings)


class GlobalHotkeys(QObject):
    """Emits `done` / `dismiss` on the GUI thread when the keys are pressed anywhere."""

    done = Signal()
    dismiss = Signal()

    def __init__(
        self,
        done_keys: str = "Ctrl+Alt+D",
        dismiss_keys: str = "Ctrl+Alt+X",
        listener_factory: ListenerFactory | None = None,
    ) -> None:
        super().__init__()
        self._bindings = {
            to_keyspec(done_keys): self.done.emit,
            to_keyspec(dismiss_keys): self.dismiss.emit,
        }
        self._factory = listener_factory
        self._listener: Any = None

    def start(self) -> bool:
        """True when system-wide keys are active; False (logged) where they cannot be."""
        if self._factory is None and not global_hotkeys_possible():
            log.info("no system-wide shortcuts here (no X display or Wayland)")
            return False
        try:
            self._listener = (self._factory or _x11_listener)(self._bindings)
            self._listener.start()
        except Exception as exc:  # no X server, keys taken by another application
            log.info("system-wide shortcuts unavailable: %s", exc)
            self._listener = None
            return False
        return True

    def stop(self) -> None:
        if self._listener is not None:
            try:
                self._listener.stop()
            except Exception:  # the listener's thread may already be gone
                log.debug("stopping the hotkey listener failed", exc_info=True)
            self._listener = None
