-- The call store's first schema (callcoach session 7), frozen: tests/test_store_migration.py
-- builds a database from this file and upgrades it. Never edit.
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
PRAGMA user_version = 1;
