"""A store made with the first schema (tests/store/schema_v1.sql, frozen) and filled the way
that release filled it is upgraded in place: nothing lost, every API works on it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from app.store import CallQuery, Store
from app.store.schema import SCHEMA_VERSION

SCHEMA_V1 = Path(__file__).parent / "store" / "schema_v1.sql"
T0 = 1_767_225_600.0  # 2026-01-01 UTC


def _first_schema_store(path: Path) -> None:
    """A version-1 database, written with plain SQL (not through the code under test)."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1.read_text())
    conn.execute(
        "INSERT INTO calls (id, origin, status, call_name, source_path, sha256, analysis_key, "
        "duration_s, channels, agent_channel, created_at, analysed_at, max_frustration, "
        "escalated, summary, report_extra) VALUES (1, 'analyze', 'complete', 'old.wav', "
        "'/calls/old.wav', 'ab12', 'k1', 30.5, 2, 'left', ?, ?, 0.8, 1, ?, ?)",
        (
            T0,
            T0,
            json.dumps({"max_frustration": 0.8, "escalated": True, "prompt_counts": {}}),
            json.dumps({"speakers": ["agent", "customer"], "trend": []}),
        ),
    )
    conn.executemany(
        "INSERT INTO utterances (call_id, seq, speaker, start_s, end_s, text, tone, words, "
        "frustration, extra) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (0, "agent", 0.5, 2.0, "how can I help", 0.1, 0.05, 0.06, '{"tone_baseline":false}'),
            (1, "customer", 2.5, 6.0, "this is the third time", 0.7, 0.8, 0.8, None),
        ],
    )
    conn.execute(
        "INSERT INTO prompts (call_id, seq, t, prompt_id, title, say, reason, shown, outcome, "
        "outcome_t, heard) VALUES (1, 0, 6.4, 'acknowledge_anger', 'Acknowledge their anger', "
        "'I can hear you are angry', 'frustration 0.80', 1, 'followed', 9.0, 'I hear you')"
    )
    conn.execute(
        "INSERT INTO notes (call_id, text, rating, author, created_at) "
        "VALUES (1, 'well handled', 4, 'qa', ?)",
        (T0 + 60,),
    )
    # a live call being written when that release was killed: no writer recorded yet
    conn.execute(
        "INSERT INTO calls (id, origin, status, call_name, created_at) "
        "VALUES (2, 'live', 'live', 'live-call.wav', ?)",
        (T0 + 120,),
    )
    conn.commit()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()


def test_first_schema_is_upgraded_with_everything_kept(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    _first_schema_store(db)
    with Store(db) as store:
        with sqlite3.connect(db) as raw:
            assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            columns = {r[1] for r in raw.execute("PRAGMA table_info(calls)")}
            assert {"writer_pid", "writer_host"} <= columns
            assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        report = store.load_report(1)
        assert report["call"] == "old.wav" and report["duration_s"] == 30.5
        assert report["speakers"] == ["agent", "customer"]
        assert [u["text"] for u in report["utterances"]] == [
            "how can I help",
            "this is the third time",
        ]
        assert report["utterances"][0]["tone_baseline"] is False
        assert report["prompts"][0]["shown"] is True
        assert report["prompts"][0]["heard"] == "I hear you"
        assert [n["text"] for n in report["notes"]] == ["well handled"]
        assert store.find_analysis("ab12", "k1") == 1
        assert [r.call_id for r in store.list_calls(CallQuery(escalated=True))] == [1]
        # the old release's unfinished live call has no writer left: interrupted
        assert [r.status for r in store.list_calls(CallQuery(origin="live"))] == ["interrupted"]
        # and the upgraded store takes new writes
        note = store.add_note(1, "second look", rating=3)
        assert [n.note_id for n in store.notes(1)][-1] == note
    with Store(db) as again:  # opening an up-to-date store changes nothing
        assert len(again.list_calls()) == 2


def test_migrations_apply_in_order_from_an_empty_file(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite3"
    with Store(db):
        pass
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    fresh = sorted(
        r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    )
    conn.close()
    upgraded_db = tmp_path / "upgraded.sqlite3"
    _first_schema_store(upgraded_db)
    with Store(upgraded_db):
        pass
    conn = sqlite3.connect(upgraded_db)
    upgraded = sorted(
        r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
    )
    conn.close()
    assert upgraded == fresh  # an upgraded store has exactly the schema of a new one
