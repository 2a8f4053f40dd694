"""Writing a call's rows: one report dict into the calls row and its child tables.

Shared by `Store.save_report` (an analysed call, one transaction) and the live writer (row by
row as the call happens, then the finished report). Every function runs inside the caller's
transaction.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.report.customer_peak import customer_peak
from app.store import report_rows as rr

FOLLOW_UP_ID = "follow_up_call"
FOLLOW_UP_DAYS = 2  # the playbook's card: "Schedule a call back in 1–2 days"


def write_call(
    conn: sqlite3.Connection,
    report: dict[str, Any],
    *,
    call_id: int | None,
    origin: str,
    status: str,
    identity: dict[str, Any],
    privacy_mode: str,
    now: float,
) -> int:
    """Insert or replace the call row and all its child rows (notes are kept). `identity`:
    source and provenance columns (and `created_at` for a new call)."""
    summary_only = privacy_mode == "summary"
    extra = rr.report_extra(report, summary_only)
    for key in ("agent_channel", "channels", "agent", "summary"):
        if key in report and report[key] is None:
            extra[key] = None
    summary = report.get("summary")
    summary = summary if isinstance(summary, dict) else None
    values = {
        "origin": origin,
        "status": status,
        "call_name": str(report.get("call", "")),
        "duration_s": float(report.get("duration_s") or 0.0),
        "channels": report.get("channels"),
        "agent_channel": report.get("agent_channel"),
        "agent": report.get("agent"),
        "privacy_mode": privacy_mode,
        "analysed_at": now,
        # NULL when the customer was not heard (a dead leg): 0 would list it as a calm call
        "max_frustration": customer_peak(report) if summary else None,
        "escalated": int_or_none(summary.get("escalated")) if summary else None,
        "summary": None if summary is None else rr.dumps(summary),
        "report_extra": rr.dumps(extra),
        **{k: v for k, v in identity.items() if k != "created_at"},
    }
    if call_id is None:
        values["created_at"] = identity.get("created_at", now)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = conn.execute(f"INSERT INTO calls ({columns}) VALUES ({marks})", [*values.values()])
        call_id = int(cur.lastrowid or 0)
    else:
        sets = ", ".join(f"{k} = ?" for k in values)
        conn.execute(f"UPDATE calls SET {sets} WHERE id = ?", [*values.values(), call_id])
        for table in ("utterances", "prompts", "call_metrics", "follow_ups"):
            conn.execute(f"DELETE FROM {table} WHERE call_id = ?", (call_id,))
    if not summary_only:
        for seq, utt in enumerate(report.get("utterances") or []):
            insert_utterance(conn, call_id, seq, utt)
    for seq, prompt in enumerate(report.get("prompts") or []):
        insert_prompt(conn, call_id, seq, prompt, summary_only)
    insert_metrics(conn, call_id, report, summary_only)
    return call_id


def insert_utterance(conn: sqlite3.Connection, call_id: int, seq: int, utt: dict[str, Any]) -> None:
    values, extra = rr.split_row(utt, rr.UTTERANCE_COLUMNS)
    conn.execute(
        "INSERT INTO utterances (call_id, seq, speaker, start_s, end_s, text, tone, words, "
        "frustration, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            call_id,
            seq,
            values["speaker"] or "",
            values["start_s"] or 0.0,
            values["end_s"] or 0.0,
            values["text"] or "",
            values["tone"],
            values["words"],
            values["frustration"],
            extra,
        ),
    )


def insert_prompt(
    conn: sqlite3.Connection,
    call_id: int,
    seq: int,
    prompt: dict[str, Any],
    summary_only: bool,
) -> None:
    """One card; a shown call-back card also makes a follow-up reminder."""
    if summary_only:
        prompt = rr.summary_prompt(prompt)
    values, extra = rr.split_row(prompt, rr.PROMPT_COLUMNS)
    columns = ["call_id", "seq", *values]
    conn.execute(
        f"INSERT INTO prompts ({', '.join(columns)}, extra) "
        f"VALUES ({', '.join('?' for _ in columns)}, ?)",
        [call_id, seq, *values.values(), extra],
    )
    if prompt.get("id") == FOLLOW_UP_ID and prompt.get("shown", True):
        created = conn.execute("SELECT created_at FROM calls WHERE id = ?", (call_id,))
        day = datetime.fromtimestamp(created.fetchone()[0], tz=UTC).date()
        due = day + timedelta(days=FOLLOW_UP_DAYS)
        conn.execute(
            "INSERT INTO follow_ups (call_id, prompt_t, due_date) VALUES (?, ?, ?)",
            (call_id, prompt.get("t"), due.isoformat()),
        )


def insert_metrics(
    conn: sqlite3.Connection, call_id: int, report: dict[str, Any], summary_only: bool
) -> None:
    metrics, scorecard = report.get("metrics"), report.get("scorecard")
    if "metrics" not in report and "scorecard" not in report:
        return
    if summary_only and isinstance(scorecard, dict):
        scorecard = rr.summary_scorecard(scorecard)
    conn.execute(
        "INSERT INTO call_metrics (call_id, metrics, scorecard, scorecard_failed) "
        "VALUES (?, ?, ?, ?)",
        (
            call_id,
            None if "metrics" not in report else rr.dumps(metrics),
            None if "scorecard" not in report else rr.dumps(scorecard),
            rr.scorecard_failures(scorecard),
        ),
    )


def stage_audio(audio_dir: Path, audio: Path | None, summary_only: bool) -> Path | None:
    """Copy a recording into the audio folder under a temporary name (outside the write
    transaction: a long call must not hold the database). None when not stored."""
    if audio is None or summary_only:
        return None
    audio_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    staged = audio_dir / f".incoming-{uuid.uuid4().hex}"
    try:
        shutil.copyfile(audio, staged)
    except OSError:
        staged.unlink(missing_ok=True)
        raise
    return staged


def attach_audio(
    conn: sqlite3.Connection, audio_dir: Path, call_id: int, staged: Path, original: Path | None
) -> None:
    """Give a staged recording its final name (the call id) inside the write transaction."""
    suffix = original.suffix.lower() if original is not None else ".wav"
    name = f"{call_id}{suffix}"
    old = conn.execute("SELECT audio_file FROM calls WHERE id = ?", (call_id,)).fetchone()
    staged.replace(audio_dir / name)
    if old and old[0] and old[0] != name:
        (audio_dir / old[0]).unlink(missing_ok=True)
    conn.execute("UPDATE calls SET audio_file = ? WHERE id = ?", (name, call_id))


def json_or_none(value: Any) -> str | None:
    return None if value is None else rr.dumps(value)


def int_or_none(value: Any) -> int | None:
    return None if value is None else int(bool(value))
