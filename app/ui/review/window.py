"""The QA review window: pick a call, see it (waveforms, curves, cards), replay it with the
transcript in step, judge it (card evidence, scorecard, notes and ratings) and export it.

Nothing heavy runs on the GUI thread: a recording is analysed by the pipeline in a worker (with a
progress bar and Cancel), waveform peaks are computed (or read from their cache) in another, and
drawing uses the peaks reduced to the screen's pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.errors import CallcoachError, one_line
from app.review.call_list import CallRow, filter_rows, row_from_report
from app.review.peaks import Peaks, PeaksCancelled, load_or_compute_peaks
from app.review.sources import find_audio, is_report_file, load_report_file
from app.review.stored_calls import ReviewStore, call_id_of, export_call, store_key
from app.store import Store, peaks_dir_for, store_path
from app.ui.review.calls_panel import CallsPanel
from app.ui.review.jobs import Job
from app.ui.review.judge_panel import JudgePanel
from app.ui.review.legend import clock_text
from app.ui.review.palette import apply_palette
from app.ui.review.playback import SPEEDS, Playback
from app.ui.review.timeline import TimelineView, follow_up_indexes
from app.ui.review.transcript_view import TranscriptView

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

Analyse = Callable[[Path, Settings, Callable[[float], None], Callable[[], bool]], dict[str, Any]]

ZOOM_S = 120.0  # what Z shows of a long call

SHORTCUTS = (
    ("Space", "play / pause"),
    ("Left / Right", "back / forward 5 s"),
    ("Shift+Left / Shift+Right", "back / forward 30 s"),
    ("Home / End", "start / end of the call"),
    ("+ / -", "faster / slower (0.5–2×)"),
    ("N / P", "next / previous card"),
    ("Z", "zoom: two minutes around the playhead / the whole call"),
    ("Ctrl+wheel / wheel", "zoom the timeline / scroll it when zoomed"),
    ("Enter (transcript)", "play from that line"),
    ("Ctrl+O", "open a recording or report"),
    ("Ctrl+E", "export the call's report"),
    ("Ctrl+F", "search the transcript"),
    ("Ctrl+D", "dark / light palette"),
)


def _default_analyse(
    path: Path, settings: Settings, progress: Callable[[float], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    from app.review.analysis import analyse_recording  # loads the models: only when needed

    return analyse_recording(path, settings, progress, cancelled)


def _after_call_ids() -> set[str]:
    try:
        from app.coaching.playbook import load_playbook

        return {p.id for p in load_playbook().prompts if p.group == "after_call"}
    except CallcoachError:
        return {"follow_up_call"}


class _Call:
    """One call the window knows: its report (None until analysed), its audio and, once it is
    in the call store, its call id."""

    def __init__(
        self,
        key: str,
        report: dict[str, Any] | None,
        audio: Path | None,
        call_id: int | None = None,
    ) -> None:
        self.key, self.report, self.audio, self.call_id = key, report, audio, call_id
        self.notes: list[dict[str, Any]] = list((report or {}).get("notes") or [])
        self.when: date | None = None


class ReviewWindow(QMainWindow):
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        peaks_cache: Path | None = None,
        analyse: Analyse | None = None,
        store: Store | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`store`: the call store (its calls are listed, analyses and notes are saved in it);
        None keeps notes for the session and in exports only."""
        super().__init__(parent)
        self.setWindowTitle("callcoach — review")
        self.resize(1400, 860)
        self.settings = settings or Settings()
        # beside the call store by default, so `callcoach purge` deletes it with the calls
        self.peaks_cache = peaks_cache or peaks_dir_for(store_path(self.settings))
        self._analyse = analyse or _default_analyse
        self.review_store = ReviewStore(store, self.settings) if store is not None else None
        self.store_problem = ""  # why there is no store (shown with the notes)
        self._after_call = _after_call_ids()
        self.calls: dict[str, _Call] = {}
        self.current: _Call | None = None
        self.selected_prompt: int | None = None
        self.analysis_job: Job | None = None
        self.peaks_job: Job | None = None
        self.dark = False

        self.playback = Playback(self)
        self.calls_panel = CallsPanel()
        self.timeline = TimelineView()
        self.transcript = TranscriptView()
        self.judge = JudgePanel()
        self._build_layout()
        self._build_actions()
        self._connect()
        self.show_message("Open a recording or a report (Ctrl+O), or pick a call on the left.")

    # ------------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        bar = QToolBar("Playback", objectName="playback_bar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.play_button = QPushButton("▶ Play", objectName="play_button")
        self.play_button.setToolTip("Play / pause (Space)")
        bar.addWidget(self.play_button)
        self.time_label = QLabel("0:00 / 0:00", objectName="time_label")
        self.time_label.setMinimumWidth(120)
        bar.addWidget(self.time_label)
        self.speed_box = QComboBox(objectName="speed_box")
        self.speed_box.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip("Playback speed (+ / -)")
        bar.addWidget(self.speed_box)
        bar.addSeparator()
        self.progress = QProgressBar(objectName="analysis_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("analysing %p%")
        self.cancel_button = QPushButton("Cancel", objectName="cancel_analysis")
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()
        self._progress_action = bar.actions()[-2:]
        for action in self._progress_action:
            action.setVisible(False)

        self.message = QLabel(objectName="message")
        self.message.setWordWrap(True)
        self.message.setContentsMargins(8, 4, 8, 4)

        middle = QWidget()
        mid_layout = QVBoxLayout(middle)
        mid_layout.setContentsMargins(0, 0, 0, 0)
        mid_layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.timeline)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.transcript_search = QLineEdit(objectName="transcript_search")
        self.transcript_search.setPlaceholderText("Search the transcript… (Ctrl+F)")
        self.transcript_search.setClearButtonEnabled(True)
        self.speaker_box = QComboBox(objectName="speaker_box")
        self.speaker_box.addItems(["both speakers", "agent", "customer"])
        row.addWidget(self.transcript_search, 1)
        row.addWidget(self.speaker_box)
        lower_layout.addLayout(row)
        lower_layout.addWidget(self.transcript, 1)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        mid_layout.addWidget(split, 1)

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.calls_panel)
        main.addWidget(middle)
        main.addWidget(self.judge)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 4)
        main.setStretchFactor(2, 2)
        main.setSizes([260, 780, 360])
        self.setCentralWidget(main)

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open recording or report…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.locate_action = QAction("&Locate audio…", self)
        self.export_action = QAction("&Export report…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        menu.addActions([self.open_action, self.locate_action, self.export_action])
        menu.addSeparator()
        menu.addAction("&Close", QKeySequence.StandardKey.Close, self.close)
        view = self.menuBar().addMenu("&View")
        self.dark_action = QAction("&Dark palette", self, checkable=True)
        self.dark_action.setShortcut(QKeySequence("Ctrl+D"))
        view.addAction(self.dark_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&Keyboard shortcuts", QKeySequence("F1"), self.show_shortcuts)

        def key(seq: str, slot: Callable[[], object]) -> None:
            QShortcut(QKeySequence(seq), self, slot)

        key("Space", self.playback.toggle)
        key("Left", lambda: self.playback.skip(-5))
        key("Right", lambda: self.playback.skip(5))
        key("Shift+Left", lambda: self.playback.skip(-30))
        key("Shift+Right", lambda: self.playback.skip(30))
        key("Home", lambda: self.playback.seek(0))
        key("End", lambda: self.playback.seek(self.playback.end))
        for seq in ("+", "=", "Shift++"):
            key(seq, lambda: self._step_speed(1))
        key("-", lambda: self._step_speed(-1))
        key("N", lambda: self._step_prompt(1))
        key("P", lambda: self._step_prompt(-1))
        key("Z", self.toggle_zoom)
        key("Ctrl+F", self.transcript_search.setFocus)

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.playback.toggle)
        self.speed_box.currentIndexChanged.connect(lambda i: self.playback.set_speed(SPEEDS[i]))
        self.playback.position_changed.connect(self._on_position)
        self.playback.playing_changed.connect(self._on_playing)
        self.playback.problem.connect(self.show_message)
        self.timeline.seek_requested.connect(self.seek)
        self.timeline.prompt_clicked.connect(self.select_prompt)
        self.transcript.seek_requested.connect(self.seek)
        self.transcript_search.textChanged.connect(self._filter_transcript)
        self.speaker_box.currentIndexChanged.connect(self._filter_transcript)
        self.calls_panel.query_changed.connect(self.refresh_calls)
        self.calls_panel.call_chosen.connect(self.open_key)
        self.judge.note_requested.connect(self.add_note)
        self.cancel_button.clicked.connect(self.cancel_analysis)
        self.open_action.triggered.connect(self._open_dialog)
        self.locate_action.triggered.connect(self._locate_dialog)
        self.export_action.triggered.connect(self._export_dialog)
        self.dark_action.toggled.connect(self.set_dark)

    # ------------------------------------------------------------------ messages
    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #dc2626; font-weight: bold;" if error else "")
        self.statusBar().showMessage(text, 15_000)

    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in SHORTCUTS)
        QMessageBox.information(self, "Keyboard shortcuts", f"<table>{rows}</table>")

    def set_dark(self, dark: bool) -> None:
        self.dark = dark
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_palette(app, dark)
        if self.dark_action.isChecked() != dark:
            self.dark_action.setChecked(dark)

    # ------------------------------------------------------------------ opening calls
    def open_paths(self, paths: Sequence[Path]) -> None:
        """Add recordings and reports to the call list (a bare number is a stored call's id);
        open the first one."""
        first: str | None = None
        for path in paths:
            key = str(path)
            if key.isdigit() and not path.exists():  # a stored call's id (`callcoach review 12`)
                if self.review_store is None:
                    self.show_message(f"call {key}: there is no call store to open it from", True)
                    continue
                key = store_key(int(key))
                first = first or key
                continue
            if key in self.calls:
                first = first or key
                continue
            if is_report_file(path):
                try:
                    report = load_report_file(path)
                except CallcoachError as exc:
                    self.show_message(one_line(exc), error=True)
                    continue
                call = _Call(key, report, find_audio(report, path))
                call.when = _file_date(path)
                self._attach_stored(call)
            else:
                call = _Call(key, None, path)
                call.when = _file_date(path)
            self.calls[key] = call
            first = first or key
        self.refresh_calls()
        if first is not None:
            self.open_key(first)

    def _attach_stored(self, call: _Call) -> None:
        """A report opened from a file that is already in the store: its notes come along."""
        if self.review_store is None or call.report is None:
            return
        try:
            call_id = self.review_store.find_stored(call.report, call.audio)
        except (CallcoachError, OSError) as exc:
            log.warning("looking the call up in the store failed: %s", exc)
            return
        if call_id is not None:
            call.call_id = call_id
            call.notes = self.review_store.notes(call_id)
            self.calls[store_key(call_id)] = call

    def open_report(
        self, report: dict[str, Any], audio: Path | None, key: str | None = None
    ) -> None:
        """Show a report dict (e.g. from the store or a finished analysis)."""
        key = key or str(report.get("call", "call"))
        call = self.calls.get(key) or _Call(key, report, audio)
        call.report, call.audio = report, audio
        self.calls[key] = call
        self.refresh_calls()
        self._show(call)

    def open_key(self, key: str) -> None:
        call = self.calls.get(key)
        call_id = call_id_of(key)
        if call is None and call_id is not None and self.review_store is not None:
            try:
                report, audio = self.review_store.load(call_id)
            except CallcoachError as exc:
                self.show_message(one_line(exc), error=True)
                return
            call = _Call(key, report, audio, call_id)
            self.calls[key] = call
        if call is None:
            return
        if call.report is None:
            self.analyse(call)
        else:
            self._show(call)

    def refresh_calls(self) -> None:
        """Stored calls (the store filters them) and the calls opened in this window that are
        not stored (filtered here the same way)."""
        query = self.calls_panel.query()
        stored = self.review_store.rows(query) if self.review_store is not None else []
        rows: list[CallRow] = []
        for key, call in self.calls.items():
            if call.call_id is not None or key.startswith("store:"):
                continue  # its store row stands for it
            if call.report is not None:
                rows.append(row_from_report(call.report, call.key, call.when))
            else:
                rows.append(
                    CallRow(
                        call.key,
                        f"{Path(call.key).name} (not analysed)",
                        0.0,
                        call.when,
                        "",
                        False,
                        0.0,
                        0,
                        0,
                        0,
                        Path(call.key).name.lower(),
                    )
                )
        shown = stored + filter_rows(rows, query)
        total = len(rows) + (self._stored_total() if self.review_store is not None else 0)
        current = self.current
        selected = None
        if current is not None:
            selected = store_key(current.call_id) if current.call_id is not None else current.key
        self.calls_panel.show_rows(shown, total, selected)

    def _stored_total(self) -> int:
        assert self.review_store is not None
        return len(self.review_store.store.list_calls())

    # ------------------------------------------------------------------ analysis
    def analyse(self, call: _Call) -> None:
        assert call.audio is not None
        self.cancel_analysis()
        path, settings, analyse, stored = (
            call.audio,
            self.settings,
            self._analyse,
            self.review_store,
        )
        from app.review.analysis import AnalysisCancelled

        def work(progress: Callable[[float], None], cancelled: Callable[[], bool]) -> Any:
            if stored is not None:  # analysed before, the same way: no need to wait
                call_id = stored.analysed_before(path)
                if call_id is not None:
                    return stored.load(call_id)[0]
            report = analyse(path, settings, progress, cancelled)
            if stored is not None:
                report["call_id"] = stored.save_analysis(report, path)
                report["notes"] = []
            return report

        job = Job(work, "review-analysis", (AnalysisCancelled,))
        job.progress.connect(self._on_analysis_progress, Qt.ConnectionType.QueuedConnection)
        job.done.connect(lambda r: self._on_analysed(call, r), Qt.ConnectionType.QueuedConnection)
        job.failed.connect(
            lambda m: self._on_analysis_failed(call, m), Qt.ConnectionType.QueuedConnection
        )
        job.cancelled.connect(self._on_analysis_cancelled, Qt.ConnectionType.QueuedConnection)
        self.analysis_job = job
        self.progress.setValue(0)
        for action in self._progress_action:
            action.setVisible(True)
        self.progress.show()
        self.cancel_button.show()
        self.show_message(f"Analysing {path.name}… (Cancel stops it)")
        job.start()

    def cancel_analysis(self) -> None:
        if self.analysis_job is not None:
            self.analysis_job.cancel()

    def _analysis_over(self) -> None:
        self.analysis_job = None
        for action in self._progress_action:
            action.setVisible(False)

    def _on_analysis_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))

    def _on_analysed(self, call: _Call, report: dict[str, Any]) -> None:
        self._analysis_over()
        call.report = report
        if isinstance(report.get("call_id"), int):
            call.call_id = report["call_id"]
            call.notes = list(report.get("notes") or [])
            self.calls[store_key(call.call_id)] = call
        self.refresh_calls()
        self._show(call)

    def _on_analysis_failed(self, call: _Call, message: str) -> None:
        self._analysis_over()
        self.show_message(f"Cannot analyse {Path(call.key).name}: {message}", error=True)

    def _on_analysis_cancelled(self) -> None:
        self._analysis_over()
        self.show_message("Analysis cancelled.")

    # ------------------------------------------------------------------ showing a call
    def _show(self, call: _Call) -> None:
        report = call.report
        assert report is not None
        self.current = call
        self.selected_prompt = None
        prompts = list(report.get("prompts") or [])
        follow = follow_up_indexes(prompts, self._after_call)
        self.timeline.set_call(report, follow)
        self.transcript.set_utterances(report.get("utterances") or [])
        self.judge.show_prompt(None, False)
        self.judge.show_call(report, [prompts[i] for i in sorted(follow)])
        self._show_notes()
        duration = float(report.get("duration_s") or 0.0)
        self.playback.load(call.audio, duration)
        self._on_position(0.0)
        self.setWindowTitle(f"callcoach — review — {report.get('call', call.key)}")
        if call.audio is None:
            self.show_message(
                f"Audio not found for {report.get('call', call.key)}: the transcript, cards and "
                "curves are shown; File ▸ Locate audio… to hear it and see its waveform.",
                error=True,
            )
            self.timeline.set_peaks(None, "no audio: File ▸ Locate audio…")
        else:
            note = f" — {self.playback.note}" if self.playback.note else ""
            self.show_message(f"{report.get('call', call.key)} · {clock_text(duration)}{note}")
            self._load_peaks(call.audio)
        self.refresh_calls()

    def _load_peaks(self, audio: Path) -> None:
        if self.peaks_job is not None:
            self.peaks_job.cancel()
        cache = self.peaks_cache
        job = Job(
            lambda p, c: load_or_compute_peaks(audio, cache, p, c),
            "review-peaks",
            (PeaksCancelled,),
        )
        job.progress.connect(self._on_peaks_progress, Qt.ConnectionType.QueuedConnection)
        job.done.connect(
            lambda peaks: self._on_peaks(job, peaks), Qt.ConnectionType.QueuedConnection
        )
        job.failed.connect(
            lambda m: self._on_peaks_failed(job, m), Qt.ConnectionType.QueuedConnection
        )
        self.peaks_job = job
        self.timeline.set_peaks(None, "reading the waveform…")
        job.start()

    def _on_peaks_progress(self, fraction: float) -> None:
        if self.timeline.peaks is None:
            self.timeline.set_peaks(None, f"reading the waveform… {fraction:.0%}")

    def _on_peaks(self, job: Job, peaks: Peaks) -> None:
        if job is self.peaks_job:
            self.peaks_job = None
            self.timeline.set_peaks(peaks)

    def _on_peaks_failed(self, job: Job, message: str) -> None:
        if job is self.peaks_job:
            self.peaks_job = None
            self.timeline.set_peaks(None, "the audio cannot be read")
            self.show_message(f"Cannot read the audio: {message}", error=True)

    # ------------------------------------------------------------------ playback
    def seek(self, t: float) -> None:
        self.playback.seek(t)

    def _on_position(self, t: float) -> None:
        self.timeline.set_position(t)
        self.transcript.follow(t)
        self.time_label.setText(f"{clock_text(t)} / {clock_text(self.playback.end)}")

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    def toggle_zoom(self) -> None:
        """Two minutes around the playhead, or the whole call again."""
        if self.timeline.view is None:
            self.timeline.zoom(ZOOM_S)
        else:
            self.timeline.zoom(None)

    def _step_speed(self, steps: int) -> None:
        speed = self.playback.step_speed(steps)
        self.speed_box.setCurrentIndex(SPEEDS.index(speed))

    def _filter_transcript(self) -> None:
        speaker = ("", "agent", "customer")[self.speaker_box.currentIndex()]
        self.transcript.proxy.set_filter(speaker, self.transcript_search.text())

    # ------------------------------------------------------------------ cards and notes
    def select_prompt(self, index: int | None, seek: bool = True) -> None:
        report = self.current.report if self.current else None
        prompts = list(report.get("prompts") or []) if report else []
        if index is None or not 0 <= index < len(prompts):
            self.selected_prompt = None
            self.timeline.select_prompt(None)
            self.judge.show_prompt(None, False)
            return
        self.selected_prompt = index
        self.timeline.select_prompt(index)
        self.judge.show_prompt(prompts[index], index in self.timeline.follow_up)
        if seek:
            # play from the utterance that triggered the card, so the reviewer hears why
            p = prompts[index]
            self.seek(float(p.get("source_t") or p.get("t") or 0.0))

    def _step_prompt(self, step: int) -> None:
        prompts = self.timeline.prompts
        if not prompts:
            return
        t = self.playback.position()
        order = sorted(range(len(prompts)), key=lambda i: float(prompts[i].get("t", 0)))
        if step > 0:
            after = [i for i in order if float(prompts[i].get("source_t") or 0) > t + 0.5]
            target = after[0] if after else order[-1]
        else:
            before = [i for i in order if float(prompts[i].get("source_t") or 0) < t - 0.5]
            target = before[-1] if before else order[0]
        self.select_prompt(target)

    def add_note(self, text: str, rating: int | None, for_prompt: bool) -> None:
        """A reviewer's note (and 1-5 rating) on the selected card or the whole call: saved in
        the call store when there is one, else kept for the session and exports."""
        call = self.current
        if call is None or call.report is None:
            return
        prompt_t = prompt_id = None
        if for_prompt and self.selected_prompt is not None:
            p = call.report["prompts"][self.selected_prompt]
            prompt_t, prompt_id = p.get("t"), p.get("id")
        if self.review_store is None:
            call.notes.append(
                {
                    "text": text,
                    "rating": rating,
                    "prompt_t": prompt_t,
                    "prompt_id": prompt_id,
                    "created_at": datetime.now().isoformat(timespec="seconds"),
                }
            )
            self._show_notes()
            return
        try:
            if call.call_id is None:
                call.call_id = self.review_store.ensure_stored(call.report, call.audio)
                self.calls[store_key(call.call_id)] = call
            call.notes = self.review_store.add_note(call.call_id, text, rating, prompt_t, prompt_id)
        except CallcoachError as exc:
            self.judge.notes_status.setText(f"Not saved: {one_line(exc)}")
            return
        self._show_notes()
        self.refresh_calls()

    def _show_notes(self) -> None:
        call = self.current
        notes = call.notes if call else []
        if self.review_store is not None:
            status = f"Notes are saved in the call store ({self.review_store.store.path})."
        else:
            why = f" ({self.store_problem})" if self.store_problem else ""
            status = f"No call store{why}: notes are kept for this session and in exports."
        self.judge.show_notes(notes, status)

    # ------------------------------------------------------------------ export
    def export_to(self, folder: Path) -> list[Path]:
        """The current call's HTML report, utterances CSV and JSON, with the reviewer's notes,
        into `folder`; the paths written."""
        call = self.current
        if call is None or call.report is None:
            raise CallcoachError("no call is open")
        if self.review_store is not None and call.call_id is not None:
            report = self.review_store.store.load_report(call.call_id)  # notes as stored
        else:
            report = {**call.report, "notes": call.notes}
        return export_call(report, folder)

    def _export_dialog(self) -> None:
        if self.current is None:
            self.show_message("Open a call first.", error=True)
            return
        folder = QFileDialog.getExistingDirectory(self, "Export the call's report to…")
        if not folder:
            return
        try:
            written = self.export_to(Path(folder))
        except (OSError, CallcoachError) as exc:
            self.show_message(f"Export failed: {one_line(exc)}", error=True)
            return
        self.show_message("Exported " + ", ".join(p.name for p in written) + f" to {folder}")

    def _open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Open recordings or reports",
            "",
            "Calls (*.json *.wav *.flac *.ogg *.mp3 *.m4a *.opus);;All files (*)",
        )
        if files:
            self.open_paths([Path(f) for f in files])

    def _locate_dialog(self) -> None:
        call = self.current
        if call is None or call.report is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, f"Where is {call.report.get('call')}?")
        if name:
            self.set_audio(Path(name))

    def set_audio(self, audio: Path) -> None:
        if self.current is not None and audio.is_file():
            self.current.audio = audio
            self._show(self.current)
        else:
            self.show_message(f"{audio}: no such file", error=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.playback.pause()
        for job in (self.analysis_job, self.peaks_job):
            if job is not None:
                job.cancel()
        super().closeEvent(event)


def _file_date(path: Path) -> date | None:
    try:
        return date.fromtimestamp(path.stat().st_mtime)
    except OSError:
        return None


def report_audio(report: Mapping[str, Any], path: Path) -> Path | None:
    return find_audio(report, path)
