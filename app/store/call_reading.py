"""Reading a stored call back into the report dict it was saved from (the inverse of
app/store/call_writing.py). Runs on the caller's connection, inside its lock."""

from __future__ import annotations

import sqlite3
from typing import Any

from app.store import report_rows as rr


def read_report(conn: sqlite3.Connection, call_id: int) -> dict[str, Any] | None:
    """The call's report dict (without notes), or None for an unknown id."""
    row = conn.execute(
        "SELECT call_name, duration_s, agent_channel, channels, agent, summary, "
        "report_extra FROM calls WHERE id = ?",
        (call_id,),
    ).fetchone()
    if row is None:
        return None
    utterances = conn.execute(
        "SELECT speaker, start_s, end_s, text, tone, words, frustration, extra "
        "FROM utterances WHERE call_id = ? ORDER BY seq",
        (call_id,),
    ).fetchall()
    prompt_columns = list(rr.PROMPT_COLUMNS.values())
    prompts = conn.execute(
        f"SELECT {', '.join(prompt_columns)}, extra FROM prompts WHERE call_id = ? ORDER BY seq",
        (call_id,),
    ).fetchall()
    metrics = conn.execute(
        "SELECT metrics, scorecard FROM call_metrics WHERE call_id = ?", (call_id,)
    ).fetchone()
    report: dict[str, Any] = {"call": row[0], "duration_s": row[1]}
    for key, value in (("agent_channel", row[2]), ("channels", row[3]), ("agent", row[4])):
        if value is not None:
            report[key] = value
    utt_columns = list(rr.UTTERANCE_COLUMNS.values())
    report["utterances"] = [
        rr.join_row(dict(zip(utt_columns, u[:-1], strict=True)), u[-1], rr.UTTERANCE_COLUMNS)
        for u in utterances
    ]
    report["prompts"] = [
        rr.join_row(dict(zip(prompt_columns, p[:-1], strict=True)), p[-1], rr.PROMPT_COLUMNS)
        for p in prompts
    ]
    if row[5] is not None:
        report["summary"] = rr.loads(row[5])
    if metrics is not None:
        if metrics[0] is not None:
            report["metrics"] = rr.loads(metrics[0])
        if metrics[1] is not None:
            report["scorecard"] = rr.loads(metrics[1])
    report.update(rr.loads(row[6]) or {})
    return report
