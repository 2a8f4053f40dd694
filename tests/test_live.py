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
    # --lossless: the replay waits for the pipeline rather than drop audio on a busy machine
    # (these tests are about what live gives, not how fast: dropping is tested below)
    args = ["live", "--simulate", str(DEMO), "--speed", "10", "--lossless", "--headless"]
    assert main([*args, "--events", str(events), "--out", str(out)]) == 0
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
    # a lossless replay drops nothing, however busy the machine: every sample is analysed
    drops = [
        e["message"] for e in live_events if e["type"] == "status" and "dropped" in e["message"]
    ]
    assert not drops, drops
    live_ids = [e["id"] for e in live_events if e["type"] == "prompt"]
    batch_ids = [p["id"] for p in demo_report["prompts"]]
    assert live_ids == batch_ids
    live_turns = [
        (e["speaker"], round(e["start"], 2), round(e["end"], 2), e["text"])
        for e in live_events
        if e["type"] == "utterance"
    ]
    assert live_turns == [
        (u["speaker"], u["start"], u["end"], u["text"]) for u in demo_report["utterances"]
    ]


def test_lossless_needs_a_replay(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", "--lossless", "--headless"]) == 2
    assert "--lossless only applies to a replay" in capsys.readouterr().err


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

    # lossless: the follow-up card needs the whole call heard, however busy the machine
    session = LiveSession(SimulatedSource(DEMO, speed=50, lossless=True), models, Settings())
    session.start()
    assert session.wait(timeout=300)
    assert any(isinstance(e, Prompt) and e.id == "follow_up_call" for e, _, _ in session.events)
    session.record_outcome("follow_up_call", "done")
    marks = [e for e, _, _ in session.events if isinstance(e, PromptOutcome)]
    assert ("follow_up_call", "done") in [(m.id, m.outcome) for m in marks]


def _run_logged(level: int, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> list[str]:
    """A live call with the log captured at `level`; returns the call's utterance texts."""
    import logging

    events = tmp_path / f"events-{level}.jsonl"
    verbose = ["-v"] if level == logging.INFO else ["-vv"]
    caplog.set_level(level)
    args = ["live", "--simulate", str(DEMO), "--speed", "40", "--headless"]
    assert main([*args, "--events", str(events), *verbose]) == 0
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    return [r["text"] for r in rows if r["type"] == "utterance"]


def test_info_logs_hold_no_transcript_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    texts = _run_logged(logging.INFO, tmp_path, caplog)
    logged = " ".join(r.getMessage() for r in caplog.records).lower()
    assert caplog.records, "the call logged something at INFO"
    # no three words in a row of anything said in the call
    for text in texts:
        words = text.lower().split()
        for i in range(len(words) - 2):
            assert " ".join(words[i : i + 3]) not in logged, text


def test_debug_logs_may_hold_transcript_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    texts = _run_logged(logging.DEBUG, tmp_path, caplog)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert any(t in logged for t in texts if len(t.split()) >= 3)


def test_dropped_audio_is_reported_during_the_call_and_in_the_report(tmp_path: Path) -> None:
    # far faster than the front end can follow: the bounded queue must drop blocks
    events, out = tmp_path / "events.jsonl", tmp_path / "report"
    args = ["live", "--simulate", str(DEMO), "--speed", "2000", "--headless"]
    assert main([*args, "--events", str(events), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    report = json.loads((out / "demo_call.json").read_text())
    assert report["dropped_audio_s"] > 10
    notices = [r for r in rows if r["type"] == "status" and "dropped" in r["message"]]
    ended = next(i for i, r in enumerate(rows) if r["type"] == "call_ended")
    assert notices and rows.index(notices[0]) < ended, "told while the call runs"
    said = float(notices[-1]["message"].split(" s of audio dropped")[0])
    assert said == pytest.approx(report["dropped_audio_s"], abs=0.06)


def test_headless_live_prints_what_the_agent_sees_in_plain_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The headless printer shows a card the way the overlay does: only cards that were shown,
    with the playbook's emphasis rendered as plain text (no asterisks)."""
    from app.cli.live import _print_sink
    from app.events import Prompt

    card = Prompt(
        t=12.0,
        id="acknowledge_anger",
        title="Acknowledge *their* anger",
        say="I hear **you**.",
        reason="r",
    )
    _print_sink(card, 12.0, 1.0)
    _print_sink(
        Prompt(
            t=13.0,
            id="slow_down",
            title="Slow down",
            say="",
            reason="r",
            shown=False,
            why_not="superseded",
        ),
        13.0,
        1.1,
    )
    out = capsys.readouterr().out.splitlines()
    assert out == ["[   12.0s] >>> Acknowledge their anger — I hear you."]
