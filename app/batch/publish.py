"""Everything written for a finished call, and for the batch at its end, on the driver only.

Per call, under --out as `<name>.*`: the JSON report of the contract, the readable HTML report
(`app/report/html.py`) and the utterances CSV (`app/report/csv_export.py`), each written
atomically; then the call store (`app/store`: one transaction, audio only when
`privacy.store_audio`). Per batch: `batch_summary.html` and `batch_summary.csv`
(`app/report/batch_summary.py`) over every call of the batch, analysed now or before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.coaching.playbook import Playbook
from app.config import Settings
from app.report.call_report import write_report
from app.report.csv_export import write_utterances_csv
from app.report.html import write_call_html
from app.store.analyses import StoredAnalyses

log = logging.getLogger("callcoach")


class Publisher:
    """Opened once per batch (the store with it); `call` per finished call."""

    def __init__(self, out_dir: Path, settings: Settings, playbook: Playbook) -> None:
        self.out_dir = out_dir
        self.stored = StoredAnalyses.open(settings, playbook)

    def call(
        self, report: dict[str, Any], name: str, audio: Path, *, store: bool = True
    ) -> tuple[list[str], int | None]:
        """Write the call's files and store it; returns the files written (relative to --out)
        and the store's call id (None when the store is off or `store` is false)."""
        out = self.out_dir
        written = [
            write_report(report, out, name),
            write_call_html(report, out / f"{name}.html"),
            write_utterances_csv(report, out / f"{name}.csv"),
        ]
        call_id = self.stored.save(report, audio) if store else None
        return [p.name for p in written], call_id

    def stored_already(self, sha256: str, analysis_key: str) -> int | None:
        """The store's call id for this audio analysed this way, if the store has it."""
        if self.stored.store is None:
            return None
        return self.stored.store.find_analysis(sha256, analysis_key)

    def batch(self, names: Sequence[str]) -> list[str]:
        """The batch summary (HTML + CSV) over the calls whose reports are `names`."""
        from app.report.batch_summary import write_batch_summary

        reports: list[dict[str, Any]] = []
        pages: list[Path | None] = []
        for name in names:
            try:
                reports.append(json.loads((self.out_dir / f"{name}.json").read_text("utf-8")))
            except (OSError, ValueError) as exc:  # removed or edited under us: say so, go on
                log.warning("%s.json left out of the batch summary: %s", name, exc)
                continue
            page = self.out_dir / f"{name}.html"
            pages.append(page if page.exists() else None)
        if not reports:
            return []
        written = write_batch_summary(reports, self.out_dir, pages=pages)
        return [written.html.name, written.csv.name]

    def close(self) -> None:
        self.stored.close()
