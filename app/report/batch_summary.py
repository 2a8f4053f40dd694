"""The batch summary a QA lead reads first: every call of a batch ranked by the customer's peak
frustration, the escalations, how often each prompt was followed or ignored, and the scorecards
per agent, with a relative link to each call's own HTML report. Written as one self-contained
HTML page and one CSV (a row per call) in the batch's output folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from app import __version__
from app.report.csv_export import neutralise, write_csv_atomically
from app.report.customer_peak import customer_peak, peak_text
from app.report.fields import mapping, number
from app.report.files import write_atomically
from app.report.frustration_plot import OUTCOME_LABELS
from app.report.html import environment, warning_text

SUMMARY_HTML = "batch_summary.html"
SUMMARY_CSV = "batch_summary.csv"
OUTCOMES = ("followed", "ignored", "superseded", "done", "dismissed", "shown", "not_shown")
CSV_COLUMNS = (
    "rank",
    "call",
    "agent",
    "report_html",
    "duration_s",
    "max_frustration",
    "escalated",
    "prompts_shown",
    # "shown" as an outcome: on screen, nothing to judge it by
    *(f"prompts_{'not_judged' if o == 'shown' else o}" for o in OUTCOMES),
    "scorecard_passed",
    "scorecard_failed",
    "scorecard_not_applicable",
    "warnings",
)


@dataclass(frozen=True)
class BatchSummary:
    html: Path
    csv: Path


def _outcome(p: Mapping[str, Any]) -> str:
    return str(p.get("outcome") or ("shown" if p.get("shown", True) else "not_shown"))


def _agent(report: Mapping[str, Any]) -> str:
    agent = report.get("agent")
    return str(agent) if agent else "unknown"


def _link(page: Path | None, out_dir: Path) -> str:
    if page is None:
        return ""
    rel = os.path.relpath(Path(page).resolve(), out_dir.resolve())
    return quote(Path(rel).as_posix())


def _default_page(report: Mapping[str, Any], out_dir: Path) -> Path | None:
    stem = Path(str(report.get("call", ""))).stem
    page = out_dir / f"{stem}.html"
    return page if stem and page.is_file() and page.name != SUMMARY_HTML else None


def _call_row(report: Mapping[str, Any], link: str) -> dict[str, Any]:
    prompts = [p for p in report.get("prompts") or [] if isinstance(p, Mapping)]
    outcomes = {o: 0 for o in OUTCOMES}
    for p in prompts:
        o = _outcome(p)
        outcomes[o] = outcomes.get(o, 0) + 1
    card = mapping(report.get("scorecard"))
    duration = number(report.get("duration_s"))
    return {
        "call": str(report.get("call", "unnamed call")),
        "agent": _agent(report),
        "link": link,
        "duration_s": duration,
        "peak": customer_peak(report),  # None: the customer was not heard
        "escalated": bool(mapping(report.get("summary")).get("escalated", False)),
        "shown": sum(1 for p in prompts if p.get("shown", True)),
        "outcomes": outcomes,
        "scorecard": (
            {k: int(card.get(k, 0) or 0) for k in ("passed", "failed", "not_applicable")}
            if card
            else None
        ),
        "warnings": len(report.get("warnings") or []),
        "warning_texts": _warning_texts(report.get("warnings") or []),
    }


def _warning_texts(warnings: Sequence[Any], shown: int = 3) -> list[str]:
    """A call's audio warnings in words for the page's alert: the first few, then how many more."""
    said = [warning_text(w) for w in warnings[:shown]]
    return [*said, f"and {len(warnings) - shown} more"] if len(warnings) > shown else said


def _prompt_table(reports: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, int]] = {}
    for report in reports:
        for p in report.get("prompts") or []:
            if not isinstance(p, Mapping):
                continue
            counts = by_id.setdefault(str(p.get("id", "?")), {o: 0 for o in OUTCOMES})
            o = _outcome(p)
            counts[o] = counts.get(o, 0) + 1
    rows = []
    for pid, counts in sorted(by_id.items()):
        judged = counts["followed"] + counts["ignored"]
        rows.append(
            {
                "id": pid,
                "counts": counts,
                "follow_rate": f"{100 * counts['followed'] / judged:.0f} %" if judged else "–",
            }
        )
    return rows


def _agent_table(
    reports: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Per agent: calls, escalations, scorecard totals and each item's pass/fail counts."""
    agents: dict[str, dict[str, Any]] = {}
    item_titles: dict[str, str] = {}
    for report in reports:
        a = agents.setdefault(
            _agent(report),
            {"calls": 0, "escalated": 0, "with_card": 0, "passed": 0, "failed": 0, "na": 0,
             "items": {}},
        )  # fmt: skip
        a["calls"] += 1
        a["escalated"] += bool(mapping(report.get("summary")).get("escalated", False))
        card = report.get("scorecard")
        if not isinstance(card, Mapping):
            continue
        a["with_card"] += 1
        for item in card.get("items") or []:
            if not isinstance(item, Mapping):
                continue
            iid = str(item.get("id") or item.get("title") or "?")
            item_titles.setdefault(iid, str(item.get("title") or iid))
            result = str(item.get("result", "n/a"))
            key = {"pass": "passed", "fail": "failed"}.get(result, "na")
            a[key] += 1
            per_item = a["items"].setdefault(iid, {"passed": 0, "failed": 0, "na": 0})
            per_item[key] += 1
    rows = []
    for name, a in sorted(agents.items()):
        judged = a["passed"] + a["failed"]
        a["name"] = name
        a["pass_rate"] = f"{100 * a['passed'] / judged:.0f} %" if judged else "–"
        rows.append(a)
    return rows, sorted(item_titles.items())


