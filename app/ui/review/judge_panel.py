"""The reviewer's panel: the selected card's reason, outcome and evidence, the call's scorecard,
follow-up reminders, and the reviewer's own notes and rating per card and per call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui.review.legend import OUTCOME_COLOURS, clock_text

RATINGS = ("no rating", "1 — poor", "2", "3 — acceptable", "4", "5 — excellent")


def prompt_html(prompt: Mapping[str, Any], follow_up: bool) -> str:
    """The card as the reviewer reads it (every text escaped: transcripts are data)."""
    outcome = str(prompt.get("outcome", "shown"))
    # "shown" is near-black in the report: the palette's own text colour reads on dark too
    style = f" style='color:{OUTCOME_COLOURS[outcome]}'" if outcome in OUTCOME_COLOURS else ""
    style = "" if outcome == "shown" else style
    rows = [
        f"<h3>{escape(str(prompt.get('title', prompt.get('id', ''))))}</h3>",
        f"<p><b>{clock_text(float(prompt.get('t', 0)))}</b> · <code>"
        f"{escape(str(prompt.get('id', '')))}</code>"
        + (" · <i>follow-up reminder (after the call)</i>" if follow_up else "")
        + "</p>",
        f"<p><b>Say:</b> “{escape(str(prompt.get('say', '')))}”</p>",
        f"<p><b>Why:</b> {escape(str(prompt.get('reason', '')))}</p>",
        f"<p><b>Outcome:</b> <span{style}><b>{escape(outcome)}</b></span>",
    ]
    if prompt.get("outcome_t") is not None:
        rows[-1] += f" at {clock_text(float(prompt['outcome_t']))}"
    rows[-1] += "</p>"
    if not prompt.get("shown", True):
        rows.append(f"<p><b>Not shown:</b> {escape(str(prompt.get('why_not', '')))}</p>")
    if prompt.get("outcome_detail"):
        rows.append(f"<p><b>Evidence:</b> {escape(str(prompt['outcome_detail']))}</p>")
    if prompt.get("heard"):
        rows.append(f"<p><b>Agent said:</b> “{escape(str(prompt['heard']))}”</p>")
    before, after = prompt.get("frustration_before"), prompt.get("frustration_after")
    if before is not None and after is not None:
        rows.append(f"<p><b>Customer frustration:</b> {float(before):.2f} → {float(after):.2f}</p>")
    return "\n".join(rows)


def scorecard_html(scorecard: Mapping[str, Any] | None) -> str:
    if not scorecard:
        return "<p><i>No scorecard in this report.</i></p>"
    marks = {"pass": ("✔", "#16a34a"), "fail": ("✘", "#dc2626"), "n/a": ("–", "#94a3b8")}
    out = [
        f"<p><b>{int(scorecard.get('passed', 0))}</b> passed · "
        f"<b>{int(scorecard.get('failed', 0))}</b> failed · "
        f"{int(scorecard.get('not_applicable', 0))} not applicable</p><table cellspacing='4'>"
    ]
    for item in scorecard.get("items") or []:
        mark, colour = marks.get(str(item.get("result")), ("?", "#64748b"))
        detail = escape(str(item.get("detail", "")))
        evidence = "; ".join(
            f"{clock_text(float(e.get('t', 0)))} {escape(str(e.get('speaker', '')))}: "
            f"“{escape(str(e.get('text', '')))}”"
            for e in item.get("evidence") or []
        )
        out.append(
            f"<tr><td style='color:{colour}'><b>{mark}</b></td><td><b>"
            f"{escape(str(item.get('title', item.get('id', ''))))}</b><br>{detail}"
            + (f"<br><small>{evidence}</small>" if evidence else "")
            + "</td></tr>"
        )
    out.append("</table>")
    return "".join(out)


def metrics_html(metrics: Mapping[str, Any] | None, redaction: Mapping[str, Any] | None) -> str:
    """The call's measures (talk share, interruptions, silences, holds) and what redaction hid."""
    out = ""
    if isinstance(metrics, Mapping):
        cells = [
            f"{escape(str(k).replace('_', ' '))} <b>{v:g}</b>"
            for k, v in metrics.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        ]
        if cells:
            out += "<p><b>Call measures:</b> " + " · ".join(cells) + "</p>"
    if isinstance(redaction, Mapping) and redaction.get("enabled"):
        counts = redaction.get("counts") or {}
        hidden = ", ".join(f"{escape(str(k))} ×{n}" for k, n in counts.items()) or "nothing found"
        out += f"<p><b>Redacted before storing:</b> {hidden}</p>"
    return out


