"""Finding stored calls: the filters of the review window's call list, as one SQL query."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

Status = Literal["live", "complete", "interrupted"]


@dataclass(frozen=True)
class CallQuery:
    """Filters for `Store.list_calls`; None = no filter. Newest calls first."""

    text: str | None = None  # in the call's file name or anything said (case-insensitive)
    escalated: bool | None = None
    prompts_ignored: bool | None = None  # at least one card the agent ignored (False: none)
    prompt_id: str | None = None  # a card with this id was shown
    agent: str | None = None
    since: datetime | date | None = None  # stored at or after (a date: from its start, UTC)
    until: datetime | date | None = None  # stored before (a date: up to its end, UTC)
    scorecard_failed: bool | None = None  # at least one scorecard item failed (False: none)
    status: Status | None = None
    origin: Literal["analyze", "live"] | None = None
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class CallRow:
    """One line of the call list."""

    call_id: int
    call: str  # the recording's file name (a live call: the simulated file or "live-call")
    source_path: str | None
    sha256: str | None
    origin: str  # "analyze" or "live"
    status: str  # "live" (being written), "complete" or "interrupted"
    created_at: datetime  # UTC, when first stored
    analysed_at: datetime | None
    duration_s: float
    channels: int | None
    agent: str | None
    max_frustration: float | None
    escalated: bool | None
    prompts_shown: int
    prompts_ignored: int
    scorecard_failed: int | None
    notes: int
    has_audio: bool
    privacy_mode: str


_SELECT = """
SELECT c.id, c.call_name, c.source_path, c.sha256, c.origin, c.status, c.created_at,
       c.analysed_at, c.duration_s, c.channels, c.agent, c.max_frustration, c.escalated,
       (SELECT COUNT(*) FROM prompts p WHERE p.call_id = c.id AND p.shown = 1),
       (SELECT COUNT(*) FROM prompts p WHERE p.call_id = c.id AND p.outcome = 'ignored'),
       m.scorecard_failed,
       (SELECT COUNT(*) FROM notes n WHERE n.call_id = c.id),
       c.audio_file IS NOT NULL, c.privacy_mode
FROM calls c LEFT JOIN call_metrics m ON m.call_id = c.id
"""


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def timestamp(moment: datetime | date, end_of_day: bool = False) -> float:
    """Unix seconds; a naive datetime is taken as UTC, a date as its first (or, with
    `end_of_day`, its next day's first) second."""
    if not isinstance(moment, datetime):
        day = datetime.combine(moment, time(), tzinfo=UTC)
        return day.timestamp() + (86400 if end_of_day else 0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def from_timestamp(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, tz=UTC)


def list_calls(conn: sqlite3.Connection, query: CallQuery) -> list[CallRow]:
    where: list[str] = []
    params: list[Any] = []
    if query.text:
        where.append(
            "(c.call_name LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM utterances u "
            "WHERE u.call_id = c.id AND u.text LIKE ? ESCAPE '\\'))"
        )
        params += [_like(query.text), _like(query.text)]
    if query.escalated is not None:
        where.append("c.escalated = ?")
        params.append(int(query.escalated))
    if query.prompts_ignored is not None:
        exists = "EXISTS (SELECT 1 FROM prompts p WHERE p.call_id = c.id AND p.outcome = 'ignored')"
        where.append(exists if query.prompts_ignored else f"NOT {exists}")
    if query.prompt_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM prompts p WHERE p.call_id = c.id AND p.prompt_id = ? "
            "AND p.shown = 1)"
        )
        params.append(query.prompt_id)
    if query.agent is not None:
        where.append("c.agent = ?")
        params.append(query.agent)
    if query.since is not None:
        where.append("c.created_at >= ?")
        params.append(timestamp(query.since))
    if query.until is not None:
        where.append("c.created_at < ?")
        params.append(timestamp(query.until, end_of_day=True))
    if query.scorecard_failed is not None:
        where.append(
            "COALESCE(m.scorecard_failed, 0) > 0"
            if query.scorecard_failed
            else "COALESCE(m.scorecard_failed, 0) = 0"
        )
    if query.status is not None:
        where.append("c.status = ?")
        params.append(query.status)
    if query.origin is not None:
        where.append("c.origin = ?")
        params.append(query.origin)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
    sql += " ORDER BY c.created_at DESC, c.id DESC"
    if query.limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [int(query.limit), int(query.offset)]
    return [_row(r) for r in conn.execute(sql, params)]


def _row(r: tuple[Any, ...]) -> CallRow:
    created = from_timestamp(r[6])
    assert created is not None  # NOT NULL column
    return CallRow(
        call_id=r[0],
        call=r[1],
        source_path=r[2],
        sha256=r[3],
        origin=r[4],
        status=r[5],
        created_at=created,
        analysed_at=from_timestamp(r[7]),
        duration_s=r[8],
        channels=r[9],
        agent=r[10],
        max_frustration=r[11],
        escalated=None if r[12] is None else bool(r[12]),
        prompts_shown=r[13],
        prompts_ignored=r[14],
        scorecard_failed=r[15],
        notes=r[16],
        has_audio=bool(r[17]),
        privacy_mode=r[18],
    )
