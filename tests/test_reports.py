"""The reports people read: per-call HTML and CSV, the batch summary, `callcoach report`.

Every report here comes from the real pipeline run on the bundled demo calls (`callcoach analyze`),
and every file is read back (HTML with html.parser, CSV with the csv module) to check its content.
The screenshot tests (tests/test_report_screenshot.py) open the HTML in headless Chromium.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.markup import plain
from app.paths import ASSETS_DIR
from app.report.batch_summary import SUMMARY_CSV, SUMMARY_HTML, write_batch_summary
from app.report.csv_export import COLUMNS, write_utterances_csv
from app.report.html import render_call_html, write_call_html

DEMO_CALLS = [ASSETS_DIR / "demo_call.ogg", ASSETS_DIR / "demo_call_resolved.ogg"]


@pytest.fixture(scope="module")
def demo_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Both demo calls analysed by `callcoach analyze`, as a user runs it; by call file name."""
    from app.cli import main

    out = tmp_path_factory.mktemp("analyzed")
    assert main(["analyze", *map(str, DEMO_CALLS), "--out", str(out)]) == 0
    reports = {}
    for path in sorted(out.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "utterances" in data:
            reports[data["call"]] = data
    assert set(reports) == {"demo_call.ogg", "demo_call_resolved.ogg"}
    return reports


@pytest.fixture
def escalation(demo_reports: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return copy.deepcopy(demo_reports["demo_call.ogg"])


class Page(HTMLParser):
    """An HTML document read back: every element (tag, attributes, the ids of the sections it
    sits in, its class) and the text inside each section, as a browser's DOM would hold it."""

    VOID: ClassVar[set[str]] = {
        "meta",
        "br",
        "img",
        "input",
        "link",
        "hr",
        "source",
        "wbr",
        "area",
        "base",
        "col",
    }

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.text_in: dict[str, list[str]] = {}
        self.rows: list[list[str]] = []  # table rows of the transcript: cell texts
        self.row_classes: list[str] = []
        self.table_rows: dict[str, list[list[str]]] = {}  # any section's table rows (td, th)
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self.feed(text)
        self.close()

    def _sections(self) -> tuple[str, ...]:
        return tuple(a["id"] for _, a in self.stack if "id" in a)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a, self._sections()))
        if tag in self.VOID:
            return
        self.stack.append((tag, a))
        sections = self._sections()
        if tag == "tr" and sections:
            self._row = []
            self.table_rows.setdefault(sections[-1], []).append(self._row)
            if "transcript" in sections:
                self.rows.append(self._row)
                self.row_classes.append(a.get("class", ""))
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, self._sections()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_norm("".join(self._cell)))
            self._cell = None
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for section in self._sections():
            self.text_in.setdefault(section, []).append(data)
        if self._cell is not None:
            self._cell.append(data)

    def text(self, section: str) -> str:
        return re.sub(r"\s+", " ", "".join(self.text_in.get(section, [])))

    def find(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [
            a
            for t, a, _ in self.elements
            if t == tag and (cls is None or cls in a.get("class", "").split())
        ]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ------------------------------------------------------------------------- per-call HTML


def test_call_html_holds_the_whole_report(escalation: dict[str, Any], tmp_path: Path) -> None:
    path = write_call_html(escalation, tmp_path / "call.html")
    page = Page(path.read_text(encoding="utf-8"))

    # the transcript: one row per utterance, in time order, with speaker, text and scores
    utterance_rows = [
        (cells, cls)
        for cells, cls in zip(page.rows[1:], page.row_classes[1:], strict=True)
        if "prompt-row" not in cls
    ]
    assert len(utterance_rows) == len(escalation["utterances"])
    high = escalation["thresholds"]["high"]
    for u, (cells, cls) in zip(escalation["utterances"], utterance_rows, strict=True):
        assert cells[1] == u["speaker"]
        assert cells[2] == _norm(u["text"])
        assert cells[3:5] == [f"{u['tone']:.2f}", f"{u['words']:.2f}"]
        assert cells[5].startswith(f"{u['frustration']:.2f}")
        assert ("high" in cls.split()) == (u["frustration"] >= high)
    assert any("high" in cls.split() for _, cls in utterance_rows)  # the demo call escalates

    # prompts: title, say, reason, outcome and its evidence
    prompts_text = page.text("prompts")
    for p in escalation["prompts"]:
        assert _norm(plain(p["title"])) in prompts_text
        assert _norm(p["reason"]) in prompts_text
        if p.get("heard"):
            assert _norm(p["heard"]) in prompts_text
        if p.get("frustration_before") is not None:
            before, after = p["frustration_before"], p["frustration_after"]
            assert f"{before:.2f} → {after:.2f}" in prompts_text
    cards = page.find("article", "card")
    assert [c["class"].split()[1] for c in cards] == [
        f"outcome-{p['outcome']}" for p in escalation["prompts"]
    ]
    assert {"followed", "ignored", "superseded"} <= {p["outcome"] for p in escalation["prompts"]}

    # the pipeline's own call metrics and scorecard, each item with its evidence
    assert len(page.find("div", "metric")) == len(escalation["metrics"]) > 0
    assert "Longest silence" in page.text("metrics")
    items = [a for a in page.find("li") if a.get("class", "").startswith("result-")]
    assert len(items) == len(escalation["scorecard"]["items"]) > 0
    card_text = page.text("scorecard")
    for item in escalation["scorecard"]["items"]:
        assert _norm(item["title"]) in card_text and _norm(item["detail"]) in card_text
        for e in item["evidence"]:
            assert _norm(plain(e["text"])) in card_text
    assert "No scorecard" not in card_text

    # the header: peak and escalation
    header = page.text("call")
    assert f"Peak customer frustration {escalation['summary']['max_frustration']:.2f}" in header
    assert "Escalated yes" in header and "Agent unknown" in header


def test_the_plot_draws_both_speakers_the_trend_thresholds_and_prompts(
    escalation: dict[str, Any],
) -> None:
    page = Page(render_call_html(escalation))
    in_plot = [(t, a) for t, a, sections in page.elements if "plot" in sections]
    circles = [a for t, a in in_plot if t == "circle"]
    by_speaker = {"customer": 0, "agent": 0}
    for u in escalation["utterances"]:
        by_speaker[u["speaker"]] += 1
    from app.report import frustration_plot as plot

    assert sum(a["fill"] == plot.CUSTOMER for a in circles) == by_speaker["customer"] > 0
    assert sum(a["fill"] == plot.AGENT for a in circles) == by_speaker["agent"] > 0
    trend = page.find("polyline", "series-trend")
    assert len(trend) == 1
    assert len(trend[0]["points"].split()) == len(escalation["trend"])
    for key in ("elevated", "high"):
        (line,) = page.find("line", f"threshold-{key}")
        y = float(line["y1"])
        want = plot._Frame.y(escalation["thresholds"][key])
        assert y == pytest.approx(want, abs=0.1)
    markers = page.find("g", "prompt-marker")
    assert [m["class"].split()[1] for m in markers] == [
        f"outcome-{p['outcome']}" for p in escalation["prompts"]
    ]
    # a higher frustration is drawn higher up (smaller y)
    cust = [
        (u["frustration"], float(a["cy"]))
        for u, a in zip(
            [u for u in escalation["utterances"] if u["speaker"] == "customer"],
            [a for a in circles if a["fill"] == plot.CUSTOMER],
            strict=True,
        )
    ]
    top = max(cust)
    bottom = min(cust)
    assert top[1] < bottom[1]


def test_untrusted_text_renders_as_text(escalation: dict[str, Any], tmp_path: Path) -> None:
    attack = "<script>alert(1)</script>"
    escalation["call"] = '"><img src=x onerror=alert(2)>.wav'
    escalation["utterances"][2]["text"] = attack
    escalation["prompts"][0]["reason"] = "</td></tr></table><script>alert(3)</script>"
    escalation["prompts"][0]["heard"] = "<style>body{display:none}</style>"
    escalation["warnings"] = [{"what": "<b>gap</b>", "where": 1.0, "how_long": 0.5}]
    escalation["notes"] = [{"text": "<iframe src=x>", "rating": 2}]
    page_text = write_call_html(escalation, tmp_path / "x.html").read_text(encoding="utf-8")
    page = Page(page_text)
    tags = {t for t, _, _ in page.elements}
    assert not tags & {"script", "img", "iframe"}
    assert sum(t == "style" for t, _, _ in page.elements) == 1  # ours, in <head>
    assert attack in page.text("transcript")
    assert "<script>alert(3)</script>" in page.text("prompts")
    assert "<style>body{display:none}</style>" in page.text("prompts")
    assert "<b>gap</b>" in page.text("warnings")
    assert "<iframe src=x>" in page.text("notes")
    assert '"><img src=x onerror=alert(2)>.wav' in page.text("call")
    # the transcript still has every row: nothing broke out of its cell
    assert len([c for c in page.row_classes[1:] if "prompt-row" not in c]) == len(
        escalation["utterances"]
    )
    # and the SVG tooltip holds it as text too
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text


def test_call_html_is_self_contained(demo_reports: dict[str, dict[str, Any]]) -> None:
    for report in demo_reports.values():
        text = render_call_html(report)
        page = Page(text)
        for tag, attrs, _ in page.elements:
            assert tag not in ("script", "link", "img", "iframe", "object", "embed")
            for name in ("src", "href", "xlink:href", "action", "data"):
                assert "http" not in attrs.get(name, "").lower(), (tag, attrs)
        assert "url(" not in text and "@import" not in text and "@font-face" not in text
        assert "http://" not in text and "https://" not in text
        (csp,) = [a for a in page.find("meta") if a.get("http-equiv") == "Content-Security-Policy"]
        assert "default-src 'none'" in csp["content"]


def test_metrics_scorecard_redaction_and_warnings_render_when_present(
    escalation: dict[str, Any], tmp_path: Path
) -> None:
    bare = {k: v for k, v in escalation.items() if k not in ("metrics", "scorecard", "redaction")}
    page = Page(render_call_html(bare))  # a report from before the scorecard existed
    assert "No scorecard for this call" in page.text("scorecard")
    assert "No call metrics" in page.text("metrics")
    assert not page.find("section", "alert")  # a clean file: no audio warnings, no redaction box

    # the keys the scorecard, redaction and batch owners add (COMMON.md's shapes)
    escalation["agent"] = "sam"
    escalation["metrics"] = {
        "agent_talk_share": 0.46,
        "interruptions_per_min": 1.5,
        "longest_silence_s": 21.3,
        "talk_over_count": 3,
    }
    escalation["scorecard"] = {
        "passed": 1,
        "failed": 1,
        "not_applicable": 1,
        "items": [
            {
                "id": "anger_acknowledged",
                "title": "Anger acknowledged within 20 s",
                "result": "fail",
                "detail": "acknowledged after 52 s",
                "evidence": [{"t": 93.4, "speaker": "agent", "text": "I hear your angry"}],
            },
            {"id": "timeline", "title": "Timeline given", "result": "pass", "detail": "",
             "evidence": []},
            {"id": "upsell", "title": "No upsell", "result": "n/a", "detail": "", "evidence": []},
        ],
    }  # fmt: skip
    escalation["redaction"] = {"enabled": True, "counts": {"CARD": 2, "PHONE": 1, "EMAIL": 0}}
    escalation["warnings"] = [
        {"what": "dropped audio", "where": 12.5, "how_long": 0.4, "detail": "decoder gap"}
    ]
    page = Page(write_call_html(escalation, tmp_path / "full.html").read_text(encoding="utf-8"))
    metrics = page.text("metrics")
    assert "46 %" in metrics and "21.3 s" in metrics and "1.50" in metrics and "3" in metrics
    card = page.text("scorecard")
    assert "No scorecard" not in card
    assert "Anger acknowledged within 20 s" in card and "acknowledged after 52 s" in card
    assert "I hear your angry" in card
    assert [a["class"] for a in page.find("li") if a.get("class", "").startswith("result-")] == [
        "result-fail",
        "result-pass",
        "result-na",
    ]
    red = page.text("redaction")
    assert "[CARD] × 2" in red and "[PHONE] × 1" in red and "EMAIL" not in red
    warnings = page.text("warnings")
    assert "dropped audio at 0:12.5 (0.4 s): decoder gap" in warnings
    assert page.find("section", "alert")[0]["id"] == "warnings"
    assert "Agent sam" in page.text("call")

    escalation["redaction"] = {"enabled": False, "counts": {}}
    page = Page(render_call_html(escalation))
    assert "Redaction was off" in page.text("redaction")


def test_an_old_or_sparse_report_still_renders(tmp_path: Path) -> None:
    """Reports from older versions (no thresholds, no trend, no outcomes) and an empty call."""
    sparse = {
        "call": "old.wav",
        "duration_s": 12.0,
        "utterances": [
            {"speaker": "customer", "start": 1.0, "end": 2.0, "text": "hello", "frustration": 0.4}
        ],
        "prompts": [{"t": 3.0, "id": "acknowledge_anger", "title": "Acknowledge", "say": "",
                     "reason": "r"}],
        "summary": {"max_frustration": 0.4, "escalated": False, "prompt_counts": {}},
    }  # fmt: skip
    page = Page(write_call_html(sparse, tmp_path / "old.html").read_text(encoding="utf-8"))
    assert page.rows[1][2] == "hello"
    assert "no thresholds" in page.text("plot").lower()
    empty = {"call": "silence.wav", "duration_s": 0.0, "utterances": [], "prompts": []}
    page = Page(render_call_html(empty))
    assert "No speech was found" in page.text("transcript")
    assert "no utterances in this call" in page.text("plot")


# ------------------------------------------------------------------------- CSV


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_utterances_csv_round_trips(escalation: dict[str, Any], tmp_path: Path) -> None:
    escalation["utterances"][0]["text"] = 'He said "no", then,\nhung up; 5,000 €'
    rows = _read_csv(write_utterances_csv(escalation, tmp_path / "u.csv"))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) - 1 == len(escalation["utterances"])
    for row, u in zip(rows[1:], escalation["utterances"], strict=True):
        assert row[0] == "demo_call.ogg"
        assert row[1] == u["speaker"]
        assert float(row[2]) == pytest.approx(u["start"]) and float(row[3]) == pytest.approx(
            u["end"]
        )
        assert row[4] == u["text"]
        assert [float(x) for x in row[5:]] == pytest.approx(
            [u["tone"], u["words"], u["frustration"]]
        )


