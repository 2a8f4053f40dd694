"""The tray menu and the demo replay on the overlay (offscreen: no tray is available)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from app.config import Settings, default_settings_path, load_settings
from app.events import CallEnded, Prompt, TrendPoint, Utterance
from app.ui import CallcoachTray, EventBridge, GeometryStore, OverlayWindow, replay_on_overlay
from app.ui.replay import CallReplay, event_time


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    urls: list[str] = []

    def fake_open(url: QUrl) -> bool:
        urls.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(fake_open))
    return urls


def test_tray_menu_listening_and_devices(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    tray = CallcoachTray(
        on_start=lambda: calls.append("start"),
        on_stop=lambda: calls.append("stop"),
        list_devices=lambda: [("3", "USB Headset"), ("7", "Monitor of Speakers")],
        on_device=lambda d: calls.append(f"device {d}"),
        on_quit=lambda: calls.append("quit"),
        current_device="7",
    )
    assert not tray.show_if_available()  # offscreen has no tray: stays hidden, no error
    assert not tray.isVisible()
    texts = [a.text() for a in tray.menu.actions() if a.text()]
    assert texts == [
        "Start listening",
        "Devices",
        "Review calls…",
        "Settings…",
        "Quit",
    ]
    assert not tray.review_action.isEnabled()  # no review window was given to this tray

    idle_icon = tray.icon().pixmap(32).toImage()
    tray.listen_action.trigger()
    tray.set_capturing(True)  # the owner confirms capture started
    assert tray.listen_action.text() == "Stop listening"
    assert tray.icon().pixmap(32).toImage() != idle_icon
    tray.listen_action.trigger()

    devices = tray.refresh_devices()
    assert [(a.text(), a.isChecked()) for a in devices] == [
        ("USB Headset", False),
        ("Monitor of Speakers", True),
    ]
    devices[0].trigger()
    tray.quit_action.trigger()
    assert calls == ["start", "stop", "device 3", "quit"]
    assert tray.current_device == "3"


def test_tray_survives_failing_callbacks(qtbot) -> None:  # type: ignore[no-untyped-def]
    def broken() -> list[tuple[str, str]]:
        raise OSError("PortAudio not initialised")

    def no_device() -> None:
        raise RuntimeError("device busy")

    opened_review: list[bool] = []
    tray = CallcoachTray(
        list_devices=broken, on_start=no_device, on_open_review=lambda: opened_review.append(True)
    )
    assert tray.refresh_devices() == []
    assert "PortAudio" in tray.devices_menu.actions()[0].text()
    tray.listen_action.trigger()  # logged and shown, not raised
    tray.review_action.trigger()
    assert opened_review == [True]


def test_settings_opens_a_file_written_from_defaults(qtbot, opened: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = default_settings_path()
    path.unlink(missing_ok=True)
    tray = CallcoachTray()
    assert tray.open_settings() == path
    assert opened == [str(path)]
    assert load_settings(path) == Settings()
    path.write_text("[coach]\ncooldown_s = 30.0\n")
    tray.open_settings()  # an existing file is opened as it is
    assert "cooldown_s = 30.0" in path.read_text()


def call_events() -> list[object]:
    return [
        Utterance("customer", 0.0, 4.0, "Still waiting!", 0.8, 0.9, 0.85, 4.3),
        TrendPoint(4.3, 0.8, 0.3, "rising"),
        Prompt(4.3, "acknowledge_anger", "Acknowledge their anger", "I can hear…", "0.85", 10),
        CallEnded(6.0, 6.0),
        Prompt(9.0, "never", "Never shown", "", "", 1),  # after the end: not replayed
    ]


def test_call_replay_paces_events_onto_the_overlay(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert event_time(call_events()[0]) == 4.3
    assert event_time(object(), 2.0) == 2.0
    bridge = EventBridge()
    replay = CallReplay(call_events(), bridge, speed=50.0, linger_ms=10)
    overlay = OverlayWindow(clock=replay.call_time, geometry_store=GeometryStore(tmp_path / "g"))
    qtbot.addWidget(overlay)
    seen: list[str] = []
    bridge.connect_to(overlay.handle_event)
    bridge.connect_to(lambda e: seen.append(type(e).__name__))
    with qtbot.waitSignal(replay.finished, timeout=3000):
        replay.start()
    assert seen == ["Utterance", "TrendPoint", "Prompt", "CallEnded"]
    assert overlay.meter.level == pytest.approx(0.8)
    assert replay.call_time() >= 6.0


def test_replay_on_overlay_returns_after_the_call(qtbot, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    result = SimpleNamespace(path=Path("demo_call.ogg"), events=call_events())
    with caplog.at_level(logging.INFO, logger="callcoach.ui.replay"):
        replay_on_overlay(result, Settings(), speed=100.0, linger_s=0.05)  # type: ignore[arg-type]
    assert "replay finished" in caplog.text
