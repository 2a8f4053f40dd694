"""The session store: every analysed or live call in one SQLite file (WAL mode).

One `Store` per process and file; its methods may be called from any thread (one lock). Each
write is one transaction: a report is stored whole or not at all, a live call's utterance is
committed as it arrives (app/store/live_writer.py). Deleted rows are overwritten
(`secure_delete`) and the write-ahead log is checkpointed after deletions, so retention and purge
leave no readable copy of what they removed in the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from app.store import report_rows as rr
from app.store.call_list import CallQuery, CallRow, from_timestamp, list_calls
from app.store.call_writing import (
    attach_audio,
    json_or_none,
    stage_audio,
    write_call,
)
from app.store.liveness import calls_written_here, register_live_call, writer_alive
from app.store.schema import StoreError, migrate

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
PrivacyMode = Literal["full", "summary"]
_BUSY_TIMEOUT_S = 30.0
_OFF = " (store.path names another file; store.enabled = false stores no calls)"


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


def audio_dir_for(path: Path) -> Path:
    """Where a store keeps copies of call audio (privacy.store_audio): beside the database."""
    return path.with_name(path.stem + "-audio")


def stored_files(path: Path) -> list[Path]:
    """Everything a store at `path` has on disk: the database, its WAL and shared-memory files,
    and the audio folder (what `callcoach purge` deletes)."""
    candidates = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]
    found = [p for p in candidates if p.exists()]
    audio = audio_dir_for(path)
    if audio.exists():
        found.append(audio)
    return found


class Store:
    def __init__(
        self,
        path: Path,
        *,
        privacy_mode: PrivacyMode = "full",
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Open (creating or upgrading) the store at `path`. `privacy_mode` "summary" stores
        no text of a call (see report_rows). A live call left "live" by a process that no
        longer runs is marked "interrupted"."""
        self.path = Path(path)
        self.audio_dir = audio_dir_for(self.path)
        self.privacy_mode: PrivacyMode = privacy_mode
        self.clock = clock
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():  # private to the user (SQLite gives its WAL the same)
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._conn = sqlite3.connect(
                self.path,
                timeout=_BUSY_TIMEOUT_S,
                isolation_level=None,  # transactions are explicit (BEGIN … COMMIT)
                check_same_thread=False,  # live sinks run on the pipeline's threads; see _lock
            )
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")  # a committed utterance survives
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._conn.execute("PRAGMA secure_delete = ON")
            migrate(self._conn, str(self.path))
            self.mark_interrupted()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the call store {self.path}: {exc}{_OFF}") from None
        except OSError as exc:
            why = exc.strerror or exc
            raise StoreError(f"cannot open the call store {self.path}: {why}{_OFF}") from None

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once: no deadlock between two writers)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _read(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # ------------------------------------------------------------------ saving
    def save_report(
        self,
        report: dict[str, Any],
        *,
        audio: Path | None = None,
        sha256: str | None = None,
        provenance: dict[str, Any] | None = None,
        source_path: str | None = None,
    ) -> int:
        """Store an analysed call in one transaction; returns its call id.

        The same audio (content hash) analysed the same way (analysis key) replaces the earlier
        analysis, keeping its call id and QA notes. Both come from the report's `source` and
        `provenance` (app/provenance.py) unless given here (`provenance` in the report's shape:
        settings_digest, models, playbook, analysis_key). `audio`: copy this recording into the
        store (the caller asks only when privacy.store_audio is set; never in summary mode)."""
        found = report.get("source")
        source: dict[str, Any] = found if isinstance(found, dict) else {}
        if provenance is None:
            provenance = report.get("provenance")
        provenance = provenance if isinstance(provenance, dict) else {}
        sha256 = sha256 or source.get("sha256")
        analysis_key = provenance.get("analysis_key")
        if sha256 is None and audio is not None:
            from app.provenance import content_hash

            sha256 = content_hash(audio)
        source_path = source_path or source.get("path")
        source_path = source_path or (str(audio) if audio is not None else None)
        staged = stage_audio(self.audio_dir, audio, self.privacy_mode == "summary")
        try:
            with self.transaction() as conn:
                existing = None
                if sha256 is not None and analysis_key is not None:
                    existing = conn.execute(
                        "SELECT id FROM calls WHERE origin = 'analyze' AND sha256 = ? "
                        "AND analysis_key = ?",
                        (sha256, analysis_key),
                    ).fetchone()
                call_id = write_call(
                    conn,
                    report,
                    call_id=existing[0] if existing else None,
                    origin="analyze",
                    status="complete",
                    identity={
                        "source_path": source_path,
                        "sha256": sha256,
                        "analysis_key": analysis_key,
                        "settings_digest": provenance.get("settings_digest"),
                        "model_versions": json_or_none(provenance.get("models")),
                        "playbook_version": provenance.get("playbook"),
                    },
                    privacy_mode=self.privacy_mode,
                    now=self.clock(),
                )
                if staged is not None:
                    attach_audio(conn, self.audio_dir, call_id, staged, audio)
                    staged = None
            return call_id
        finally:
            if staged is not None:
                staged.unlink(missing_ok=True)

    def audio_path(self, call_id: int) -> Path | None:
        """The stored copy of the call's audio, or None (not stored, or its file is gone)."""
        rows = self._read("SELECT audio_file FROM calls WHERE id = ?", (call_id,))
        if not rows or rows[0][0] is None:
            return None
        path = self.audio_dir / rows[0][0]
        return path if path.is_file() else None

    # ------------------------------------------------------------------ reading
    def find_analysis(self, sha256: str, analysis_key: str) -> int | None:
        """The call id of a complete analysis of this audio made the same way, or None."""
        rows = self._read(
            "SELECT id FROM calls WHERE origin = 'analyze' AND status = 'complete' "
            "AND sha256 = ? AND analysis_key = ?",
            (sha256, analysis_key),
        )
        return int(rows[0][0]) if rows else None

    def list_calls(self, query: CallQuery | None = None) -> list[CallRow]:
        with self._lock:
            return list_calls(self._conn, query or CallQuery())

    def load_report(self, call_id: int) -> dict[str, Any]:
        """The call as the report dict it was saved from, plus `call_id` and `notes`.
        Raises StoreError for an unknown id."""
        with self._lock:
            row = self._conn.execute(
                "SELECT call_name, duration_s, agent_channel, channels, agent, summary, "
                "report_extra FROM calls WHERE id = ?",
                (call_id,),
            ).fetchone()
            if row is None:
                raise StoreError(f"no call {call_id} in the call store {self.path}")
            utterances = self._conn.execute(
                "SELECT speaker, start_s, end_s, text, tone, words, frustration, extra "
                "FROM utterances WHERE call_id = ? ORDER BY seq",
                (call_id,),
            ).fetchall()
            prompt_columns = list(rr.PROMPT_COLUMNS.values())
            prompts = self._conn.execute(
                f"SELECT {', '.join(prompt_columns)}, extra FROM prompts WHERE call_id = ? "
                "ORDER BY seq",
                (call_id,),
            ).fetchall()
            metrics = self._conn.execute(
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
        report["call_id"] = call_id
        report["notes"] = [n.to_report() for n in self.notes(call_id)]
        return report

    def follow_ups(self, *, include_done: bool = False) -> list[tuple[int, int, str]]:
        """Call-back reminders as (reminder id, call id, due date ISO), soonest first."""
        sql = "SELECT id, call_id, due_date FROM follow_ups"
        if not include_done:
            sql += " WHERE done = 0"
        return [tuple(r) for r in self._read(sql + " ORDER BY due_date, id")]

    def mark_follow_up_done(self, reminder_id: int) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE follow_ups SET done = 1 WHERE id = ?", (reminder_id,))

    # ------------------------------------------------------------------ QA notes
    def add_note(
        self,
        call_id: int,
        text: str,
        rating: int | None = None,
        prompt_t: float | None = None,
        prompt_id: str | None = None,
        author: str | None = None,
    ) -> int:
        """A reviewer's note on a call (or one of its prompts); returns the note id.
        `rating`: 1 (poor) to 5 (excellent)."""
        if not text.strip():
            raise StoreError("a note needs some text")
        if rating is not None and (isinstance(rating, bool) or rating not in range(1, 6)):
            raise StoreError(f"a note's rating must be a whole number 1 to 5, not {rating!r}")
        with self.transaction() as conn:
            if conn.execute("SELECT 1 FROM calls WHERE id = ?", (call_id,)).fetchone() is None:
                raise StoreError(f"no call {call_id} in the call store {self.path}")
            cur = conn.execute(
                "INSERT INTO notes (call_id, prompt_t, prompt_id, text, rating, author, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (call_id, prompt_t, prompt_id, text, rating, author, self.clock()),
            )
            return int(cur.lastrowid or 0)

    def notes(self, call_id: int) -> list[Note]:
        rows = self._read(
            "SELECT id, call_id, text, rating, prompt_t, prompt_id, author, created_at "
            "FROM notes WHERE call_id = ? ORDER BY created_at, id",
            (call_id,),
        )
        return [
            Note(r[0], r[1], r[2], r[3], r[4], r[5], r[6], datetime.fromtimestamp(r[7], tz=UTC))
            for r in rows
        ]

    def delete_note(self, note_id: int) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM notes WHERE id = ?", (note_id,)).rowcount > 0

    # ------------------------------------------------------------------ retention
    def apply_retention(self, days: int) -> int:
        """Delete calls first stored more than `days` days ago, with their notes and audio;
        returns how many. 0 keeps everything. A call still being written is never deleted."""
        if days <= 0:
            return 0
        cutoff = self.clock() - days * 86400.0
        with self.transaction() as conn:
            rows = conn.execute(
                "SELECT id, audio_file FROM calls WHERE created_at < ? AND status != 'live'",
                (cutoff,),
            ).fetchall()
            conn.executemany("DELETE FROM calls WHERE id = ?", [(r[0],) for r in rows])
        for _, audio in rows:
            if audio:
                (self.audio_dir / audio).unlink(missing_ok=True)
        if rows:
            self._checkpoint()
            log.info("retention: deleted %d call(s) older than %d days", len(rows), days)
        return len(rows)

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and empty it: deleted rows leave no copy there."""
        with self._lock:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ------------------------------------------------------------------ live calls
    def mark_interrupted(self) -> int:
        """Live calls whose writing process is gone (killed, crashed) become "interrupted";
        returns how many. What they hold up to the last committed utterance stays."""
        mine = calls_written_here(self.path)
        stale = [
            call_id
            for call_id, pid, host in self._read(
                "SELECT id, writer_pid, writer_host FROM calls WHERE status = 'live'"
            )
            if call_id not in mine and not writer_alive(pid, host)
        ]
        if stale:
            with self.transaction() as conn:
                conn.executemany(
                    "UPDATE calls SET status = 'interrupted' WHERE id = ? AND status = 'live'",
                    [(c,) for c in stale],
                )
            log.warning("%d live call(s) were interrupted before they ended", len(stale))
        return len(stale)

    def register_live(self, call_id: int, active: bool) -> None:
        """A live writer of this process starts (True) or stops (False) writing `call_id`."""
        register_live_call(self.path, call_id, active)

    def purge(self) -> list[Path]:
        """Delete everything this store holds: the database (and its WAL) and all stored
        audio. The store is closed afterwards; returns what was deleted."""
        self.close()
        return purge_files(self.path)


def purge_files(path: Path) -> list[Path]:
    """Delete the store at `path` (database, WAL, audio folder); returns what was deleted."""
    found = stored_files(path)
    for item in found:
        if item.is_dir():
            shutil.rmtree(item)
        else:
            item.unlink(missing_ok=True)
    return found


__all__ = ["CallQuery", "CallRow", "Note", "Store", "StoreError", "from_timestamp"]
