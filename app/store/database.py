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
from pathlib import Path
from typing import Any, Literal

from app.store.call_list import CallQuery, CallRow, from_timestamp, list_calls
from app.store.call_reading import read_report
from app.store.call_writing import (
    attach_audio,
    json_or_none,
    stage_audio,
    write_call,
)
from app.store.files import audio_dir_for, expire_peaks, purge_files
from app.store.liveness import calls_written_here, register_live_call, writer_alive
from app.store.notes import Note, check_note, insert_note, read_notes
from app.store.schema import StoreError, migrate

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
PrivacyMode = Literal["full", "summary"]
_BUSY_TIMEOUT_S = 30.0
_OFF = " (store.path names another file; store.enabled = false stores no calls)"


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
        dropped: Path | None = None
        try:
            with self.transaction() as conn:
                existing = None
                if sha256 is not None and analysis_key is not None:
                    existing = conn.execute(
                        "SELECT id, audio_file FROM calls WHERE origin = 'analyze' "
                        "AND sha256 = ? AND analysis_key = ?",
                        (sha256, analysis_key),
                    ).fetchone()
                if existing and existing[1] and self.privacy_mode == "summary":
                    # a full copy replaced in summary mode keeps no audio either
                    conn.execute("UPDATE calls SET audio_file = NULL WHERE id = ?", (existing[0],))
                    dropped = self.audio_dir / existing[1]
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
        finally:
            if staged is not None:
                staged.unlink(missing_ok=True)
        if existing and self.privacy_mode == "summary":  # the full text leaves the WAL too
            if dropped is not None:
                dropped.unlink(missing_ok=True)
            self._checkpoint()
        return call_id

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
            report = read_report(self._conn, call_id)
        if report is None:
            raise StoreError(f"no call {call_id} in the call store {self.path}")
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
        check_note(text, rating)
        with self.transaction() as conn:
            note_id = insert_note(
                conn, call_id, text, rating, prompt_t, prompt_id, author, self.clock()
            )
        if note_id is None:
            raise StoreError(f"no call {call_id} in the call store {self.path}")
        return note_id

    def notes(self, call_id: int) -> list[Note]:
        with self._lock:
            return read_notes(self._conn, call_id)

    def delete_note(self, note_id: int) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM notes WHERE id = ?", (note_id,)).rowcount > 0

    # ------------------------------------------------------------------ retention
    def apply_retention(self, days: int) -> int:
        """Delete calls first stored more than `days` days ago, with their notes, audio and the
        review window's waveform peaks of their audio; returns how many. 0 keeps everything. A
        call still being written is never deleted."""
        if days <= 0:
            return 0
        cutoff = self.clock() - days * 86400.0
        with self.transaction() as conn:
            rows = conn.execute(
                "SELECT id, audio_file, sha256 FROM calls WHERE created_at < ? "
                "AND status != 'live'",
                (cutoff,),
            ).fetchall()
            conn.executemany("DELETE FROM calls WHERE id = ?", [(r[0],) for r in rows])
            kept = {r[0] for r in conn.execute("SELECT DISTINCT sha256 FROM calls")}
        for _, audio, _ in rows:
            if audio:
                (self.audio_dir / audio).unlink(missing_ok=True)
        peaks = expire_peaks(self.path, kept, {r[2] for r in rows if r[2]}, cutoff)
        if rows:
            self._checkpoint()
            log.info("retention: deleted %d call(s) older than %d days", len(rows), days)
        if peaks:
            log.info("retention: deleted the waveform peaks of %d recording(s)", len(peaks))
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

    def purge(self) -> tuple[list[Path], bool]:
        """Delete everything this store holds and close it; returns what was deleted and
        whether the database file itself went too.

        The content goes first, in place (every row deleted, the file rewritten by VACUUM, the
        WAL emptied): another callcoach process that still has the store open (a batch, the
        overlay between calls) keeps writing to this file, not to a deleted one whose later
        calls would vanish. Then the audio folder goes, and the files go when no other
        connection is open (SQLite removes the WAL when its last connection closes)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM calls")  # notes, utterances, prompts… cascade
        with self._lock:
            self._conn.execute("VACUUM")
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.close()
        deleted = []
        if self.audio_dir.exists():
            shutil.rmtree(self.audio_dir)
            deleted.append(self.audio_dir)
        if Path(f"{self.path}-wal").exists():  # someone else has it open: leave it, empty
            return deleted, False
        return deleted + purge_files(self.path), True


__all__ = ["CallQuery", "CallRow", "Note", "Store", "StoreError", "from_timestamp"]
