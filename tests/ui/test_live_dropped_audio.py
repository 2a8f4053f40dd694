"""Dropped audio reaches the agent: the overlay's status line says how much was lost."""

from __future__ import annotations

from app.audio.capture import SimulatedSource
from app.config import Settings
from app.paths import ASSETS_DIR
from app.pipeline.live import LiveSession
from app.ui.bridge import EventBridge
from app.ui.live_window import LiveController
from app.ui.overlay import OverlayWindow


def test_overlay_status_line_reports_dropped_audio(qtbot, models) -> None:  # type: ignore[no-untyped-def]
    sessions: list[LiveSession] = []

    def make_session() -> LiveSession:
        # far faster than the pipeline can follow, into a queue of 4 s (0.5 s blocks) instead of
        # 100 s: blocks are dropped whatever the machine's speed (200 blocks held most of the
        # 117 s call, so on a fast run nothing was dropped and the test failed)
        source = SimulatedSource(ASSETS_DIR / "demo_call.ogg", speed=2000)
        sessions.append(LiveSession(source, models, Settings(), queue_blocks=8))
        return sessions[-1]

    finished: list[bool] = []
    shown: list[tuple[str, str]] = []
    bridge = EventBridge()
    overlay = OverlayWindow(lambda pid, outcome, t: None, clock=lambda: 0.0)
    qtbot.addWidget(overlay)
    overlay.status_changed.connect(lambda level, text: shown.append((level, text)))
    controller = LiveController(make_session, overlay, bridge, lambda: finished.append(True))
    bridge.connect_to(overlay.handle_event)
    overlay.show()

    controller.start()
    qtbot.waitUntil(lambda: finished == [True], timeout=120_000)
    # what the status line was told (a later status may replace the line itself)
    qtbot.waitUntil(lambda: any("audio dropped:" in text for _, text in shown), timeout=10_000)
    dropped = [text for level, text in shown if level == "warning" and "dropped" in text]
    assert any("so far" in text for text in dropped), "told while the call ran"
    total = f"{sessions[0].dropped_audio_s:.1f} s of audio dropped"
    assert sessions[0].dropped_audio_s > 0
    assert any(text.startswith(total) for text in dropped), (total, dropped)
    bridge.close()