def test_utterances_csv_cannot_inject_formulas(escalation: dict[str, Any], tmp_path: Path) -> None:
    evil = ['=HYPERLINK("x","click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1", "plain = fine"]
    for u, text in zip(escalation["utterances"], evil, strict=False):
        u["text"] = text
    escalation["call"] = "=cmd.wav"
    rows = _read_csv(write_utterances_csv(escalation, tmp_path / "u.csv"))
    texts = [r[4] for r in rows[1 : len(evil) + 1]]
    assert texts == ["'" + t for t in evil[:5]] + ["plain = fine"]
    assert all(r[0] == "'=cmd.wav" for r in rows[1:])
    # numbers stay numbers (no apostrophe): a spreadsheet can still sum them
    assert all(re.fullmatch(r"\d+\.\d+", r[7]) for r in rows[1:])


# ------------------------------------------------------------------------- batch summary


def test_batch_summary_ranks_links_and_counts(
    demo_reports: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    reports = [copy.deepcopy(r) for r in demo_reports.values()]
    reports[0]["agent"] = "sam"  # the runner sets it; the other stays unknown
    pages = []
    for r in reports:
        sub = tmp_path / "calls" / Path(r["call"]).stem
        pages.append(write_call_html(r, sub / "report.html"))
    summary = write_batch_summary(reports, tmp_path, pages=pages)
    assert summary.html == tmp_path / SUMMARY_HTML and summary.csv == tmp_path / SUMMARY_CSV

    rows = _read_csv(summary.csv)
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    peaks = [float(r[col["max_frustration"]]) for r in body]
    assert peaks == sorted(peaks, reverse=True)
    assert [int(r[col["rank"]]) for r in body] == [1, 2]
    by_call = {r[col["call"]]: r for r in body}
    for report in reports:
        row = by_call[report["call"]]
        assert row[col["agent"]] == (report.get("agent") or "unknown")  # None: no agent known
        assert (row[col["escalated"]] == "true") == report["summary"]["escalated"]
        followed = sum(p["outcome"] == "followed" for p in report["prompts"])
        assert int(row[col["prompts_followed"]]) == followed
        link = row[col["report_html"]]
        assert (tmp_path / link).resolve() == (
            tmp_path / "calls" / Path(report["call"]).stem / "report.html"
        ).resolve()

    page = Page(summary.html.read_text(encoding="utf-8"))
    hrefs = [a["href"] for a in page.find("a")]
    assert hrefs and all(not h.startswith(("/", "http", "file:")) for h in hrefs)
    assert all((tmp_path / h).is_file() for h in hrefs)
    # prompts followed vs ignored per prompt id: the sums over both calls
    prompts = page.text("prompts")
    ids = {p["id"] for r in reports for p in r["prompts"]}
    assert all(i in prompts for i in ids)
    agents = page.text("agents")
    assert "sam" in agents and "unknown" in agents
    assert all("scorecard" in r for r in reports)  # the pipeline scores every call
    assert "Pass rate" in agents and "No scorecards in this batch" not in agents
    escalations = page.text("escalations")
    assert all(r["call"] in escalations for r in reports if r["summary"]["escalated"])


def test_batch_summary_never_overwrites_a_call_report(
    demo_reports: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    report = demo_reports["demo_call.ogg"]
    with pytest.raises(ValueError, match="overwritten"):
        write_batch_summary([report], tmp_path, pages=[tmp_path / SUMMARY_HTML])


# ------------------------------------------------------------------------- callcoach report


def test_report_command_renders_an_existing_json(
    demo_reports: dict[str, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli import main

    src = tmp_path / "call.json"
    src.write_text(json.dumps(demo_reports["demo_call.ogg"]), encoding="utf-8")
    assert main(["report", str(src), "--html", str(tmp_path / "a.html"),
                 "--csv", str(tmp_path / "a.csv")]) == 0  # fmt: skip
    assert Page((tmp_path / "a.html").read_text(encoding="utf-8")).rows
    assert (
        len(_read_csv(tmp_path / "a.csv")) == len(demo_reports["demo_call.ogg"]["utterances"]) + 1
    )
    assert main(["report", str(src)]) == 0  # default: the HTML beside the JSON
    assert (tmp_path / "call.html").is_file()
    folder = tmp_path / "pages"
    folder.mkdir()
    assert main(["report", str(src), "--html", str(folder), "--csv", str(folder)]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["call.csv", "call.html"]
    assert main(["report", str(src), "--html", str(src)]) == 2  # never over its own input
    assert json.loads(src.read_text(encoding="utf-8")) == demo_reports["demo_call.ogg"]

    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    capsys.readouterr()
    assert main(["report", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.json: not a callcoach report" in err
    assert main(["report", str(tmp_path / "missing.json")]) == 2
    assert not list(tmp_path.glob("*.tmp"))


# ------------------------------------------------------------------------- any text at all

_TEXT = st.text(min_size=1, max_size=80)


def _one_utterance_report(text: str, call: str = "call.wav") -> dict[str, Any]:
    return {
        "call": call,
        "duration_s": 10.0,
        "utterances": [
            {"speaker": "customer", "start": 1.0, "end": 3.0, "text": text, "tone": 0.1,
             "words": 0.2, "frustration": 0.9},
        ],
        "prompts": [{"t": 4.0, "id": "acknowledge_anger", "title": text, "say": text,
                     "reason": text, "shown": True, "outcome": "ignored", "heard": text}],
        "thresholds": {"elevated": 0.3, "high": 0.6},
    }  # fmt: skip


@given(text=_TEXT)
def test_any_utterance_text_is_shown_as_text(text: str) -> None:
    page = Page(render_call_html(_one_utterance_report(text)))
    assert _norm(page.rows[1][2]) == _norm(text)
    # no element that the page's own template does not make
    allowed = {"html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2",
               "h3", "span", "ul", "li", "b", "p", "section", "figure", "div", "svg", "rect",
               "line", "text", "g", "path", "circle", "polyline", "figcaption", "article", "dl",
               "dt", "dd", "table", "thead", "tbody", "tr", "th", "td", "footer", "i"}  # fmt: skip
    assert {t for t, _, _ in page.elements} <= allowed
    assert sum(t == "style" for t, _, _ in page.elements) == 1


@given(text=_TEXT, call=_TEXT)
def test_any_text_round_trips_through_the_csv(text: str, call: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_utterances_csv(_one_utterance_report(text, call), Path(tmp) / "u.csv")
        rows = _read_csv(path)
    assert len(rows) == 2
    unsafe = ("=", "+", "-", "@", "\t", "\r")
    assert rows[1][4] == ("'" + text if text.startswith(unsafe) else text)
    assert rows[1][0] == ("'" + call if call.startswith(unsafe) else call)


def test_the_templates_ship_with_the_package() -> None:
    """The wheel (and so the offline bundle) carries the HTML templates; PyInstaller too."""
    import tomllib

    from app.report.html import TEMPLATES

    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["app"]
    shipped = {p for pattern in patterns for p in (root / "app").glob(pattern) if p.is_file()}
    templates = {p for p in TEMPLATES.iterdir() if p.is_file()}
    assert templates and templates <= shipped
    spec = (root / "installer" / "pyinstaller" / "callcoach.spec").read_text()
    assert '"app" / "report" / "templates"' in spec


def test_demo_writes_the_html_report_beside_the_json(tmp_path: Path) -> None:
    import contextlib
    import io

    from app.cli import main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(tmp_path), "--no-overlay", "--call", "resolved"]) == 0
    report = json.loads((tmp_path / "demo_call_resolved.json").read_text(encoding="utf-8"))
    page = Page((tmp_path / "demo_call_resolved.html").read_text(encoding="utf-8"))
    assert len([c for c in page.row_classes[1:] if "prompt-row" not in c]) == len(
        report["utterances"]
    )
    assert f"HTML report (open it in a browser): {tmp_path / 'demo_call_resolved.html'}" in (
        printed.getvalue()
    )


def _card(results: dict[str, str]) -> dict[str, Any]:
    items = [
        {"id": iid, "title": iid.replace("_", " "), "result": r, "detail": "", "evidence": []}
        for iid, r in results.items()
    ]
    return {
        "passed": sum(r == "pass" for r in results.values()),
        "failed": sum(r == "fail" for r in results.values()),
        "not_applicable": sum(r == "n/a" for r in results.values()),
        "items": items,
    }


def test_batch_summary_scorecards_per_agent(
    demo_reports: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    base = list(demo_reports.values())
    reports = [copy.deepcopy(base[0]), copy.deepcopy(base[1]), copy.deepcopy(base[0])]
    reports[2]["call"] = "again.ogg"
    reports[0]["agent"], reports[1]["agent"], reports[2]["agent"] = "sam", "alex", "sam"
    reports[0]["scorecard"] = _card({"anger_acknowledged": "fail", "timeline_given": "pass"})
    reports[1]["scorecard"] = _card({"anger_acknowledged": "pass", "timeline_given": "n/a"})
    reports[2]["scorecard"] = _card({"anger_acknowledged": "fail", "timeline_given": "fail"})
    summary = write_batch_summary(reports, tmp_path)
    page = Page(summary.html.read_text(encoding="utf-8"))
    agents = page.table_rows["agents"]
    # name, calls, escalated, with scorecard, items passed, failed, n/a, pass rate
    assert ["alex", "1", "1", "1", "1", "0", "1", "100 %"] in agents
    assert ["sam", "2", "2", "2", "1", "3", "0", "25 %"] in agents
    # failures per item, agents in name order (alex, sam)
    assert ["Item", "alex", "sam"] in agents
    assert ["anger acknowledged", "0 of 1", "2 of 2"] in agents
    assert ["timeline given", "n/a", "1 of 2"] in agents
    rows = _read_csv(summary.csv)
    col = {name: i for i, name in enumerate(rows[0])}
    failed = {r[col["call"]]: r[col["scorecard_failed"]] for r in rows[1:]}
    assert failed == {"demo_call.ogg": "1", "demo_call_resolved.ogg": "0", "again.ogg": "2"}
    # without `pages`, no call HTML exists here: no links rather than broken ones
    assert not page.find("a")


def test_a_card_held_back_says_why(escalation: dict[str, Any]) -> None:
    held = escalation["prompts"][1]
    for key in ("outcome_t", "outcome_detail", "heard", "frustration_before", "frustration_after"):
        held.pop(key, None)
    held.update(shown=False, outcome="not_shown", why_not="another card was on screen")
    page = Page(render_call_html(escalation))
    card = page.find("article", "card")[1]
    assert "outcome-not_shown" in card["class"]
    assert "Not shownanother card was on screen" in page.text("prompts")  # <dt><dd>
    assert "prompt-marker outcome-not_shown" in [
        a["class"] for a in page.find("g", "prompt-marker")
    ]
    assert "not shown" in page.text("plot")  # in the legend
    assert "(1 held back)" in page.text("call")


def test_a_call_loaded_from_the_store_renders_with_its_notes(
    escalation: dict[str, Any], tmp_path: Path
) -> None:
    """The review window's export: a report read back from the real SQLite store (`call_id`,
    `notes`) renders like the JSON it was saved from."""
    from app.store import Store

    with Store(tmp_path / "calls.sqlite3") as store:
        call_id = store.save_report(copy.deepcopy(escalation))
        store.add_note(call_id, "Good recovery <b>after</b> the hold", rating=4,
                       prompt_t=escalation["prompts"][1]["t"], prompt_id="acknowledge_anger",
                       author="qa-lead")  # fmt: skip
        loaded = store.load_report(call_id)
    fresh = Page(render_call_html(escalation))
    page = Page(write_call_html(loaded, tmp_path / "stored.html").read_text(encoding="utf-8"))
    assert f"Stored call #{call_id}" in page.text("call")
    notes = page.text("notes")
    assert "Good recovery <b>after</b> the hold · rating 4 · on prompt acknowledge_anger" in notes
    assert "by qa-lead" in notes
    assert page.rows == fresh.rows  # the same transcript, scores and prompt rows
    assert page.text("prompts") == fresh.text("prompts")
    assert page.text("scorecard") == fresh.text("scorecard")


def test_the_markup_reads_as_no_long_number(demo_reports: dict[str, dict[str, Any]]) -> None:
    """Output files are scanned for card and phone numbers left readable (tests/privacy): what
    the report adds around the transcript (coordinates, colours, counts) must never read as a
    run of 7 or more digits joined the way a number is read out (spaces, dashes, ", ", ". ")."""
    run = re.compile(r"(?<![0-9A-Za-z.])\d+(?:(?: |-|, | - |\. )\d+)*(?![0-9A-Za-z])")
    for report in demo_reports.values():
        blank = copy.deepcopy(report)
        for u in blank["utterances"]:
            u["text"] = "words"
        for p in blank["prompts"]:
            p["heard"] = "words"
        for item in (blank.get("scorecard") or {}).get("items", []):
            for e in item["evidence"]:
                e["text"] = "words"
        text = render_call_html(blank)
        longest = max(len(re.sub(r"\D", "", m.group())) for m in run.finditer(text))
        assert longest < 7


def test_a_call_without_customer_speech_shows_no_peak(
    escalation: dict[str, Any], tmp_path: Path
) -> None:
    """A dead customer leg: the header says there was no customer speech, not "peak 0.00"."""
    escalation["utterances"] = [u for u in escalation["utterances"] if u["speaker"] == "agent"]
    escalation["summary"]["max_frustration"] = 0.0
    page = Page(write_call_html(escalation, tmp_path / "x.html").read_text(encoding="utf-8"))
    assert "Peak customer frustration – (no customer speech)" in page.text("call")


def test_warning_text_says_a_whole_file_note_and_an_unknown_length_plainly() -> None:
    """A note about the whole file ("streams joined") read "at 0:00.0 (0.0 s)", and a cut whose
    missing length cannot be known (how_long null) said nothing of it."""
    from app.report.html import warning_text

    joined = {"what": "streams joined", "where": 0.0, "how_long": 0.0, "detail": "two streams"}
    assert warning_text(joined) == "streams joined: two streams"
    cut = {"what": "truncated", "where": 29.5, "how_long": None, "detail": "cut short"}
    assert warning_text(cut) == "truncated at 0:29.5 (length unknown): cut short"
    packets = {"what": "corrupt packets", "where": 0.0, "how_long": 0.0, "count": 1}
    assert warning_text(packets) == "corrupt packets at 0:00.0 (0.0 s, 1)"
    silent = {"what": "silent channel", "where": 0.0, "how_long": 116.6, "detail": "d"}
    assert warning_text(silent) == "silent channel at 0:00.0 (116.6 s): d"


def test_stderr_and_the_report_page_say_a_warning_the_same_way() -> None:
    """stderr (`AudioRepair.text`) and the page (`warning_text`) were two formatters that had
    drifted: a repair at a place with no length read "DC offset at 5.0 s" on stderr but "DC
    offset at 0:05.0 (0.0 s)" on the page. One formatter now, the place in seconds or as a clock."""
    from app.audio.repair import AudioRepair
    from app.report.html import warning_text

    cases = [
        (AudioRepair("DC offset", 5.0, 0.0, detail="left"), "DC offset at {}: left"),
        (AudioRepair("streams joined", 0.0, 0.0, detail="s"), "streams joined: s"),
        (
            AudioRepair("truncated", 61.0, 0.0, detail="cut", length_known=False),
            "truncated at {} (length unknown): cut",
        ),
        (
            AudioRepair("non-finite samples", 3.0, 2.5, count=40),
            "non-finite samples at {} (2.5 s, 40)",
        ),
        (AudioRepair("corrupt packets", 0.0, 0.0, count=1), "corrupt packets at {} (0.0 s, 1)"),
    ]
    for repair, said in cases:
        place = repair.start_s
        assert repair.text() == said.format(f"{place:.1f} s")
        minutes, seconds = divmod(place, 60)
        assert warning_text(repair.to_report()) == said.format(f"{int(minutes)}:{seconds:04.1f}")


def test_a_mono_call_page_says_every_voice_is_read_as_the_customers(
    demo_report: dict, tmp_path: Path
) -> None:
    """A mono call's page read "Channels 1 (agent right)" with --agent-channel right: there is
    no agent side in a mono file; every voice on it, an agent's too, is read as the customer's."""
    import soundfile as sf

    from app.cli import main

    stereo = render_call_html(demo_report)
    assert "(agent left)" in stereo and "mono:" not in stereo
    audio, rate = sf.read(DEMO_CALLS[0], frames=30 * 16000)  # the first 30 s: a few turns
    sf.write(tmp_path / "mono.wav", audio.mean(axis=1), rate)
    args = ["analyze", str(tmp_path / "mono.wav"), "--agent-channel", "right"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    mono = json.loads((tmp_path / "out" / "mono.json").read_text())
    page = render_call_html(mono)
    assert mono["channels"] == 1 and "mono: every voice is read as the customer's" in page
    assert "(agent right)" not in page
