"""QA reviewers' notes on stored calls: one note (text, optional 1-5 rating) on a call or on
one of its prompts. Every function runs on the caller's connection, inside its lock or
transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.store.schema import StoreError


@dataclass(frozen=True)
class Note:
    """A QA reviewer's note on a call, optionally on one of its prompts."""

    note_id: int
    call_id: int
    text: str
    rating: int | None
    prompt_t: float | None
    prompt_id: str | None
    author: str | None
    created_at: datetime

    def to_report(self) -> dict[str, Any]:
        return {
            "id": self.note_id,
            "text": self.text,
            "rating": self.rating,
            "prompt_t": self.prompt_t,
            "prompt_id": self.prompt_id,
            "author": self.author,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


def check_note(text: str, rating: int | None) -> None:
    """Raises StoreError for a note with no text or a rating that is not 1 to 5."""
    if not text.strip():
        raise StoreError("a note needs some text")
    if rating is not None and (isinstance(rating, bool) or rating not in range(1, 6)):
        raise StoreError(f"a note's rating must be a whole number 1 to 5, not {rating!r}")


def insert_note(
    conn: sqlite3.Connection,
    call_id: int,
    text: str,
    rating: int | None,
    prompt_t: float | None,
    prompt_id: str | None,
    author: str | None,
    now: float,
) -> int | None:
    """The new note's id, or None when there is no call `call_id`."""
    if conn.execute("SELECT 1 FROM calls WHERE id = ?", (call_id,)).fetchone() is None:
        return None
    cur = conn.execute(
        "INSERT INTO notes (call_id, prompt_t, prompt_id, text, rating, author, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (call_id, prompt_t, prompt_id, text, rating, author, now),
    )
    return int(cur.lastrowid or 0)


def read_notes(conn: sqlite3.Connection, call_id: int) -> list[Note]:
    rows = conn.execute(
        "SELECT id, call_id, text, rating, prompt_t, prompt_id, author, created_at "
        "FROM notes WHERE call_id = ? ORDER BY created_at, id",
        (call_id,),
    ).fetchall()
    return [
        Note(r[0], r[1], r[2], r[3], r[4], r[5], r[6], datetime.fromtimestamp(r[7], tz=UTC))
        for r in rows
    ]
