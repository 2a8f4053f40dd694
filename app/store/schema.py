"""The session store's schema, as numbered migrations (`PRAGMA user_version` = how many ran).

A migration is appended, never edited: a database made by any earlier release is brought up to
date by running the ones it has not seen, in order, each in its own transaction. The first
schema is frozen in `tests/store/schema_v1.sql` so the upgrade path stays tested.

Times are Unix seconds (UTC). JSON columns hold what has no query of its own (the report keys the
store does not break out, a row's extra keys), so a report round-trips whatever keys it gains.
"""

from __future__ import annotations

import sqlite3

from app.errors import CallcoachError

_V1 = """
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL CHECK (origin IN ('analyze', 'live')),
    status TEXT NOT NULL CHECK (status IN ('live', 'complete', 'interrupted')),
    call_name TEXT NOT NULL,
    source_path TEXT,
    sha256 TEXT,
    analysis_key TEXT,
    settings_digest TEXT,
    model_versions TEXT,
    playbook_version TEXT,
    duration_s REAL NOT NULL DEFAULT 0,
    channels INTEGER,
    agent_channel TEXT,
    agent TEXT,
    privacy_mode TEXT NOT NULL DEFAULT 'full',
    created_at REAL NOT NULL,
    analysed_at REAL,
    max_frustration REAL,
    escalated INTEGER,
    summary TEXT,
    report_extra TEXT,
    audio_file TEXT
);
CREATE UNIQUE INDEX calls_analysis ON calls (sha256, analysis_key) WHERE origin = 'analyze';
CREATE INDEX calls_created ON calls (created_at);

CREATE TABLE utterances (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    text TEXT NOT NULL,
    tone REAL,
    words REAL,
    frustration REAL,
    extra TEXT,
    PRIMARY KEY (call_id, seq)
);

CREATE TABLE prompts (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    t REAL NOT NULL,
    prompt_id TEXT NOT NULL,
    title TEXT,
    say TEXT,
    reason TEXT,
    shown INTEGER,
    why_not TEXT,
    outcome TEXT,
    outcome_t REAL,
    outcome_detail TEXT,
    heard TEXT,
    frustration_before REAL,
    frustration_after REAL,
    extra TEXT,
    PRIMARY KEY (call_id, seq)
);
CREATE INDEX prompts_outcome ON prompts (outcome, call_id);

CREATE TABLE call_metrics (
    call_id INTEGER PRIMARY KEY REFERENCES calls (id) ON DELETE CASCADE,
    metrics TEXT,
    scorecard TEXT,
    scorecard_failed INTEGER
);

CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    prompt_t REAL,
    due_date TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX follow_ups_due ON follow_ups (done, due_date);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    prompt_t REAL,
    prompt_id TEXT,
    text TEXT NOT NULL,
    rating INTEGER,
    author TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX notes_call ON notes (call_id);
"""

# v2: a live call records which process writes it, so another process opening the store can
# tell a call still being written from one whose writer died (marked "interrupted")
_V2 = """
ALTER TABLE calls ADD COLUMN writer_pid INTEGER;
ALTER TABLE calls ADD COLUMN writer_host TEXT;
CREATE INDEX calls_status ON calls (status);
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(CallcoachError):
    """The session store cannot be opened or written (the message names the file)."""


def migrate(conn: sqlite3.Connection, name: str) -> int:
    """Bring the database up to SCHEMA_VERSION; returns the version it had. A database made by
    a newer callcoach is refused (its schema may mean things this one would get wrong)."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{name} was written by a newer callcoach (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade callcoach or set store.path to another file"
        )
    for number in range(version, SCHEMA_VERSION):
        # executescript would commit on its own; one explicit transaction per migration
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current > number:  # another process migrated it meanwhile
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version


def _statements(script: str) -> list[str]:
    """A migration's statements (they hold no semicolons inside literals or triggers)."""
    return [s.strip() for s in script.split(";") if s.strip()]
