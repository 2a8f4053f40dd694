"""The per-call HTML report QA reviewers read: one self-contained file (inline CSS and SVG, no
scripts, nothing fetched from the network; a Content-Security-Policy says so to the browser).

Rendered with Jinja2 with autoescaping on, so every value from the report (transcripts are
untrusted text) is escaped unless this module marks it safe: only the SVG plot, which
`frustration_plot` builds with every text escaped, and playbook titles through `markup.to_html`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from app import __version__
from app.audio.repair import warning_words
from app.markup import plain, to_html
from app.report import frustration_plot as plot
from app.report.customer_peak import customer_peak, peak_text
from app.report.fields import mapping, number
from app.report.files import write_atomically

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the tests, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_call_html(report: Mapping[str, Any]) -> str:
    """The report as one HTML document (a string)."""
    template = environment().get_template("call_report.html.j2")
    return template.render(v=call_view(report), version=__version__)


def write_call_html(report: Mapping[str, Any], path: Path) -> Path:
    """Write the call's HTML report to `path` (atomically: a reader never sees half a file)."""
    text = render_call_html(report)
    return write_atomically(path, lambda out: out.write(text))


def score(value: Any) -> str:
    """A score as shown in tables: two decimals, or an en dash when missing."""
    v = number(value)
    return "–" if v is None else f"{v:.2f}"


def _time(value: Any) -> str:
    """Call time as m:ss.s (1:05.3), the same everywhere in the report."""
    v = number(value)
    if v is None:
        return "–"
    v = max(v, 0.0)
    minutes, seconds = divmod(round(v, 1), 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def _level(fr: float | None, elevated: float | None, high: float | None) -> str:
    if fr is None:
        return ""
    if high is not None and fr >= high:
        return "high"
    if elevated is not None and fr >= elevated:
        return "elevated"
    return ""


def _outcome(p: Mapping[str, Any]) -> str:
    return str(p.get("outcome") or ("shown" if p.get("shown", True) else "not_shown"))


def _prompt_view(p: Mapping[str, Any]) -> dict[str, Any]:
    outcome = _outcome(p)
    before, after = number(p.get("frustration_before")), number(p.get("frustration_after"))
    return {
        "id": str(p.get("id", "")),
        "time": _time(p.get("t")),
        "title": Markup(to_html(str(p.get("title") or p.get("id") or "prompt"))),
        "say": Markup(to_html(str(p["say"]))) if p.get("say") else "",
        "reason": str(p.get("reason", "")),
        "shown": bool(p.get("shown", True)),
        "why_not": str(p.get("why_not") or ""),
        "outcome": outcome,
        "outcome_label": plot.OUTCOME_LABELS.get(outcome, outcome),
        "colour": plot.OUTCOME_COLOURS.get(outcome, plot.OUTCOME_COLOURS["shown"]),
        "outcome_time": _time(p["outcome_t"]) if number(p.get("outcome_t")) is not None else "",
        "detail": str(p.get("outcome_detail") or ""),
        "heard": str(p.get("heard") or ""),
        "before": None if before is None else f"{before:.2f}",
        "after": None if after is None else f"{after:.2f}",
    }


_METRIC_LABELS = {
    "agent_talk_s": "Agent talk time",
    "customer_talk_s": "Customer talk time",
    "agent_talk_share": "Agent talk share",
    "customer_talk_share": "Customer talk share",
    "interruptions": "Interruptions",
    "interruptions_per_min": "Interruptions per minute",
    "talk_over_count": "Talk-over moments",
    "longest_silence_s": "Longest silence",
    "hold_count": "Holds",
    "longest_hold_s": "Longest hold",
    "hold_threshold_s": "A hold is silence over",
    "time_to_acknowledge_s": "Escalation to acknowledgement",
}


def _metric_label(key: str) -> str:
    if key in _METRIC_LABELS:
        return _METRIC_LABELS[key]
    words = key.removesuffix("_s").replace("_", " ")  # the unit goes with the value
    return words[:1].upper() + words[1:]


def _metric_value(key: str, value: Any) -> str:
    v = number(value)
    if v is None:
        return str(value) if value is not None else "–"
    if key.endswith("_share") and 0 <= v <= 1:
        return f"{v * 100:.0f} %"
    if key.endswith("_s"):
        return f"{v:.1f} s"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.2f}"


