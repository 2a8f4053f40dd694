"""The live overlay driven by a real session replaying the demo call (real models, offscreen)."""

from __future__ import annotations

from app.audio.capture import SimulatedSource
from app.config import Settings
from app.paths import ASSETS_DIR
from app.pipeline.live import LiveSession
from app.ui.bridge import EventBridge
from app.ui.live_window import LiveController
from app.ui.overlay import OverlayWindow


def test_controller_shows_prompts_records_outcomes_and_stops(qtbot, models) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    sessions: list[LiveSession] = []

    def make_session() -> LiveSession:
        source = SimulatedSource(ASSETS_DIR / "demo_call.ogg", speed=40)
        sessions.append(LiveSession(source, models, settings))
        return sessions[-1]

    finished: list[bool] = []
    bridge = EventBridge()
    controller: LiveController
    overlay = OverlayWindow(
        lambda pid, outcome, t: controller.record_outcome(pid, outcome, t),
        clock=lambda: controller.call_time(),
    )
    qtbot.addWidget(overlay)
    controller = LiveController(make_session, overlay, bridge, lambda: finished.append(True))
    bridge.connect_to(overlay.handle_event)
    overlay.show()

    controller.start()
    assert overlay.capture_label.isVisibleTo(overlay)
    qtbot.waitUntil(lambda: overlay.current_prompt is not None, timeout=60_000)
    shown = overlay.current_prompt
    assert shown is not None
    overlay.dismiss()  # the agent dismisses the card: the coach records it
    qtbot.waitUntil(lambda: finished == [True], timeout=120_000)
    assert not overlay.capture_label.isVisibleTo(overlay)
    outcomes = [
        (e.id, e.outcome) for e, _, _ in sessions[0].events if type(e).__name__ == "PromptOutcome"
    ]
    assert (shown.id, "dismissed") in outcomes

    controller.start()  # "Start listening" again: a new call with a fresh session
    assert len(sessions) == 2
    controller.stop()
    qtbot.waitUntil(lambda: finished == [True, True], timeout=60_000)
    bridge.close()