def write_batch_summary(
    reports: Sequence[Mapping[str, Any]],
    out_dir: Path,
    *,
    pages: Sequence[Path | None] | None = None,
) -> BatchSummary:
    """Write `batch_summary.html` and `batch_summary.csv` into `out_dir`. `pages[i]` is where
    report i's HTML report was written (linked relatively); without `pages`, a call is linked
    to `out_dir/<call stem>.html` when that file exists."""
    if pages is not None and len(pages) != len(reports):
        raise ValueError(f"{len(reports)} reports but {len(pages)} pages")
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, csv_path = out_dir / SUMMARY_HTML, out_dir / SUMMARY_CSV
    resolved = pages if pages is not None else [_default_page(r, out_dir) for r in reports]
    for page in resolved:
        if page is not None and Path(page).resolve() in (html_path.resolve(), csv_path.resolve()):
            raise ValueError(f"a call's report {page} would be overwritten by the batch summary")
    rows = [_call_row(r, _link(p, out_dir)) for r, p in zip(reports, resolved, strict=True)]
    # calls whose customer was not heard rank last, by name: no peak to rank them by
    rows.sort(key=lambda r: (r["peak"] is None, -(r["peak"] or 0.0), r["call"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    agent_rows, items = _agent_table(reports)
    text = (
        environment()
        .get_template("batch_summary.html.j2")
        .render(
            rows=rows,
            escalated=[r for r in rows if r["escalated"]],
            warned=[r for r in rows if r["warnings"]],
            prompt_rows=_prompt_table(reports),
            agent_rows=agent_rows,
            items=items,
            outcomes=OUTCOMES,
            outcome_labels=OUTCOME_LABELS,
            peak_text=peak_text,
            version=__version__,
        )
    )
    write_atomically(html_path, lambda out: out.write(text))
    write_csv_atomically(csv_path, CSV_COLUMNS, (_csv_row(r) for r in rows))
    return BatchSummary(html=html_path, csv=csv_path)


def _csv_row(row: Mapping[str, Any]) -> list[str]:
    card = row["scorecard"] or {}
    duration = row["duration_s"]
    return [
        str(row["rank"]),
        neutralise(row["call"]),
        neutralise(row["agent"]),
        neutralise(row["link"]),
        "" if duration is None else f"{duration:.2f}",
        "" if row["peak"] is None else f"{row['peak']:.3f}",
        "true" if row["escalated"] else "false",
        str(row["shown"]),
        *(str(row["outcomes"].get(o, 0)) for o in OUTCOMES),
        *(str(card[k]) if card else "" for k in ("passed", "failed", "not_applicable")),
        str(row["warnings"]),
    ]
