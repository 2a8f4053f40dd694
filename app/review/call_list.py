"""The review window's call list: one row per call and the filters that narrow it (text search,
escalated, prompts ignored, agent, date range, scorecard failures).

Rows are made from report dicts (a JSON report opened from disk, or a call analysed in the
window); the filters are the same questions the store answers for stored calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.report.customer_peak import customer_peak


@dataclass(frozen=True)
class CallQuery:
    text: str = ""  # words in the call's name, agent, transcript or prompts (case-insensitive)
    escalated: bool = False  # only calls that escalated
    prompts_ignored: bool = False  # only calls with at least one card the agent ignored
    agent: str = ""  # only this agent (exact, case-insensitive); "" = any
    date_from: date | None = None
    date_to: date | None = None  # inclusive
    scorecard_failures: bool = False  # only calls with at least one failed scorecard item


@dataclass(frozen=True)
class CallRow:
    key: str  # what opens it: a report path, a recording path or a store call id
    name: str
    duration_s: float
    when: date | None
    agent: str
    escalated: bool
    max_frustration: float | None  # None: the customer was not heard (no peak to show)
    prompts: int
    ignored: int
    scorecard_failed: int
    search_text: str = field(repr=False, default="")  # lower-cased text the search looks in


def row_from_report(report: Mapping[str, Any], key: str, when: date | None = None) -> CallRow:
    summary = report.get("summary") or {}
    prompts = [p for p in report.get("prompts") or [] if isinstance(p, Mapping)]
    scorecard = report.get("scorecard") or {}
    words = [str(report.get("call", "")), str(report.get("agent") or "")]
    words += [str(u.get("text", "")) for u in report.get("utterances") or []]
    words += [f"{p.get('title', '')} {p.get('id', '')}" for p in prompts]
    return CallRow(
        key=key,
        name=str(report.get("call") or Path(key).name),
        duration_s=float(report.get("duration_s") or 0.0),
        when=when,
        agent=str(report.get("agent") or ""),
        escalated=bool(summary.get("escalated", False)),
        max_frustration=customer_peak(report),
        prompts=sum(1 for p in prompts if p.get("shown", True)),
        ignored=sum(1 for p in prompts if p.get("outcome") == "ignored"),
        scorecard_failed=int(scorecard.get("failed") or 0),
        search_text="\n".join(words).lower(),
    )


def matches(row: CallRow, query: CallQuery) -> bool:
    if query.escalated and not row.escalated:
        return False
    if query.prompts_ignored and row.ignored == 0:
        return False
    if query.scorecard_failures and row.scorecard_failed == 0:
        return False
    if query.agent and row.agent.lower() != query.agent.strip().lower():
        return False
    if query.date_from is not None and (row.when is None or row.when < query.date_from):
        return False
    if query.date_to is not None and (row.when is None or row.when > query.date_to):
        return False
    terms = query.text.lower().split()
    return all(term in row.search_text for term in terms)


def filter_rows(rows: Iterable[CallRow], query: CallQuery) -> list[CallRow]:
    return [row for row in rows if matches(row, query)]
