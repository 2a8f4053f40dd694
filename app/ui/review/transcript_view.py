"""The transcript list: every utterance of both speakers in call-time order, the line being
played marked and kept in view. Clicking a line (or Enter on it) asks to seek there.

Texts are shown exactly as the report holds them: redacted stretches ([CARD], [PHONE], ...)
stay redacted, since the pipeline redacted them before anything was written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.review.transcript import TranscriptTimeline
from app.ui.review.legend import SPEAKER_COLOURS, clock_text

COLUMNS = ("time", "speaker", "frustration", "text")
AnyIndex = QModelIndex | QPersistentModelIndex


class TranscriptModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.timeline = TranscriptTimeline([])
        self.current: int | None = None

    def set_utterances(self, utterances: Sequence[Mapping[str, Any]]) -> None:
        self.beginResetModel()
        self.timeline = TranscriptTimeline(utterances)
        self.current = None
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.timeline)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        u = self.timeline.lines[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return clock_text(float(u.get("start", 0)))
            if col == 1:
                return str(u.get("speaker", ""))
            if col == 2:
                return f"{float(u.get('frustration', 0)):.2f}"
            return str(u.get("text", ""))
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return QBrush(QColor(SPEAKER_COLOURS.get(str(u.get("speaker")), "#64748b")))
        if role == Qt.ItemDataRole.FontRole and index.row() == self.current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and col == 3:
            return (
                f"tone {float(u.get('tone', 0)):.2f}, words {float(u.get('words', 0)):.2f}, "
                f"pleased {float(u.get('pleased', 0)):.2f}, "
                f"frustration {float(u.get('frustration', 0)):.2f}"
            )
        if role == Qt.ItemDataRole.UserRole:
            return float(u.get("start", 0))
        return None

    def set_current(self, row: int | None) -> bool:
        """Mark the line being played; True if it changed."""
        if row == self.current:
            return False
        old, self.current = self.current, row
        for r in (old, row):
            if r is not None:
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1))
        return True


class SpeakerFilter(QSortFilterProxyModel):
    """Narrows the transcript to one speaker and/or lines containing some text."""

    def __init__(self) -> None:
        super().__init__()
        self.speaker = ""
        self.text = ""

    def set_filter(self, speaker: str, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9 (invalidateRowsFilter deprecated)
            self.beginFilterChange()
            self.speaker, self.text = speaker, text.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.speaker, self.text = speaker, text.strip().lower()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row: int, parent: AnyIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, TranscriptModel)
        u = model.timeline.lines[row]
        if self.speaker and u.get("speaker") != self.speaker:
            return False
        return not self.text or self.text in str(u.get("text", "")).lower()


class TranscriptView(QTableView):
    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = TranscriptModel()
        self.proxy = SpeakerFilter()
        self.proxy.setSourceModel(self.source)
        self.setModel(self.proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        # fixed widths from the font, not ResizeToContents: that measures every row of a
        # one-hour call again whenever the current line changes
        header = self.horizontalHeader()
        metrics = self.fontMetrics()
        pad = 2 * metrics.horizontalAdvance("M")
        for col, sample in enumerate(("0:00:00", "customer", "frustration")):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            self.setColumnWidth(col, metrics.horizontalAdvance(sample) + pad)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.clicked.connect(self._seek_to)
        self.activated.connect(self._seek_to)

    def set_utterances(self, utterances: Sequence[Mapping[str, Any]]) -> None:
        self.source.set_utterances(utterances)

    def row_rect_center(self, line: int) -> Any:
        """Centre of a transcript line's text cell in viewport coordinates (tests click it)."""
        index = self.proxy.mapFromSource(self.source.index(line, 3))
        self.scrollTo(index)
        return self.visualRect(index).center()

    def follow(self, t: float) -> None:
        """Mark and scroll to the line being played at call time `t`."""
        line = self.source.timeline.line_at(t)
        if not self.source.set_current(line) or line is None:
            return
        index = self.proxy.mapFromSource(self.source.index(line, 0))
        if index.isValid():
            self.selectionModel().select(
                index,
                self.selectionModel().SelectionFlag.ClearAndSelect
                | self.selectionModel().SelectionFlag.Rows,
            )
            self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _seek_to(self, index: QModelIndex) -> None:
        source = self.proxy.mapToSource(index)
        if source.isValid():
            self.seek_requested.emit(self.source.timeline.start_of(source.row()))


class TranscriptPane(QWidget):
    """The transcript with its search line and speaker filter above it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.search = QLineEdit(objectName="transcript_search")
        self.search.setPlaceholderText("Search the transcript… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.speaker_box = QComboBox(objectName="speaker_box")
        self.speaker_box.addItems(["both speakers", "agent", "customer"])
        row.addWidget(self.search, 1)
        row.addWidget(self.speaker_box)
        layout.addLayout(row)
        self.view = TranscriptView()
        layout.addWidget(self.view, 1)
        self.search.textChanged.connect(self._filter)
        self.speaker_box.currentIndexChanged.connect(self._filter)

    def _filter(self) -> None:
        speaker = ("", "agent", "customer")[self.speaker_box.currentIndex()]
        self.view.proxy.set_filter(speaker, self.search.text())
