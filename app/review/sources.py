"""Where the review window gets a call from: a JSON report written by `callcoach analyze` (and
the recording it was made from, when it can be found) or a recording to analyse."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.errors import CallcoachError

REPORT_SUFFIXES = (".json",)


class ReviewInputError(CallcoachError):
    """A file the review window cannot open; the message is the one line the reviewer sees."""


def is_report_file(path: Path) -> bool:
    return path.suffix.lower() in REPORT_SUFFIXES


def load_report_file(path: Path) -> dict[str, Any]:
    """A call report from JSON; ReviewInputError (one line) for anything else."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReviewInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewInputError(f"{path.name}: cannot read it ({exc})") from None
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReviewInputError(f"{path.name}: not a callcoach report (bad JSON: {exc})") from None
    if not isinstance(report, dict) or not isinstance(report.get("utterances"), list):
        raise ReviewInputError(f"{path.name}: not a callcoach report (no utterances list)")
    bad = [i for i, u in enumerate(report["utterances"]) if not _is_utterance(u)]
    if bad:
        raise ReviewInputError(
            f"{path.name}: utterance {bad[0]} has no speaker/start/end/text; not a callcoach report"
        )
    report.setdefault("prompts", [])
    report.setdefault("trend", [])
    report.setdefault("summary", {})
    if "duration_s" not in report:
        report["duration_s"] = max((float(u["end"]) for u in report["utterances"]), default=0.0)
    return report


def _is_utterance(row: Any) -> bool:
    return (
        isinstance(row, Mapping)
        and isinstance(row.get("text"), str)
        and isinstance(row.get("start"), int | float)
        and isinstance(row.get("end"), int | float)
        and row.get("speaker") in ("agent", "customer")
    )


def find_audio(report: Mapping[str, Any], report_path: Path | None) -> Path | None:
    """The recording a report was made from: its recorded source path, else a file of the
    report's `call` name beside the report. None when neither exists."""
    candidates: list[Path] = []
    source = report.get("source")
    if isinstance(source, Mapping) and source.get("path"):
        candidates.append(Path(str(source["path"])))
    name = str(report.get("call") or "")
    if name and report_path is not None:
        candidates.append(report_path.parent / name)
        candidates.append(report_path.parent.parent / name)
    return next((c for c in candidates if c.is_file()), None)
