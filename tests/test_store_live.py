"""Live calls in the store: written as they happen, consistent when the process is killed, the
same report as `live --out` when the call ends."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import soundfile as sf

from app.audio.capture import SimulatedSource
from app.cli import main
from app.config import Settings
from app.paths import ASSETS_DIR
from app.store import LiveCallWriter, Store

ROOT = Path(__file__).resolve().parents[1]
DEMO = ASSETS_DIR / "demo_call.ogg"
KILL_AFTER = 6  # utterances committed before the process is killed


def _utterances(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(
            "SELECT speaker, start_s, end_s, text FROM utterances ORDER BY call_id, seq"
        ).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []
    finally:
        conn.close()


def test_a_live_call_killed_mid_call_leaves_a_consistent_store(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    events = tmp_path / "events.jsonl"
    argv = [sys.executable, "-m", "app", "live", "--simulate", str(DEMO), "--headless"]
    argv += ["--speed", "4", "--events", str(events), "--set", f"store.path={db}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while len(_utterances(db)) < KILL_AFTER:
            assert proc.poll() is None, "the live call ended before it could be killed"
            assert time.monotonic() < deadline, "no utterances were stored"
            time.sleep(0.05)
        # another process opening the store meanwhile leaves a call still being written alone
        with Store(db) as store:
            assert [r.status for r in store.list_calls()] == ["live"]
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    logged = [json.loads(line) for line in events.read_text().splitlines() if line.endswith("}")]
    assert not any(e["type"] == "call_ended" for e in logged), "killed after the call ended"
    said = [
        (e["speaker"], round(e["start"], 2), round(e["end"], 2), e["text"])
        for e in logged
        if e["type"] == "utterance"
    ]
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert raw.execute("SELECT status FROM calls").fetchall() == [("live",)]
    stored = raw.execute(
        "SELECT speaker, start_s, end_s, text FROM utterances ORDER BY seq"
    ).fetchall()
    raw.close()
    # every utterance the pipeline emitted is there, in order, except at most the last one
    # (killed between the event log's write and the store's commit)
    assert len(stored) >= KILL_AFTER
    assert stored == said[: len(stored)]
    assert len(said) - len(stored) <= 1

    with Store(db) as store:  # the writer is gone: the call is marked interrupted
        [row] = store.list_calls()
        assert row.status == "interrupted" and row.origin == "live"
        report = store.load_report(row.call_id)
    assert [(u["speaker"], u["start"], u["end"], u["text"]) for u in report["utterances"]] == [
        tuple(s) for s in stored
    ]
    assert report["call"] == "demo_call.ogg"


def test_a_finished_live_call_is_stored_as_its_report(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    out = tmp_path / "out"
    argv = ["live", "--simulate", str(DEMO), "--headless", "--speed", "8", "--out", str(out)]
    argv += ["--set", f"store.path={db}", "--set", "privacy.store_audio=true"]
    assert main(argv) == 0
    written = json.loads((out / "demo_call.json").read_text())
    with Store(db) as store:
        [row] = store.list_calls()
        assert row.status == "complete" and row.origin == "live"
        loaded = store.load_report(row.call_id)
        audio = store.audio_path(row.call_id)
    assert {k: v for k, v in loaded.items() if k not in ("call_id", "notes")} == written
    assert written["utterances"] and written["prompts"]
    assert audio is not None and audio.read_bytes() == DEMO.read_bytes()


def _device_call(models, tmp_path: Path, **privacy: object) -> tuple[Path, object]:  # type: ignore[no-untyped-def]
    """A call without a file behind it (as from a device; here 20 s of the demo replayed at
    20x), written through the live store link; returns the store file and the link."""
    from app.cli.call_store import LiveCallStore
    from app.pipeline.live import LiveSession

    clip = tmp_path / "clip.wav"
    audio, rate = sf.read(DEMO, dtype="float32", always_2d=True)
    sf.write(clip, audio[: 20 * rate], rate)
    settings = Settings()
    settings.store.path = str(tmp_path / "calls.sqlite3")
    for key, value in privacy.items():
        setattr(settings.privacy, key, value)
    link = LiveCallStore(settings, models.playbook)
    session = LiveSession(SimulatedSource(clip, "left", 20.0, 0.1), models, settings)
    link.attach(session, None)  # None: not a file, as for a device
    recording = session.record_to
    session.start()
    assert session.wait(120)
    link.close()
    return Path(settings.store.path), recording


def test_a_device_call_records_its_audio_into_the_store(models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """With privacy.store_audio the captured audio is recorded straight into the store."""
    db, recording = _device_call(models, tmp_path, store_audio=True)
    with Store(db) as store:
        [row] = store.list_calls()
        assert row.call == "live-call.wav" and row.sha256 is None and row.status == "complete"
        stored = store.audio_path(row.call_id)
        assert stored is not None and stored == recording
        assert stored.parent == store.audio_dir
        recorded, stored_rate = sf.read(stored, always_2d=True)
        assert abs(len(recorded) / stored_rate - row.duration_s) < 0.2
        assert store.load_report(row.call_id)["utterances"]


def test_a_live_call_in_summary_mode_keeps_no_text_and_no_audio(models, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, recording = _device_call(models, tmp_path, store_audio=True, mode="summary")
    assert recording is None  # summary mode: audio is not recorded even when asked
    with Store(db) as store:
        [row] = store.list_calls()
        assert row.status == "complete" and row.privacy_mode == "summary"
        report = store.load_report(row.call_id)
        assert store.audio_path(row.call_id) is None
    assert report["utterances"] == [] and "summary" in report
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM utterances").fetchone()[0] == 0
        texts = raw.execute("SELECT say, reason, heard, outcome_detail FROM prompts").fetchall()
    assert all(v is None for row in texts for v in row)


def _writer(store: Store) -> LiveCallWriter:
    """A live writer over hand-made events, finishing with the real report builder."""
    from app.pipeline.call import CallResult
    from app.report.call_report import _outcome_of, build_report

    def build(events: list, duration_s: float) -> dict:
        result = CallResult(Path("live-call.wav"), ["agent", "customer"], duration_s, events)
        return build_report(result, Settings())

    return LiveCallWriter(
        store,
        call_name="live-call.wav",
        speakers=["agent", "customer"],
        agent_channel="left",
        build_report=build,
        outcome_of=_outcome_of,
    )


def test_each_event_is_committed_when_it_arrives(tmp_path: Path) -> None:
    from app.events import CallEnded, Prompt, PromptOutcome, Utterance

    db = tmp_path / "calls.sqlite3"
    store = Store(db)
    writer = _writer(store)
    angry = Utterance("customer", 1.0, 3.0, "this is the third time I call", 0.8, 0.9, 0.9)
    card = Prompt(3.4, "acknowledge_anger", "Acknowledge their anger", "I hear you", "angry")
    writer(angry, 3.2, 0.1)
    assert _utterances(db) == [("customer", 1.0, 3.0, "this is the third time I call")]
    writer(card, 3.4, 0.2)
    followed = PromptOutcome(6.0, "acknowledge_anger", "followed", "said sorry", prompt_t=3.4)
    writer(followed, 6.0, 0.3)
    with sqlite3.connect(db) as other:  # another connection sees it at once: committed
        assert other.execute("SELECT prompt_id, outcome FROM prompts").fetchall() == [
            ("acknowledge_anger", "followed")
        ]
        assert other.execute("SELECT status FROM calls").fetchall() == [("live",)]
    writer(CallEnded(7.0, 7.0), 7.0, 0.4)
    writer.close()
    [row] = store.list_calls()
    report = store.load_report(row.call_id)
    assert row.status == "complete" and report["duration_s"] == 7.0
    assert report["prompts"][0]["outcome"] == "followed"
    assert report["summary"]["prompt_counts"] == {"acknowledge_anger": 1}
    store.close()


def test_a_store_failing_mid_call_is_reported_and_keeps_what_it_had(tmp_path: Path) -> None:
    from app.events import CallEnded, Utterance

    db = tmp_path / "calls.sqlite3"
    store = Store(db)
    writer = _writer(store)
    writer(Utterance("agent", 0.5, 1.5, "hello there", 0.1, 0.1, 0.1), 1.6, 0.1)
    with sqlite3.connect(db) as other:  # the disk "fails": the table is gone
        other.execute("DROP TABLE utterances")
    writer(Utterance("customer", 2.0, 3.0, "hi", 0.1, 0.1, 0.1), 3.1, 0.2)
    assert writer.failed and "utterances" in writer.problem
    writer(CallEnded(4.0, 4.0), 4.0, 0.3)  # ignored once failed
    writer.close()
    assert [r.status for r in store.list_calls()] == ["interrupted"]
    store.close()
