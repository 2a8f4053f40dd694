"""The desktop side of callcoach: the only package that imports PySide6.

The pipeline reaches the GUI through `EventBridge.sink` (any thread); `OverlayWindow` shows the
coaching card, the customer's frustration meter and the capture state; `CallcoachTray` holds the
controls; `replay_on_overlay` plays an analysed call on the overlay (the demo).
"""

from app.ui.bridge import EventBridge
from app.ui.geometry import GeometryStore
from app.ui.overlay import DISMISS_KEYS, DONE_KEYS, OverlayWindow
from app.ui.policy import CardQueue, CardSlot, RecordedOutcome
from app.ui.replay import replay_on_overlay
from app.ui.tray import CallcoachTray

__all__ = [
    "DISMISS_KEYS",
    "DONE_KEYS",
    "CallcoachTray",
    "CardQueue",
    "CardSlot",
    "EventBridge",
    "GeometryStore",
    "OverlayWindow",
    "RecordedOutcome",
    "replay_on_overlay",
]
