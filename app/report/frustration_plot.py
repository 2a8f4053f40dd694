"""The call's frustration plot as inline SVG: both speakers' per-utterance frustration, the
customer's smoothed trend, the elevated/high threshold lines and a marker per prompt coloured by
its outcome.

Hand-written SVG rather than matplotlib: a few kilobytes of markup, no 40 MB dependency, no
font files, and it scales and prints crisply inside the report (docs: notes/reports.md compares
the two). Every text that reaches the markup (prompt titles, utterance text in tooltips) is
escaped here; numbers are formatted by us.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from app.report.fields import number

# Colours (the legend, the CSS and the screenshot test use the same values)
CUSTOMER = "#d62728"
AGENT = "#1f77b4"
TREND = "#ff7f0e"
ELEVATED = "#b8860b"
HIGH = "#8b0000"
OUTCOME_COLOURS: dict[str, str] = {
    "followed": "#2ca02c",
    "done": "#17becf",
    "ignored": "#9467bd",
    "superseded": "#8c564b",
    "dismissed": "#7f7f7f",
    "shown": "#222222",
    "not_shown": "#bbbbbb",
}
OUTCOME_LABELS: dict[str, str] = {
    "followed": "followed",
    "done": "done (agent)",
    "ignored": "ignored",
    "superseded": "superseded",
    "dismissed": "dismissed (agent)",
    "shown": "shown, not judged",
    "not_shown": "not shown",
}

WIDTH = 960
HEIGHT = 340
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 34, 36  # margins: y labels, -, prompt strip, x labels


@dataclass(frozen=True)
class _Frame:
    duration: float

    def x(self, t: float) -> float:
        inner = WIDTH - LEFT - RIGHT
        return LEFT + inner * min(max(t, 0.0), self.duration) / self.duration

    @staticmethod
    def y(v: float) -> float:
        inner = HEIGHT - TOP - BOTTOM
        return TOP + inner * (1.0 - min(max(v, 0.0), 1.0))


def _f(v: float) -> str:
    return f"{v:.1f}"


def clock(t: float) -> str:
    """Call time as m:ss (1:05) for axis labels and tables."""
    total = max(0, round(t))
    return f"{total // 60}:{total % 60:02d}"


def _tick_step(duration: float) -> float:
    for step in (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800):
        if duration / step <= 10:
            return float(step)
    return 3600.0


def _series(
    utterances: Iterable[Mapping[str, Any]], speaker: str
) -> list[tuple[float, float, Mapping[str, Any]]]:
    points = []
    for u in utterances:
        if u.get("speaker") != speaker:
            continue
        start, end, fr = number(u.get("start")), number(u.get("end")), number(u.get("frustration"))
        if start is None or fr is None:
            continue
        mid = (start + end) / 2 if end is not None and end >= start else start
        points.append((mid, fr, u))
    return sorted(points, key=lambda p: p[0])


def _duration(report: Mapping[str, Any]) -> float:
    times = [number(report.get("duration_s")) or 0.0]
    for u in report.get("utterances") or []:
        times.append(number(u.get("end")) or 0.0)
    for p in report.get("prompts") or []:
        times.append(number(p.get("t")) or 0.0)
    return max(max(times), 1.0)


def frustration_svg(report: Mapping[str, Any]) -> str:
    """The plot as an `<svg>` element (a string of safe markup) for embedding in HTML."""
    utterances = [u for u in report.get("utterances") or [] if isinstance(u, Mapping)]
    prompts = [p for p in report.get("prompts") or [] if isinstance(p, Mapping)]
    trend = [p for p in report.get("trend") or [] if isinstance(p, Mapping)]
    thresholds = report.get("thresholds") or {}
    frame = _Frame(_duration(report))
    out: list[str] = [
        # commas, not spaces: "0 0 960 340" reads as an 8-digit number to a scan for card
        # and phone numbers left in output files
        f'<svg class="plot" viewBox="0,0,{WIDTH},{HEIGHT}" role="img" '
        'aria-labelledby="plot-title" preserveAspectRatio="xMidYMid meet">',
        '<title id="plot-title">Frustration over the call: customer, agent, the customer\'s '
        "trend, thresholds and prompts</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{WIDTH - LEFT - RIGHT}" '
        f'height="{HEIGHT - TOP - BOTTOM}" fill="#ffffff" stroke="#999999"/>',
    ]
    out += _axes(frame)
    out += _threshold_lines(frame, thresholds)
    out += _prompt_markers(frame, prompts)
    out += _speaker_line(frame, _series(utterances, "agent"), AGENT, "agent")
    out += _speaker_line(frame, _series(utterances, "customer"), CUSTOMER, "customer")
    out += _trend_line(frame, trend)
    if not utterances:
        out.append(
            f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" '
            'class="plot-empty">no utterances in this call</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def _axes(frame: _Frame) -> list[str]:
    out = []
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = frame.y(v)
        out.append(
            f'<line x1="{LEFT}" y1="{_f(y)}" x2="{WIDTH - RIGHT}" y2="{_f(y)}" '
            'stroke="#e5e5e5" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{_f(y + 4)}" text-anchor="end" class="tick">{v:.2f}</text>'
        )
    step = _tick_step(frame.duration)
    t = 0.0
    while t <= frame.duration + 1e-9:
        x = frame.x(t)
        out.append(
            f'<line x1="{_f(x)}" y1="{HEIGHT - BOTTOM}" x2="{_f(x)}" y2="{HEIGHT - BOTTOM + 4}" '
            'stroke="#666666"/>'
        )
        out.append(
            f'<text x="{_f(x)}" y="{HEIGHT - BOTTOM + 17}" text-anchor="middle" '
            f'class="tick">{clock(t)}</text>'
        )
        t += step
    out.append(
        f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 3}" text-anchor="end" class="axis-label">'
        "call time (m:ss)</text>"
    )
    out.append(
        f'<text x="12" y="{_f(frame.y(0.5))}" text-anchor="middle" class="axis-label" '
        f'transform="rotate(-90,12,{_f(frame.y(0.5))})">frustration</text>'
    )
    return out


def _threshold_lines(frame: _Frame, thresholds: Mapping[str, Any]) -> list[str]:
    out = []
    for key, colour, dash in (("elevated", ELEVATED, "6 4"), ("high", HIGH, "2 3")):
        v = number(thresholds.get(key)) if isinstance(thresholds, Mapping) else None
        if v is None:
            continue
        y = _f(frame.y(v))
        out.append(
            f'<line class="threshold-{key}" x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}">'
            f"<title>{key} threshold {v:.2f}</title></line>"
        )
        out.append(
            f'<text x="{WIDTH - RIGHT - 4}" y="{_f(frame.y(v) - 4)}" text-anchor="end" '
            f'class="threshold-label" fill="{colour}">{key} {v:.2f}</text>'
        )
    return out


def _prompt_markers(frame: _Frame, prompts: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for p in prompts:
        t = number(p.get("t"))
        if t is None:
            continue
        outcome = str(p.get("outcome") or ("shown" if p.get("shown", True) else "not_shown"))
        colour = OUTCOME_COLOURS.get(outcome, OUTCOME_COLOURS["shown"])
        x = _f(frame.x(t))
        label = escape(
            f"{clock(t)} {p.get('title') or p.get('id') or 'prompt'} — "
            f"{OUTCOME_LABELS.get(outcome, outcome)}"
        )
        hollow = outcome == "not_shown"
        dash = ' stroke-dasharray="3 3"' if hollow else ""
        out.append(
            f'<g class="prompt-marker outcome-{escape(outcome)}"><title>{label}</title>'
            f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-opacity="0.7"{dash}/>'
            f'<path d="M{x} {TOP - 2} l-7 -14 h14 z" fill="{"#ffffff" if hollow else colour}" '
            f'stroke="{colour}" stroke-width="2"/></g>'
        )
    return out


def _speaker_line(
    frame: _Frame,
    points: list[tuple[float, float, Mapping[str, Any]]],
    colour: str,
    speaker: str,
) -> list[str]:
    if not points:
        return []
    coords = " ".join(f"{_f(frame.x(t))},{_f(frame.y(v))}" for t, v, _ in points)
    out = [
        f'<g class="series-{speaker}">',
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2" '
        f'stroke-linejoin="round" stroke-opacity="0.85"/>',
    ]
    for t, v, u in points:
        text = escape(f"{clock(t)} {speaker} {v:.2f}: {u.get('text', '')}")
        out.append(
            f'<circle cx="{_f(frame.x(t))}" cy="{_f(frame.y(v))}" r="4" fill="{colour}">'
            f"<title>{text}</title></circle>"
        )
    out.append("</g>")
    return out


def _trend_line(frame: _Frame, trend: Sequence[Mapping[str, Any]]) -> list[str]:
    points = [(number(p.get("t")), number(p.get("level"))) for p in trend]
    clean = sorted((t, v) for t, v in points if t is not None and v is not None)
    if not clean:
        return []
    coords = " ".join(f"{_f(frame.x(t))},{_f(frame.y(v))}" for t, v in clean)
    return [
        f'<polyline class="series-trend" points="{coords}" fill="none" stroke="{TREND}" '
        'stroke-width="3.5" stroke-linejoin="round" stroke-linecap="round">'
        "<title>customer's smoothed frustration (trend)</title></polyline>"
    ]
