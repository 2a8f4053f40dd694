"""The bundled demo on the overlay: it shows exactly the prompts the report marks shown, in order.

The one-card rule is decided in the coach, so the overlay (fed the analysis' events at their call
times, as `callcoach demo` replays them) and the JSON report cannot disagree."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.paths import ASSETS_DIR
from app.ui import GeometryStore, OverlayWindow
from app.ui.replay import event_time


@pytest.mark.parametrize("call", ["demo_call.ogg", "demo_call_resolved.ogg"])
def test_overlay_shows_exactly_the_prompts_the_report_marks_shown(
    qtbot, tmp_path: Path, models, call: str
) -> None:  # type: ignore[no-untyped-def]
    from app.pipeline import analyze_call
    from app.report.call_report import build_report

    settings = Settings()
    result = analyze_call(ASSETS_DIR / call, settings, models)
    report = build_report(result, settings, models.thresholds)
    now = [0.0]
    window = OverlayWindow(
        None, clock=lambda: now[0], geometry_store=GeometryStore(tmp_path / "g.json")
    )
    qtbot.addWidget(window)
    seen: list[str] = []
    show = window.card.show_prompt

    def record(prompt, *args):  # type: ignore[no-untyped-def]
        seen.append(prompt.id)
        show(prompt, *args)

    window.card.show_prompt = record  # type: ignore[method-assign]
    t = 0.0
    for event in result.events:
        t = event_time(event, t)
        now[0] = t
        window.handle_event(event)
    expected = [p["id"] for p in report["prompts"] if p["shown"]]
    assert expected and seen == expected
    if call == "demo_call.ogg":  # the escalating demo has more cards than fit on screen
        assert any(not p["shown"] for p in report["prompts"]) or len(expected) >= 5