def _metrics_view(metrics: Any) -> list[dict[str, str]]:
    if not isinstance(metrics, Mapping):
        return []
    out = []
    for key, value in metrics.items():
        label = _metric_label(str(key))
        out.append({"label": label, "value": _metric_value(str(key), value)})
    return out


_RESULT_CSS = {"pass": "pass", "fail": "fail", "n/a": "na"}


def _scorecard_view(card: Any) -> dict[str, Any] | None:
    if not isinstance(card, Mapping):
        return None
    items = []
    for item in card.get("items") or []:
        if not isinstance(item, Mapping):
            continue
        result = str(item.get("result", "n/a"))
        evidence = [
            {
                "time": _time(e.get("t")),
                "speaker": str(e.get("speaker", "")),
                # the coach's own lines quote playbook titles with their emphasis markers
                "text": plain(str(e.get("text", "")))
                if e.get("speaker") == "coach"
                else str(e.get("text", "")),
            }
            for e in item.get("evidence") or []
            if isinstance(e, Mapping)
        ]
        items.append(
            {
                "title": str(item.get("title") or item.get("id") or ""),
                "result": result,
                "css": _RESULT_CSS.get(result, "na"),
                "detail": str(item.get("detail") or ""),
                "evidence": evidence,
            }
        )
    return {
        "source": str(card.get("source") or ""),
        "version": str(card.get("version") or ""),
        "passed": card.get("passed", sum(i["result"] == "pass" for i in items)),
        "failed": card.get("failed", sum(i["result"] == "fail" for i in items)),
        "not_applicable": card.get("not_applicable", sum(i["result"] == "n/a" for i in items)),
        "entries": items,
    }


def warning_text(w: Any) -> str:
    """One report warning in words (the HTML page's list, the review window's message), said as
    stderr says it but with the place as a call clock."""
    return warning_words(w, _time) if isinstance(w, Mapping) else str(w)


def warnings_line(report: Mapping[str, Any]) -> str:
    """The report's audio warnings (a silent channel, a file cut short, ...) for the message
    line: a reviewer sees why a side is empty or the call stops early, not only the HTML page."""
    said = [warning_text(w) for w in report.get("warnings") or []]
    if not said:
        return ""
    more = f" (+{len(said) - 2} more)" if len(said) > 2 else ""
    return " — ⚠ " + "; ".join(said[:2]) + more


def _redaction_view(red: Any) -> dict[str, Any] | None:
    if not isinstance(red, Mapping):
        return None
    counts = red.get("counts") or {}
    pairs = [(str(k), n) for k, n in counts.items() if n] if isinstance(counts, Mapping) else []
    return {"enabled": bool(red.get("enabled", True)), "counts": pairs}


def _note_text(note: Any) -> str:
    if not isinstance(note, Mapping):
        return str(note)
    parts = [str(note.get("text", ""))]
    if note.get("rating") is not None:
        parts.append(f"rating {note['rating']}")
    if note.get("prompt_id"):
        parts.append(f"on prompt {note['prompt_id']}")
    if number(note.get("prompt_t")) is not None:
        parts.append(f"at {_time(note['prompt_t'])}")
    if note.get("author"):
        parts.append(f"by {note['author']}")
    if note.get("created_at"):
        parts.append(str(note["created_at"]))
    return " · ".join(p for p in parts if p)


def _transcript_rows(
    utterances: Sequence[Mapping[str, Any]],
    prompts: Sequence[Mapping[str, Any]],
    elevated: float | None,
    high: float | None,
) -> list[dict[str, Any]]:
    keyed: list[tuple[float, int, int, dict[str, Any]]] = []
    for i, u in enumerate(utterances):
        fr = number(u.get("frustration"))
        row = {
            "kind": "utterance",
            "time": _time(u.get("start")),
            "end": _time(u.get("end")),
            "speaker": str(u.get("speaker", "")),
            "text": str(u.get("text", "")),
            "tone": score(u.get("tone")),
            "words": score(u.get("words")),
            "frustration": score(fr),
            "level": _level(fr, elevated, high),
        }
        keyed.append((number(u.get("start")) or 0.0, 0, i, row))
    for i, p in enumerate(prompts):
        view = _prompt_view(p)
        row = {"kind": "prompt", **view}
        keyed.append((number(p.get("t")) or 0.0, 1, i, row))
    return [row for *_, row in sorted(keyed, key=lambda k: k[:3])]


