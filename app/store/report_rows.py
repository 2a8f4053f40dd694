"""The report dict (app/report/call_report.py) as table rows, and back.

Keys the store queries get their own columns; every other key of a row goes, unchanged, into the
row's `extra` JSON, so a report loaded back has exactly the keys it was saved with, including
keys added to the report after this schema was written. A column left NULL means "the key was
absent"; a key present with the value None is kept in `extra`.

`summary_only` (privacy.mode = "summary") keeps nothing that was said: no utterances, no prompt
text (`say` may hold the customer's name, `reason` and `heard` quote the call), no scorecard
evidence.
"""

from __future__ import annotations

import json
from typing import Any

# report keys with their own columns or tables; the rest go to calls.report_extra
CALL_COLUMNS = ("call", "duration_s", "agent_channel", "channels", "agent", "summary")
TABLE_KEYS = ("utterances", "prompts", "metrics", "scorecard")

UTTERANCE_COLUMNS = {  # report key -> column
    "speaker": "speaker",
    "start": "start_s",
    "end": "end_s",
    "text": "text",
    "tone": "tone",
    "words": "words",
    "frustration": "frustration",
}
PROMPT_COLUMNS = {
    "t": "t",
    "id": "prompt_id",
    "title": "title",
    "say": "say",
    "reason": "reason",
    "shown": "shown",
    "why_not": "why_not",
    "outcome": "outcome",
    "outcome_t": "outcome_t",
    "outcome_detail": "outcome_detail",
    "heard": "heard",
    "frustration_before": "frustration_before",
    "frustration_after": "frustration_after",
}
_PROMPT_TEXT = ("say", "reason", "heard", "outcome_detail")
# report-level keys kept in summary mode besides the call columns: none of them holds speech
_SUMMARY_EXTRA = (
    "speakers",
    "thresholds",
    "source",
    "provenance",
    "redaction",
    "dropped_audio_s",
    "warnings",
)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def split_row(row: dict[str, Any], columns: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """(column -> value, extra JSON) for one utterance or prompt dict."""
    values: dict[str, Any] = dict.fromkeys(columns.values())
    extra: dict[str, Any] = {}
    for key, value in row.items():
        column = columns.get(key)
        if column is None or value is None:
            extra[key] = value
        else:
            values[column] = value
    if "shown" in values and values["shown"] is not None:
        values["shown"] = int(bool(values["shown"]))
    return values, (dumps(extra) if extra else None)


def join_row(values: dict[str, Any], extra: str | None, columns: dict[str, str]) -> dict[str, Any]:
    """The report dict of one stored utterance or prompt."""
    row: dict[str, Any] = {}
    for key, column in columns.items():
        value = values[column]
        if value is not None:
            row[key] = bool(value) if key == "shown" else value
    row.update(loads(extra) or {})
    return row


def report_extra(report: dict[str, Any], summary_only: bool) -> dict[str, Any]:
    """The report keys stored verbatim in calls.report_extra."""
    extra = {k: v for k, v in report.items() if k not in CALL_COLUMNS + TABLE_KEYS}
    extra.pop("call_id", None)  # given again by load_report; notes live in their own table
    extra.pop("notes", None)
    if summary_only:
        extra = {k: v for k, v in extra.items() if k in _SUMMARY_EXTRA}
    return extra


def summary_prompt(row: dict[str, Any]) -> dict[str, Any]:
    """A prompt row with nothing said in it (privacy.mode = "summary")."""
    return {k: v for k, v in row.items() if k not in _PROMPT_TEXT}


def summary_scorecard(scorecard: dict[str, Any]) -> dict[str, Any]:
    """A scorecard with each item's result but no evidence or detail text."""
    kept = {k: v for k, v in scorecard.items() if k != "items"}
    items = scorecard.get("items")
    if isinstance(items, list):
        kept["items"] = [
            {k: v for k, v in item.items() if k not in ("evidence", "detail")}
            for item in items
            if isinstance(item, dict)
        ]
    return kept


def scorecard_failures(scorecard: Any) -> int | None:
    if not isinstance(scorecard, dict):
        return None
    failed = scorecard.get("failed")
    if isinstance(failed, int) and not isinstance(failed, bool):
        return failed
    items = scorecard.get("items")
    if isinstance(items, list):
        return sum(1 for i in items if isinstance(i, dict) and i.get("result") == "fail")
    return None
