"""Everything written for one finished call, on the driver only.

HOOK (issue 17 wiring): `publish_call` is the one place where a finished call's outputs are
written. Today: the JSON report of the contract. The store (`Store.save_report`) and the
readable reports (`write_call_html`, `write_utterances_csv`) are wired in here when they land
on main; `publish_batch` is where `write_batch_summary` goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.config import Settings
from app.report.call_report import write_report


def publish_call(
    report: dict[str, Any], out_dir: Path, name: str, settings: Settings, audio: Path
) -> tuple[list[str], int | None]:
    """Write the call's outputs under `out_dir` as `<name>.*`; returns the files written
    (relative to `out_dir`) and the store's call id (None when not stored)."""
    del settings, audio  # used by the store (audio kept only when the settings say so)
    path = write_report(report, out_dir, name)
    return [path.name], None


def publish_batch(reports: list[dict[str, Any]], out_dir: Path) -> list[str]:
    """Batch-level outputs beside batch_summary.json (the readable batch summary)."""
    del reports, out_dir
    return []
