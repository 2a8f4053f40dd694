"""The review window's link to the call store (app/store): stored calls as list rows, a
recording analysed before (same audio, same analysis) loaded instead of analysed again, a
window's analysis saved the way `analyze` saves it, reviewer notes, and the call's export.

No Qt: the window calls these, the tests call them directly.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from app.config import Settings
from app.report.call_report import write_report
from app.review.call_list import CallQuery, CallRow
from app.store import CallQuery as StoreQuery
from app.store import CallRow as StoreRow
from app.store import Store

STORE_KEY = "store:"


def store_key(call_id: int) -> str:
    return f"{STORE_KEY}{call_id}"


def call_id_of(key: str) -> int | None:
    return int(key[len(STORE_KEY) :]) if key.startswith(STORE_KEY) else None


def store_query(query: CallQuery) -> StoreQuery:
    """The window's filters as the store's query (None: no filter)."""
    return StoreQuery(
        text=query.text.strip() or None,
        escalated=True if query.escalated else None,
        prompts_ignored=True if query.prompts_ignored else None,
        agent=query.agent.strip() or None,
        since=query.date_from,
        until=query.date_to,
        scorecard_failed=True if query.scorecard_failures else None,
    )


def row_of(stored: StoreRow) -> CallRow:
    return CallRow(
        key=store_key(stored.call_id),
        name=stored.call,
        duration_s=float(stored.duration_s or 0.0),
        when=stored.created_at.date() if stored.created_at else None,
        agent=stored.agent or "",
        escalated=bool(stored.escalated),
        max_frustration=stored.max_frustration,
        prompts=stored.prompts_shown,
        ignored=stored.prompts_ignored,
        scorecard_failed=int(stored.scorecard_failed or 0),
    )


class ReviewStore:
    """One store, as the review window uses it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._sources: dict[int, str | None] = {}

    def rows(self, query: CallQuery) -> list[CallRow]:
        """Stored calls matching the filters, newest first (the store answers in SQL)."""
        stored = self.store.list_calls(store_query(query))
        self._sources.update({r.call_id: r.source_path for r in stored})
        return [row_of(r) for r in stored]

    def load(self, call_id: int) -> tuple[dict[str, Any], Path | None]:
        """The stored report (with `call_id` and `notes`) and the audio to play: the store's
        copy when it kept one, else the original recording where it was analysed, if it is
        still there."""
        report = self.store.load_report(call_id)
        audio = self.store.audio_path(call_id)
        if audio is None:
            if call_id not in self._sources:
                self.rows(CallQuery())
            source = self._sources.get(call_id)
            if source and Path(source).is_file():
                audio = Path(source)
        return report, audio

    def analysed_before(self, path: Path) -> int | None:
        """The stored analysis of this recording made with today's settings, models and
        playbook (app/provenance.py), or None."""
        from app.coaching.playbook import load_playbook
        from app.provenance import analysis_key, content_hash

        playbook = load_playbook(self.settings.coach.playbook or None)
        return self.store.find_analysis(content_hash(path), analysis_key(self.settings, playbook))

    def save_analysis(self, report: dict[str, Any], path: Path) -> int:
        """Store a call analysed in the window exactly as `analyze` stores it."""
        from app.coaching.playbook import load_playbook
        from app.store.analyses import StoredAnalyses

        playbook = load_playbook(self.settings.coach.playbook or None)
        call_id = StoredAnalyses(self.store, self.settings, playbook).save(report, path)
        assert call_id is not None
        return call_id

    def find_stored(self, report: dict[str, Any], audio: Path | None) -> int | None:
        """The stored call a report opened from a file is the analysis of: same recording name,
        same audio bytes, same length. None when not stored (or no audio to compare)."""
        if isinstance(report.get("call_id"), int):
            return int(report["call_id"])
        if audio is None:
            return None
        from app.provenance import content_hash

        sha256 = content_hash(audio)
        name = str(report.get("call") or "")
        for row in self.store.list_calls(StoreQuery(text=name)):
            same_length = abs(float(row.duration_s or 0) - float(report["duration_s"])) < 0.05
            if row.call == name and row.sha256 == sha256 and same_length:
                return row.call_id
        return None

    def ensure_stored(self, report: dict[str, Any], audio: Path | None) -> int:
        """The call id of a report opened from a file: its stored analysis when there is one
        (notes join it), else the report is stored now."""
        found = self.find_stored(report, audio)
        if found is not None:
            return found
        sha256 = None
        if audio is not None:
            from app.provenance import content_hash

            sha256 = content_hash(audio)
        return self.store.save_report(
            report, sha256=sha256, source_path=str(audio.resolve()) if audio else None
        )

    def add_note(
        self,
        call_id: int,
        text: str,
        rating: int | None,
        prompt_t: float | None,
        prompt_id: str | None,
    ) -> list[dict[str, Any]]:
        """Save the note; the call's notes as the report holds them, oldest first."""
        self.store.add_note(call_id, text, rating, prompt_t, prompt_id)
        return self.notes(call_id)

    def notes(self, call_id: int) -> list[dict[str, Any]]:
        return [n.to_report() for n in self.store.notes(call_id)]


def export_call(report: dict[str, Any], folder: Path) -> list[Path]:
    """The call's HTML report, utterances CSV and JSON (with the reviewer's notes, as
    `notes`) in `folder`; the paths written."""
    from app.report.csv_export import write_utterances_csv
    from app.report.html import write_call_html

    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(str(report.get("call") or "call")).stem
    data = json.loads(json.dumps(report, default=_jsonable))
    return [
        write_call_html(data, folder / f"{stem}.html"),
        write_utterances_csv(data, folder / f"{stem}.csv"),
        write_report(data, folder, stem),
    ]


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