def call_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the template shows, with every missing or odd field given a safe default (reports
    from older versions or from the store may lack keys)."""
    utterances = [u for u in report.get("utterances") or [] if isinstance(u, Mapping)]
    prompts = [p for p in report.get("prompts") or [] if isinstance(p, Mapping)]
    thresholds = mapping(report.get("thresholds"))
    elevated, high = number(thresholds.get("elevated")), number(thresholds.get("high"))
    summary = mapping(report.get("summary"))
    peak = customer_peak(report)
    outcomes_present = []
    for p in prompts:
        o = _outcome(p)
        if o not in outcomes_present:
            outcomes_present.append(o)
    speakers = {u.get("speaker") for u in utterances}
    legend_lines = []
    if "customer" in speakers:
        legend_lines.append({"colour": plot.CUSTOMER, "label": "customer, per utterance"})
    if "agent" in speakers:
        legend_lines.append({"colour": plot.AGENT, "label": "agent, per utterance"})
    if report.get("trend"):
        legend_lines.append({"colour": plot.TREND, "label": "customer trend (smoothed)"})
    if elevated is not None:
        legend_lines.append({"colour": plot.ELEVATED, "label": f"elevated {elevated:.2f}"})
    if high is not None:
        legend_lines.append({"colour": plot.HIGH, "label": f"high {high:.2f}"})
    source = report.get("source") if isinstance(report.get("source"), Mapping) else None
    provenance = report.get("provenance")
    prov_pairs: list[tuple[str, str]] = []
    if isinstance(provenance, Mapping):
        for key in ("analysis_key", "settings_digest", "playbook"):
            if provenance.get(key):
                prov_pairs.append((key.replace("_", " "), str(provenance[key])[:16]))
    duration = number(report.get("duration_s"))
    return {
        "call": str(report.get("call", "unnamed call")),
        "call_id": report.get("call_id"),
        "duration": "–" if duration is None else f"{plot.clock(duration)} ({duration:.1f} s)",
        # a call in which the customer said nothing (a dead leg: see its warning) has no peak
        "peak": peak_text(peak),
        "customer_heard": peak is not None,
        "escalated": bool(summary.get("escalated", False)),
        "shown_count": sum(1 for p in prompts if p.get("shown", True)),
        "not_shown_count": sum(1 for p in prompts if not p.get("shown", True)),
        "agent": str(report.get("agent") or "unknown"),
        "channels": report.get("channels", len(report.get("speakers") or []) or "–"),
        "agent_channel": str(report.get("agent_channel") or ""),
        "source": source,
        "warnings": [warning_text(w) for w in report.get("warnings") or []],
        "redaction": _redaction_view(report.get("redaction")),
        "svg": Markup(plot.frustration_svg(report)),
        "legend_lines": legend_lines,
        "legend_outcomes": [
            {
                "colour": plot.OUTCOME_COLOURS.get(o, plot.OUTCOME_COLOURS["shown"]),
                "label": plot.OUTCOME_LABELS.get(o, o),
                "hollow": o == "not_shown",
            }
            for o in outcomes_present
        ],
        "has_thresholds": elevated is not None or high is not None,
        "elevated": score(elevated),
        "high": score(high),
        "threshold_source": str(thresholds.get("source") or ""),
        "prompts": [_prompt_view(p) for p in prompts],
        "metrics": _metrics_view(report.get("metrics")),
        "scorecard": _scorecard_view(report.get("scorecard")),
        "rows": _transcript_rows(utterances, prompts, elevated, high),
        "notes": [_note_text(n) for n in report.get("notes") or []],
        "provenance": prov_pairs,
    }
