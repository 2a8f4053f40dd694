"""The list of calls to review, with search and filters (escalated, cards ignored, agent, date
range, scorecard failures). It only shows rows and says what the reviewer asked for; the window
decides where rows come from."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.report.customer_peak import peak_text
from app.review.call_list import CallQuery, CallRow
from app.ui.review.legend import clock_text


def row_text(row: CallRow) -> str:
    flags = []
    if row.escalated:
        flags.append("escalated")
    if row.ignored:
        flags.append(f"{row.ignored} ignored")
    if row.scorecard_failed:
        flags.append(f"{row.scorecard_failed} failed")
    head = row.name + (f" · {row.agent}" if row.agent else "")
    when = f"{row.when.isoformat()} · " if row.when else ""
    peak = peak_text(row.max_frustration)
    return f"{head}\n{when}{clock_text(row.duration_s)} · peak {peak}" + (
        " · " + ", ".join(flags) if flags else ""
    )


class CallsPanel(QWidget):
    query_changed = Signal()
    call_chosen = Signal(str)  # the row's key

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit(objectName="call_search")
        self.search.setPlaceholderText("Search calls (words, agent, card)…")
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        grid = QGridLayout()
        self.escalated = QCheckBox("escalated", objectName="only_escalated")
        self.ignored = QCheckBox("cards ignored", objectName="only_ignored")
        self.failures = QCheckBox("scorecard failures", objectName="only_failures")
        self.agent = QLineEdit(objectName="agent_filter")
        self.agent.setPlaceholderText("agent")
        self.dates = QCheckBox("from", objectName="use_dates")
        self.date_from = QDateEdit(QDate.currentDate().addDays(-30), objectName="date_from")
        self.date_to = QDateEdit(QDate.currentDate(), objectName="date_to")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        grid.addWidget(self.escalated, 0, 0)
        grid.addWidget(self.ignored, 0, 1)
        grid.addWidget(self.failures, 1, 0)
        grid.addWidget(self.agent, 1, 1)
        grid.addWidget(self.dates, 2, 0)
        grid.addWidget(self.date_from, 2, 1)
        grid.addWidget(QLabel("to"), 3, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.date_to, 3, 1)
        layout.addLayout(grid)
        self.list = QListWidget(objectName="call_list")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.list, 1)
        self.count = QLabel(objectName="call_count")
        layout.addWidget(self.count)

        self.search.textChanged.connect(self.query_changed)
        self.agent.textChanged.connect(self.query_changed)
        for box in (self.escalated, self.ignored, self.failures, self.dates):
            box.toggled.connect(self.query_changed)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._dates_changed)
        self.list.itemActivated.connect(self._chosen)
        self.list.itemClicked.connect(self._chosen)

    def query(self) -> CallQuery:
        dates = self.dates.isChecked()
        return CallQuery(
            text=self.search.text(),
            escalated=self.escalated.isChecked(),
            prompts_ignored=self.ignored.isChecked(),
            agent=self.agent.text().strip(),
            date_from=self.date_from.date().toPython() if dates else None,  # type: ignore[arg-type]
            date_to=self.date_to.date().toPython() if dates else None,  # type: ignore[arg-type]
            scorecard_failures=self.failures.isChecked(),
        )

    def show_rows(self, rows: Sequence[CallRow], total: int, current: str | None) -> None:
        self.list.clear()
        for row in rows:
            item = QListWidgetItem(row_text(row))
            item.setData(Qt.ItemDataRole.UserRole, row.key)
            item.setToolTip(row.key)
            self.list.addItem(item)
            if row.key == current:
                self.list.setCurrentItem(item)
        self.count.setText(f"{len(rows)} of {total} calls")

    def keys(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _dates_changed(self) -> None:
        if self.dates.isChecked():
            self.query_changed.emit()

    def _chosen(self, item: QListWidgetItem) -> None:
        self.call_chosen.emit(str(item.data(Qt.ItemDataRole.UserRole)))