def note_line(note: Mapping[str, Any]) -> str:
    where = "call"
    if note.get("prompt_id"):
        where = f"{note.get('prompt_id')} at {clock_text(float(note.get('prompt_t') or 0))}"
    rating = f" [{note['rating']}/5]" if note.get("rating") else ""
    return f"{where}{rating}: {note.get('text', '')}"


class JudgePanel(QWidget):
    """`note_requested(text, rating|None, for_prompt)` when the reviewer saves a note."""

    note_requested = Signal(str, object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        box = QGroupBox("Selected card")
        inner = QVBoxLayout(box)
        self.prompt_view = QTextBrowser(objectName="prompt_view")
        self.prompt_view.setOpenLinks(False)
        inner.addWidget(self.prompt_view)
        layout.addWidget(box, 3)

        box = QGroupBox("Scorecard, measures and follow-up")
        inner = QVBoxLayout(box)
        self.scorecard_view = QTextBrowser(objectName="scorecard_view")
        inner.addWidget(self.scorecard_view)
        layout.addWidget(box, 3)

        box = QGroupBox("Reviewer notes")
        inner = QVBoxLayout(box)
        self.notes_list = QListWidget(objectName="notes_list")
        self.notes_list.setWordWrap(True)
        inner.addWidget(self.notes_list, 1)
        self.note_edit = QPlainTextEdit(objectName="note_edit")
        self.note_edit.setPlaceholderText("Your note on the selected card or on the whole call")
        self.note_edit.setMaximumHeight(80)
        inner.addWidget(self.note_edit)
        row = QHBoxLayout()
        self.rating = QComboBox(objectName="rating")
        self.rating.addItems(RATINGS)
        row.addWidget(self.rating)
        self.save_prompt_button = QPushButton("Note on card", objectName="save_prompt_note")
        self.save_call_button = QPushButton("Note on call", objectName="save_call_note")
        row.addWidget(self.save_prompt_button)
        row.addWidget(self.save_call_button)
        inner.addLayout(row)
        self.notes_status = QLabel(objectName="notes_status")
        self.notes_status.setWordWrap(True)
        inner.addWidget(self.notes_status)
        layout.addWidget(box, 2)
        self.save_prompt_button.clicked.connect(lambda: self._save(True))
        self.save_call_button.clicked.connect(lambda: self._save(False))
        self.show_prompt(None, False)

    def show_prompt(self, prompt: Mapping[str, Any] | None, follow_up: bool) -> None:
        if prompt is None:
            self.prompt_view.setHtml(
                "<p><i>Click a marker on the timeline (or press N / P) to see a card's reason, "
                "outcome and evidence.</i></p>"
            )
            self.save_prompt_button.setEnabled(False)
            return
        self.prompt_view.setHtml(prompt_html(prompt, follow_up))
        self.save_prompt_button.setEnabled(True)

    def show_call(self, report: Mapping[str, Any], follow_ups: Sequence[Mapping[str, Any]]) -> None:
        html = scorecard_html(report.get("scorecard"))
        html += metrics_html(report.get("metrics"), report.get("redaction"))
        if follow_ups:
            html += "<p><b>Follow-up reminders:</b></p><ul>"
            html += "".join(
                f"<li>{escape(str(p.get('title', p.get('id'))))} — "
                f"{escape(str(p.get('reason', '')))}</li>"
                for p in follow_ups
            )
            html += "</ul>"
        self.scorecard_view.setHtml(html)

    def show_notes(self, notes: Sequence[Mapping[str, Any]], status: str) -> None:
        self.notes_list.clear()
        for note in notes:
            self.notes_list.addItem(note_line(note))
        self.notes_status.setText(status)

    def _save(self, for_prompt: bool) -> None:
        text = self.note_edit.toPlainText().strip()
        rating = self.rating.currentIndex() or None
        if not text and rating is None:
            self.notes_status.setText("Write a note or choose a rating first.")
            return
        self.note_requested.emit(text, rating, for_prompt)
        self.note_edit.clear()
        self.rating.setCurrentIndex(0)
