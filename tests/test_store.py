"""The call store on real SQLite files: `analyze` stores each call, the report comes back
unchanged, a re-analysis replaces, filters, QA notes, follow-ups, privacy modes, retention and
purge."""

from __future__ import annotations

import copy
import json
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.cli import main
from app.config import Settings
from app.paths import ASSETS_DIR
from app.provenance import content_hash
from app.store import CallQuery, Store, StoreError, open_store, stored_files
from app.store.schema import SCHEMA_VERSION

DEMO = ASSETS_DIR / "demo_call.ogg"
DAY = 86400.0


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo call through `callcoach analyze` with the store at a file of the test's own,
    audio kept, as a user would run it."""
    work = tmp_path_factory.mktemp("store")
    db = work / "data" / "calls.sqlite3"
    argv = [
        "analyze",
        str(DEMO),
        "--out",
        str(work / "out"),
        "--set",
        f"store.path={db}",
        "--set",
        "privacy.store_audio=true",
    ]
    assert main(argv) == 0
    report = json.loads((work / "out" / "demo_call.json").read_text())
    return {"db": db, "report": report, "argv": argv, "work": work}


def _plain(report: dict) -> dict:
    """A loaded report without the keys only the store adds."""
    return {k: v for k, v in report.items() if k not in ("call_id", "notes")}


def _db_bytes(path: Path) -> bytes:
    """Everything SQLite has on disk for this database (file, WAL, shared memory)."""
    return b"".join(p.read_bytes() for p in stored_files(path) if p.is_file())


def test_analyze_stores_the_call_and_loads_the_same_report(analyzed: dict) -> None:
    with Store(analyzed["db"]) as store:
        [row] = store.list_calls()
        loaded = store.load_report(row.call_id)
        assert loaded["call_id"] == row.call_id
        assert loaded["notes"] == []
        assert _plain(loaded) == analyzed["report"]
        assert loaded["utterances"] and loaded["prompts"]  # a real call, not an empty one
        assert row.call == "demo_call.ogg" and row.origin == "analyze"
        assert row.status == "complete"
        assert row.sha256 == content_hash(DEMO)
        assert row.channels == 2 and row.duration_s == analyzed["report"]["duration_s"]
        assert row.escalated is analyzed["report"]["summary"]["escalated"]
        # privacy.store_audio=true: the recording itself, byte for byte
        audio = store.audio_path(row.call_id)
        assert audio is not None and audio.read_bytes() == DEMO.read_bytes()
    with sqlite3.connect(analyzed["db"]) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        key, digest, models = raw.execute(
            "SELECT analysis_key, settings_digest, model_versions FROM calls"
        ).fetchone()
    assert key and digest and json.loads(models)


def test_analyzing_the_same_call_again_replaces_it(analyzed: dict) -> None:
    with Store(analyzed["db"]) as store:
        [before] = store.list_calls()
        store.add_note(before.call_id, "kept across a re-analysis", rating=4)
    assert main(analyzed["argv"]) == 0
    with Store(analyzed["db"]) as store:
        rows = store.list_calls()
        assert [r.call_id for r in rows] == [before.call_id]
        assert rows[0].created_at == before.created_at
        assert rows[0].analysed_at is not None and rows[0].analysed_at >= before.analysed_at
        loaded = store.load_report(before.call_id)
        assert [n["text"] for n in loaded["notes"]] == ["kept across a re-analysis"]
        assert _plain(loaded) == analyzed["report"]
        with sqlite3.connect(analyzed["db"]) as raw:
            (n,) = raw.execute("SELECT COUNT(*) FROM utterances").fetchone()
        assert n == len(analyzed["report"]["utterances"])


def test_save_report_is_one_call_per_audio_and_analysis(analyzed: dict, tmp_path: Path) -> None:
    report = analyzed["report"]
    prov = {
        "settings_digest": "s1",
        "models": {"words": "m"},
        "playbook": "p",
        "analysis_key": "k1",
    }
    with Store(tmp_path / "calls.sqlite3") as store:
        first = store.save_report(report, sha256="a" * 64, provenance=prov)
        shorter = copy.deepcopy(report)
        shorter["utterances"] = shorter["utterances"][:3]
        assert store.save_report(shorter, sha256="a" * 64, provenance=prov) == first
        assert len(store.load_report(first)["utterances"]) == 3
        assert store.find_analysis("a" * 64, "k1") == first
        # the same audio analysed another way (new models, settings) is another analysis
        other = store.save_report(
            report, sha256="a" * 64, provenance={**prov, "analysis_key": "k2"}
        )
        assert other != first
        assert store.find_analysis("a" * 64, "k2") == other
        assert store.find_analysis("b" * 64, "k1") is None
        assert len(store.list_calls()) == 2


def test_a_failed_save_leaves_nothing_behind(analyzed: dict, tmp_path: Path) -> None:
    broken = copy.deepcopy(analyzed["report"])
    broken["prompts"][-1]["t"] = None  # prompts.t is NOT NULL: the last insert fails
    broken["prompts"][-1].pop("t")
    with Store(tmp_path / "calls.sqlite3") as store:
        with pytest.raises(sqlite3.IntegrityError):
            store.save_report(broken, sha256="c" * 64)
        assert store.list_calls() == []
        with sqlite3.connect(store.path) as raw:
            assert raw.execute("SELECT COUNT(*) FROM utterances").fetchone()[0] == 0


def test_list_calls_filters(analyzed: dict, tmp_path: Path) -> None:
    escalated = copy.deepcopy(analyzed["report"])
    assert escalated["summary"]["escalated"]
    assert any(p.get("outcome") == "ignored" for p in escalated["prompts"])
    # the filter is tested on a scorecard that passed (the demo's own has failures)
    escalated["scorecard"] = {"passed": 5, "failed": 0, "not_applicable": 5, "items": []}
    calm = copy.deepcopy(escalated)
    calm["call"] = "calm_call.wav"
    calm["summary"]["escalated"] = False
    calm["prompts"] = [p for p in calm["prompts"] if p.get("outcome") != "ignored"]
    calm["utterances"] = [
        {**u, "text": "thanks, the zebra crossing is fixed"} for u in calm["utterances"]
    ]
    calm["agent"] = "alice"
    calm["metrics"] = {"agent_talk_share": 0.5, "interruptions_per_min": 0.0}
    calm["scorecard"] = {
        "passed": 3,
        "failed": 1,
        "not_applicable": 0,
        "items": [{"id": "empathy", "title": "t", "result": "fail", "detail": "", "evidence": []}],
    }
    now = datetime(2026, 6, 15, 12, tzinfo=UTC).timestamp()
    clock = [now - 10 * DAY]
    with Store(tmp_path / "calls.sqlite3", clock=lambda: clock[0]) as store:
        old = store.save_report(escalated, sha256="1" * 64)
        clock[0] = now
        new = store.save_report(calm, sha256="2" * 64)

        def ids(**filters: object) -> list[int]:
            return [r.call_id for r in store.list_calls(CallQuery(**filters))]  # type: ignore[arg-type]

        assert ids() == [new, old]  # newest first
        assert ids(escalated=True) == [old]
        assert ids(escalated=False) == [new]
        assert ids(prompts_ignored=True) == [old]
        assert ids(prompts_ignored=False) == [new]
        assert ids(agent="alice") == [new]
        assert ids(scorecard_failed=True) == [new]
        assert ids(scorecard_failed=False) == [old]
        assert ids(text="ZEBRA") == [new]  # case-insensitive, in what was said
        assert ids(text="demo_call") == [old]  # in the file name
        assert ids(text="100%") == []  # LIKE wildcards are literal
        assert ids(since=date(2026, 6, 15)) == [new]
        assert ids(until=date(2026, 6, 14)) == [old]
        assert ids(since=datetime(2026, 6, 1), until=datetime(2026, 6, 6)) == [old]
        ignored = next(p["id"] for p in escalated["prompts"] if p.get("outcome") == "ignored")
        assert ids(prompt_id=ignored) == [old]  # the calm copy lost its ignored cards
        assert ids(limit=1) == [new] and ids(limit=1, offset=1) == [old]
        row = store.list_calls(CallQuery(agent="alice"))[0]
        assert row.scorecard_failed == 1 and row.prompts_ignored == 0
        loaded = store.load_report(new)
        assert loaded["metrics"] == calm["metrics"] and loaded["scorecard"] == calm["scorecard"]


def test_qa_notes(analyzed: dict, tmp_path: Path) -> None:
    prompt = analyzed["report"]["prompts"][0]
    with Store(tmp_path / "calls.sqlite3") as store:
        call = store.save_report(analyzed["report"], sha256="n" * 64)
        first = store.add_note(call, "good recovery", rating=5, author="qa1")
        second = store.add_note(call, "card ignored", prompt_t=prompt["t"], prompt_id=prompt["id"])
        notes = store.notes(call)
        assert [n.note_id for n in notes] == [first, second]
        assert notes[0].rating == 5 and notes[0].author == "qa1"
        assert (notes[1].prompt_t, notes[1].prompt_id) == (prompt["t"], prompt["id"])
        assert [n["text"] for n in store.load_report(call)["notes"]] == [
            "good recovery",
            "card ignored",
        ]
        for bad in (0, 6, True):
            with pytest.raises(StoreError):
                store.add_note(call, "x", rating=bad)
        with pytest.raises(StoreError):
            store.add_note(call, "   ")
        with pytest.raises(StoreError):
            store.add_note(call + 99, "no such call")
        assert store.delete_note(first) and not store.delete_note(first)
        assert [n.note_id for n in store.notes(call)] == [second]
        assert store.list_calls()[0].notes == 1
        with pytest.raises(StoreError, match="no call"):
            store.load_report(call + 99)


def test_follow_up_reminder_from_the_after_call_card(analyzed: dict, tmp_path: Path) -> None:
    follow = [p for p in analyzed["report"]["prompts"] if p["id"] == "follow_up_call"]
    assert follow and follow[0]["shown"]  # the demo call escalated
    day = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with Store(tmp_path / "calls.sqlite3", clock=day.timestamp) as store:
        call = store.save_report(analyzed["report"], sha256="f" * 64)
        [(reminder, call_id, due)] = store.follow_ups()
        assert call_id == call and due == "2026-03-04"
        store.mark_follow_up_done(reminder)
        assert store.follow_ups() == []
        assert len(store.follow_ups(include_done=True)) == 1


def test_summary_mode_keeps_no_text(analyzed: dict, tmp_path: Path) -> None:
    report = analyzed["report"]
    db = tmp_path / "calls.sqlite3"
    with Store(db, privacy_mode="summary") as store:
        call = store.save_report(report, audio=DEMO, sha256="s" * 64)
        loaded = store.load_report(call)
        assert store.audio_path(call) is None  # no audio in summary mode, even when given
        assert not store.audio_dir.exists() or not any(store.audio_dir.iterdir())
    assert loaded["utterances"] == []
    assert loaded["summary"] == report["summary"]
    assert [p["id"] for p in loaded["prompts"]] == [p["id"] for p in report["prompts"]]
    for prompt in loaded["prompts"]:
        assert not {"say", "reason", "heard", "outcome_detail"} & set(prompt)
    on_disk = _db_bytes(db)
    said = [u["text"] for u in report["utterances"] if len(u["text"]) >= 12]
    quoted = [p["reason"] for p in report["prompts"] if len(p.get("reason", "")) >= 12]
    assert said and quoted
    leaked = [s for s in said + quoted if s.encode() in on_disk]
    assert leaked == [], f"summary mode stored what was said: {leaked[:3]}"


def test_summary_mode_replacing_a_full_copy_leaves_no_text_or_audio(
    analyzed: dict, tmp_path: Path
) -> None:
    db = tmp_path / "calls.sqlite3"
    prov = {"analysis_key": "same"}
    with Store(db) as full:
        call = full.save_report(analyzed["report"], audio=DEMO, sha256="z" * 64, provenance=prov)
        audio = full.audio_path(call)
        assert audio is not None
    with Store(db, privacy_mode="summary") as summary:
        assert summary.save_report(analyzed["report"], sha256="z" * 64, provenance=prov) == call
        assert summary.audio_path(call) is None
        assert summary.load_report(call)["utterances"] == []
        on_disk = _db_bytes(db)
    assert not audio.exists()
    said = [u["text"] for u in analyzed["report"]["utterances"] if len(u["text"]) >= 12]
    assert [s for s in said if s.encode() in on_disk] == []


def test_retention_deletes_old_calls_with_their_audio(analyzed: dict, tmp_path: Path) -> None:
    db = tmp_path / "data" / "calls.sqlite3"
    old_report = copy.deepcopy(analyzed["report"])
    secret = "my account number is the old one kept too long"
    old_report["utterances"][0]["text"] = secret
    with Store(db) as store:
        old = store.save_report(old_report, audio=DEMO, sha256="o" * 64)
        new = store.save_report(analyzed["report"], audio=DEMO, sha256="n" * 64)
        old_audio = store.audio_path(old)
        assert old_audio is not None
    assert secret.encode() in _db_bytes(db)  # stored, before retention removes it
    # the old call was stored 40 days ago (timestamps faked in the database itself)
    with sqlite3.connect(db) as raw:
        forty = datetime.now(UTC) - timedelta(days=40)
        raw.execute("UPDATE calls SET created_at = ? WHERE id = ?", (forty.timestamp(), old))
    settings = Settings()
    settings.store.path = str(db)
    settings.store.retention_days = 30
    store = open_store(settings)  # what analyze and live do first
    assert store is not None
    with store:
        assert [r.call_id for r in store.list_calls()] == [new]
        assert store.audio_path(new) is not None
        assert store.apply_retention(30) == 0
    assert not old_audio.exists()
    assert secret.encode() not in _db_bytes(db), "a deleted call's text is still in the file"
    settings.store.retention_days = 0  # 0 keeps everything
    with open_store(settings) as kept:  # type: ignore[union-attr]
        assert len(kept.list_calls()) == 1


def test_retention_deletes_the_waveform_peaks_of_calls_it_deletes(
    analyzed: dict, tmp_path: Path
) -> None:
    """The review window's waveform cache is derived from the call's audio: it must not outlive
    the call. Peaks of a kept call's audio stay; a cached recording that no stored call has is
    kept no longer than the retention period either."""
    from app.review.peaks import load_or_compute_peaks, peaks_cache_path
    from app.store import peaks_dir_for

    db = tmp_path / "calls.sqlite3"
    peaks_dir = peaks_dir_for(db)
    old_sha, kept_sha, stray_old, stray_new = "o" * 64, "k" * 64, "a" * 64, "b" * 64
    with Store(db) as store:
        old = store.save_report(copy.deepcopy(analyzed["report"]), sha256=old_sha)
        store.save_report(copy.deepcopy(analyzed["report"]), sha256=kept_sha)
    for sha in (old_sha, kept_sha, stray_old, stray_new):  # the real cache, as the window writes it
        load_or_compute_peaks(DEMO, peaks_dir, sha256=sha)
    assert all(peaks_cache_path(peaks_dir, s).is_file() for s in (old_sha, kept_sha, stray_old))
    forty_days_ago = (datetime.now(UTC) - timedelta(days=40)).timestamp()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE calls SET created_at = ? WHERE id = ?", (forty_days_ago, old))
    for sha in (kept_sha, stray_old):  # written 40 days ago
        os.utime(peaks_cache_path(peaks_dir, sha), (forty_days_ago, forty_days_ago))
    settings = Settings()
    settings.store.path = str(db)
    settings.store.retention_days = 30
    with open_store(settings) as store:  # type: ignore[union-attr]
        assert len(store.list_calls()) == 1
    assert not peaks_cache_path(peaks_dir, old_sha).exists(), "a deleted call's waveform stayed"
    assert not peaks_cache_path(peaks_dir, stray_old).exists()
    assert peaks_cache_path(peaks_dir, kept_sha).is_file()  # its call is kept
    assert peaks_cache_path(peaks_dir, stray_new).is_file()  # younger than 30 days
    assert load_or_compute_peaks(DEMO, peaks_dir, sha256=kept_sha).channels == 2


def test_store_disabled_stores_nothing(tmp_path: Path) -> None:
    settings = Settings()
    settings.store.enabled = False
    settings.store.path = str(tmp_path / "calls.sqlite3")
    assert open_store(settings) is None
    assert not (tmp_path / "calls.sqlite3").exists()


def test_purge_asks_then_deletes_everything(analyzed: dict, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "calls.sqlite3"
    with Store(db) as store:
        store.save_report(analyzed["report"], audio=DEMO, sha256="p" * 64)
    assert db.exists() and (tmp_path / "calls-audio").is_dir()
    setting = ["--set", f"store.path={db}"]
    assert main(["purge", *setting]) == 2  # standard input is not a terminal here: only a list
    out, err = capsys.readouterr()
    assert "1 call(s), 1 with audio" in out and str(db) in out and "--yes" in err
    assert db.exists()
    assert main(["purge", "--yes", *setting]) == 0
    assert stored_files(db) == []
    assert not (tmp_path / "calls-audio").exists()
    assert main(["purge", *setting]) == 0
    assert "nothing stored" in capsys.readouterr().out


def test_purge_empties_a_store_another_process_still_writes_to(
    analyzed: dict, tmp_path: Path
) -> None:
    """A batch still running elsewhere keeps a working store: its later calls are not written
    into a deleted file (lost on exit), and nothing purged is left in the file."""
    db = tmp_path / "calls.sqlite3"
    secret = "the purged call said this and nobody may read it again"
    report = copy.deepcopy(analyzed["report"])
    report["utterances"][0]["text"] = secret
    running = Store(db)  # the other process's connection (a batch between two calls)
    running.save_report(report, audio=DEMO, sha256="q" * 64)
    assert main(["purge", "--yes", "--set", f"store.path={db}"]) == 0
    assert running.list_calls() == []
    assert not (tmp_path / "calls-audio").exists()
    assert secret.encode() not in _db_bytes(db)
    later = running.save_report(analyzed["report"], sha256="r" * 64)  # the batch goes on
    running.close()
    with Store(db) as store:
        assert [r.call_id for r in store.list_calls()] == [later]


def test_a_store_from_a_newer_callcoach_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    with sqlite3.connect(db) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer callcoach"):
        Store(db)


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=str(db)):
        Store(db)
    bad = ["analyze", str(DEMO), "--out", str(tmp_path / "out"), "--set", f"store.path={db}"]
    assert main(bad) == 2


def test_what_is_stored_is_not_part_of_the_analysis_key() -> None:
    """Changing where, how long or how much is stored must not make a re-analysis a second
    stored call (a full-text copy would stay beside a summary-only one)."""
    from app.provenance import settings_digest

    base = Settings()
    changed = Settings()
    changed.store.path = "/elsewhere/calls.sqlite3"
    changed.store.retention_days = 7
    changed.store.enabled = False
    changed.privacy.store_audio = True
    changed.privacy.mode = "summary"
    assert settings_digest(changed) == settings_digest(base)
    changed.privacy.redact_pii = not base.privacy.redact_pii  # this one changes the text
    assert settings_digest(changed) != settings_digest(base)


def test_a_new_release_is_a_new_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade, a batch run or the review window must not reuse the old release's
    report of the same audio as if current (it may read the audio or score the call another
    way): callcoach's version is part of the analysis key."""
    import app
    from app.coaching.playbook import load_playbook
    from app.provenance import analysis_key

    settings, playbook = Settings(), load_playbook()
    before = analysis_key(settings, playbook)
    assert analysis_key(settings, playbook) == before  # the same release: reused
    monkeypatch.setattr(app, "__version__", "99.0.0")
    assert analysis_key(settings, playbook) != before


def _purge_on_a_terminal(db: Path, answer: str) -> tuple[int, str]:
    """`callcoach purge` with a terminal (a pseudo-terminal) that types `answer`."""
    import os
    import pty
    import subprocess
    import sys

    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    argv = [sys.executable, "-m", "app", "purge", "--set", f"store.path={db}"]
    proc = subprocess.Popen(argv, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env)
    os.close(child_fd)
    shown = b""
    while b"[y/N]" not in shown:
        shown += os.read(main_fd, 4096)
    os.write(main_fd, answer.encode() + b"\n")
    try:
        while chunk := os.read(main_fd, 4096):
            shown += chunk
    except OSError:  # the terminal closed with the process
        pass
    os.close(main_fd)
    return proc.wait(timeout=60), shown.decode(errors="replace")


def test_purge_on_a_terminal_asks_first(analyzed: dict, tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    with Store(db) as store:
        store.save_report(analyzed["report"], sha256="t" * 64)
    status, shown = _purge_on_a_terminal(db, "n")
    assert status == 2 and "nothing deleted" in shown and db.exists()
    status, shown = _purge_on_a_terminal(db, "y")
    assert status == 0 and "the call store is empty" in shown
    assert stored_files(db) == []
