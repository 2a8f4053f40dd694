"""`callcoach live --simulate`: the live path gives the prompts batch analysis gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.paths import ASSETS_DIR

DEMO = ASSETS_DIR / "demo_call.ogg"


@pytest.fixture(scope="module")
def live_events(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("live")
    events = out / "events.jsonl"
    code = main(
        ["live", "--simulate", str(DEMO), "--speed", "30", "--headless", "--events", str(events)]
    )
    assert code == 0
    return [json.loads(line) for line in events.read_text().splitlines()]


def test_every_event_has_type_and_times(live_events: list[dict]) -> None:
    assert live_events
    types = {e["type"] for e in live_events}
    assert {"utterance", "prompt", "trend", "tone", "call_ended"} <= types
    for e in live_events:
        assert isinstance(e["call_t"], float | int) and isinstance(e["wall_t"], float | int)
    walls = [e["wall_t"] for e in live_events]
    assert walls == sorted(walls)


def test_prompts_are_emitted_after_their_trigger(live_events: list[dict]) -> None:
    for e in live_events:
        if e["type"] == "prompt":
            # never before what triggered it (the log rounds times to 1 ms)
            assert e["call_t"] >= e["source_t"] - 1e-3
            assert e["id"]


def test_same_prompts_live_as_in_batch(live_events: list[dict], demo_report: dict) -> None:
    live_ids = [e["id"] for e in live_events if e["type"] == "prompt"]
    batch_ids = [p["id"] for p in demo_report["prompts"]]
    assert live_ids == batch_ids
    live_text = [e["text"] for e in live_events if e["type"] == "utterance"]
    assert live_text == [u["text"] for u in demo_report["utterances"]]


def test_simulate_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.ogg"
    bad.write_bytes(b"OggS" + b"\x00" * 100)
    assert main(["live", "--simulate", str(bad), "--headless"]) == 2
    assert "bad.ogg" in capsys.readouterr().err


def test_marking_the_follow_up_card_after_the_call_is_recorded(models) -> None:  # type: ignore[no-untyped-def]
    from app.audio.capture import SimulatedSource
    from app.config import Settings
    from app.events import Prompt, PromptOutcome
    from app.pipeline.live import LiveSession

    session = LiveSession(SimulatedSource(DEMO, speed=50), models, Settings())
    session.start()
    assert session.wait(timeout=300)
    assert any(isinstance(e, Prompt) and e.id == "follow_up_call" for e, _, _ in session.events)
    session.record_outcome("follow_up_call", "done")
    marks = [e for e, _, _ in session.events if isinstance(e, PromptOutcome)]
    assert ("follow_up_call", "done") in [(m.id, m.outcome) for m in marks]
