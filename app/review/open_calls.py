"""The calls a review window knows (no Qt): recordings and reports opened from files, calls
loaded from the call store, and what the reviewer adds to them (analyses, notes).

A call opened from a file that is also in the store is known under both keys (its path and
`store:<id>`), so its notes are the stored ones wherever it is picked from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.errors import CallcoachError, one_line
from app.review.call_list import CallQuery, CallRow, filter_rows, row_from_report
from app.review.sources import find_audio, is_report_file, load_report_file
from app.review.stored_calls import ReviewStore, call_id_of, store_key

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


class ReviewCall:
    """One call the window knows: its report (None until analysed), its audio and, once it is
    in the call store, its call id."""

    def __init__(
        self,
        key: str,
        report: dict[str, Any] | None,
        audio: Path | None,
        call_id: int | None = None,
    ) -> None:
        self.key, self.report, self.audio, self.call_id = key, report, audio, call_id
        self.notes: list[dict[str, Any]] = list((report or {}).get("notes") or [])
        self.when: date | None = None


class OpenCalls:
    """The calls by key (a path, or `store:<id>`), with the call store when there is one
    (`review_store`; None keeps notes for the session and in exports only)."""

    def __init__(self, review_store: ReviewStore | None) -> None:
        self.review_store = review_store
        self.calls: dict[str, ReviewCall] = {}

    def add_paths(self, paths: Sequence[Path]) -> tuple[str | None, list[str]]:
        """Add recordings and reports (a bare number is a stored call's id); returns the key of
        the first one to open and one line per path that could not be added."""
        first: str | None = None
        problems: list[str] = []
        for path in paths:
            key = str(path)
            if key.isdigit() and not path.exists():  # a stored call's id (`callcoach review 12`)
                if self.review_store is None:
                    problems.append(f"call {key}: there is no call store to open it from")
                    continue
                key = store_key(int(key))
                first = first or key
                continue
            if key in self.calls:
                first = first or key
                continue
            if is_report_file(path):
                try:
                    report = load_report_file(path)
                except CallcoachError as exc:
                    problems.append(one_line(exc))
                    continue
                call = ReviewCall(key, report, find_audio(report, path))
                call.when = _file_date(path)
                self._attach_stored(call)
            else:
                call = ReviewCall(key, None, path)
                call.when = _file_date(path)
            self.calls[key] = call
            first = first or key
        return first, problems

    def _attach_stored(self, call: ReviewCall) -> None:
        """A report opened from a file that is already in the store: its notes come along."""
        if self.review_store is None or call.report is None:
            return
        try:
            call_id = self.review_store.find_stored(call.report, call.audio)
        except (CallcoachError, OSError) as exc:
            log.warning("looking the call up in the store failed: %s", exc)
            return
        if call_id is not None:
            call.call_id = call_id
            call.notes = self.review_store.notes(call_id)
            self.calls[store_key(call_id)] = call

    def find(self, key: str) -> ReviewCall | None:
        """The call under `key`, loaded from the store for a `store:<id>` key not seen yet.
        Raises CallcoachError when the store cannot give it."""
        call = self.calls.get(key)
        call_id = call_id_of(key)
        if call is None and call_id is not None and self.review_store is not None:
            report, audio = self.review_store.load(call_id)
            call = ReviewCall(key, report, audio, call_id)
            self.calls[key] = call
        return call

    def analysed(self, call: ReviewCall, report: dict[str, Any]) -> None:
        """A finished analysis (stored when it has a `call_id`)."""
        call.report = report
        if isinstance(report.get("call_id"), int):
            call.call_id = report["call_id"]
            call.notes = list(report.get("notes") or [])
            self.calls[store_key(report["call_id"])] = call

    def rows(
        self, query: CallQuery, current: ReviewCall | None
    ) -> tuple[list[CallRow], int, str | None]:
        """The rows to list (stored calls, filtered by the store, then the calls opened here
        that are not stored, filtered the same way), how many there are unfiltered, and the
        key of the row to select."""
        stored = self.review_store.rows(query) if self.review_store is not None else []
        rows: list[CallRow] = []
        for key, call in self.calls.items():
            if call.call_id is not None or key.startswith("store:"):
                continue  # its store row stands for it
            if call.report is not None:
                rows.append(row_from_report(call.report, call.key, call.when))
            else:
                rows.append(
                    CallRow(
                        call.key,
                        f"{Path(call.key).name} (not analysed)",
                        0.0,
                        call.when,
                        "",
                        False,
                        0.0,
                        0,
                        0,
                        0,
                        Path(call.key).name.lower(),
                    )
                )
        shown = stored + filter_rows(rows, query)
        total = len(rows)
        if self.review_store is not None:
            total += len(self.review_store.store.list_calls())
        selected = None
        if current is not None:
            selected = store_key(current.call_id) if current.call_id is not None else current.key
        return shown, total, selected

    def add_note(
        self,
        call: ReviewCall,
        text: str,
        rating: int | None,
        prompt_t: float | None,
        prompt_id: str | None,
    ) -> None:
        """A reviewer's note (and 1-5 rating): saved in the call store when there is one (the
        call is stored first if it is not yet), else kept for the session and exports.
        Raises CallcoachError when the store refuses it."""
        assert call.report is not None
        if self.review_store is None:
            call.notes.append(
                {
                    "text": text,
                    "rating": rating,
                    "prompt_t": prompt_t,
                    "prompt_id": prompt_id,
                    "created_at": datetime.now().isoformat(timespec="seconds"),
                }
            )
            return
        if call.call_id is None:
            call.call_id = self.review_store.ensure_stored(call.report, call.audio)
            self.calls[store_key(call.call_id)] = call
        call.notes = self.review_store.add_note(call.call_id, text, rating, prompt_t, prompt_id)

    def notes_status(self, store_problem: str) -> str:
        """Where the reviewer's notes go (`store_problem`: why there is no store, if known)."""
        if self.review_store is not None:
            return f"Notes are saved in the call store ({self.review_store.store.path})."
        why = f" ({store_problem})" if store_problem else ""
        return f"No call store{why}: notes are kept for this session and in exports."

    def export_report(self, call: ReviewCall) -> dict[str, Any]:
        """The report to export, with the reviewer's notes (as stored, when stored)."""
        assert call.report is not None
        if self.review_store is not None and call.call_id is not None:
            return self.review_store.store.load_report(call.call_id)
        return {**call.report, "notes": call.notes}


def _file_date(path: Path) -> date | None:
    try:
        return date.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None
