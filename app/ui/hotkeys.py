"""System-wide shortcuts for the overlay's Done / Dismiss, where the platform allows them.

The overlay never takes keyboard focus, so Qt's own shortcuts only fire while another callcoach
window is active. pynput listens to the keyboard system-wide on X11, Windows and macOS (there,
after the user grants the accessibility permission); Wayland does not let an application do
this, and then the overlay keeps its application shortcuts and its buttons.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
ListenerFactory = Callable[[dict[str, Callable[[], None]]], Any]


def to_pynput(keys: str) -> str:
    """Qt's "Ctrl+Alt+D" as pynput's "<ctrl>+<alt>+d"."""
    named = {"ctrl": "<ctrl>", "alt": "<alt>", "shift": "<shift>", "meta": "<cmd>"}
    parts = []
    for part in keys.split("+"):
        p = part.strip().lower()
        parts.append(named.get(p, p if len(p) == 1 else f"<{p}>"))
    return "+".join(parts)


def global_hotkeys_possible() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY")) and os.environ.get("XDG_SESSION_TYPE") != "wayland"
    return True


def _pynput_listener(bindings: dict[str, Callable[[], None]]) -> Any:
    from pynput import keyboard

    return keyboard.GlobalHotKeys(bindings)


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
            to_pynput(done_keys): self.done.emit,
            to_pynput(dismiss_keys): self.dismiss.emit,
        }
        self._factory = listener_factory
        self._listener: Any = None

    def start(self) -> bool:
        """True when system-wide keys are active; False (logged) where they cannot be."""
        if self._factory is None and not global_hotkeys_possible():
            log.info("no system-wide shortcuts here (no X display or Wayland)")
            return False
        try:
            self._listener = (self._factory or _pynput_listener)(self._bindings)
            self._listener.start()
        except Exception as exc:  # no pynput, no X server, no permission
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
