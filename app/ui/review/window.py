"""The QA review window: pick a call, see it (waveforms, curves, cards), replay it with the
transcript in step, judge it (card evidence, scorecard, notes and ratings) and export it.

Nothing heavy runs on the GUI thread: a recording is analysed by the pipeline in a worker (with a
progress bar and Cancel), waveform peaks are computed (or read from their cache) in another, and
drawing uses the peaks reduced to the screen's pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings
from app.errors import CallcoachError, one_line
from app.report.html import warnings_line
from app.review.follow_ups import after_call_ids, follow_up_indexes
from app.review.open_calls import OpenCalls, ReviewCall
from app.review.peaks import Peaks
from app.review.stored_calls import ReviewStore, export_call
from app.store import Store, peaks_dir_for, store_path
from app.ui.geometry import fit_on_screen
from app.ui.review.call_jobs import Analyse, analysis_job, default_analyse, peaks_job
from app.ui.review.calls_panel import CallsPanel
from app.ui.review.jobs import Job
from app.ui.review.judge_panel import JudgePanel
from app.ui.review.legend import clock_text
from app.ui.review.palette import apply_palette
from app.ui.review.playback import SPEEDS, Playback
from app.ui.review.playback_bar import PlaybackBar
from app.ui.review.timeline import TimelineView
from app.ui.review.transcript_view import TranscriptPane
from app.ui.review.window_commands import add_menus, add_shortcuts, show_shortcuts

ZOOM_S = 120.0  # what Z shows of a long call


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
        self.settings = settings or Settings()
        # beside the call store by default, so `callcoach purge` deletes it with the calls
        self.peaks_cache = peaks_cache or peaks_dir_for(store_path(self.settings))
        self._analyse = analyse or default_analyse
        self.review_store = ReviewStore(store, self.settings) if store is not None else None
        self.open_calls = OpenCalls(self.review_store)
        self.calls = self.open_calls.calls  # by key: a path, or store:<id>
        self.store_problem = ""  # why there is no store (shown with the notes)
        self._after_call = after_call_ids()
        self.current: ReviewCall | None = None
        self.selected_prompt: int | None = None
        self.analysis_job: Job | None = None
        self.peaks_job: Job | None = None
        self.dark = False

        self.playback = Playback(self)
        self.calls_panel = CallsPanel()
        self.timeline = TimelineView()
        self.transcript_pane = TranscriptPane()
        self.transcript = self.transcript_pane.view
        self.transcript_search = self.transcript_pane.search
        self.speaker_box = self.transcript_pane.speaker_box
        self.judge = JudgePanel()
        self._build_layout()
        fit_on_screen(self, QSize(1400, 860))  # smaller on a small screen: nothing off its edge
        self.open_action, self.locate_action, self.export_action, self.dark_action = add_menus(self)
        add_shortcuts(self)
        self._connect()
        self.show_message("Open a recording or a report (Ctrl+O), or pick a call on the left.")

    # ------------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        self.bar = PlaybackBar()
        self.addToolBar(self.bar)
        # the bar's widgets, as the window's own (tests and shortcuts reach them here)
        self.play_button, self.speed_box = self.bar.play_button, self.bar.speed_box
        self.progress, self.cancel_button = self.bar.progress, self.bar.cancel_button

        self.message = QLabel(objectName="message")
        self.message.setWordWrap(True)
        self.message.setContentsMargins(8, 4, 8, 4)

        middle = QWidget()
        mid_layout = QVBoxLayout(middle)
        mid_layout.setContentsMargins(0, 0, 0, 0)
        mid_layout.addWidget(self.message)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.timeline)
        split.addWidget(self.transcript_pane)
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

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.playback.toggle)
        self.speed_box.currentIndexChanged.connect(lambda i: self.playback.set_speed(SPEEDS[i]))
        self.playback.position_changed.connect(self._on_position)
        self.playback.playing_changed.connect(self._on_playing)
        self.playback.problem.connect(self.show_message)
        self.timeline.seek_requested.connect(self.seek)
        self.timeline.prompt_clicked.connect(self.select_prompt)
        self.transcript.seek_requested.connect(self.seek)
        self.calls_panel.query_changed.connect(self.refresh_calls)
        self.calls_panel.call_chosen.connect(self.open_key)
        self.judge.note_requested.connect(self.add_note)
        self.cancel_button.clicked.connect(self.cancel_analysis)
        self.dark_action.toggled.connect(self.set_dark)

    # ------------------------------------------------------------------ messages
    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #dc2626; font-weight: bold;" if error else "")
        self.statusBar().showMessage(text, 15_000)

    def show_shortcuts(self) -> None:
        show_shortcuts(self)

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
        first, problems = self.open_calls.add_paths(paths)
        for problem in problems:
            self.show_message(problem, error=True)
        self.refresh_calls()
        if first is not None:
            self.open_key(first)

    def open_key(self, key: str) -> None:
        try:
            call = self.open_calls.find(key)
        except CallcoachError as exc:
            self.show_message(one_line(exc), error=True)
            return
        if call is None:
            return
        if call.report is None:
            self.analyse(call)
        else:
            self._show(call)

    def refresh_calls(self) -> None:
        """Stored calls (the store filters them) and the calls opened in this window that are
        not stored (filtered here the same way)."""
        shown, total, selected = self.open_calls.rows(self.calls_panel.query(), self.current)
        self.calls_panel.show_rows(shown, total, selected)

    # ------------------------------------------------------------------ analysis
    def analyse(self, call: ReviewCall) -> None:
        assert call.audio is not None
        self.cancel_analysis()
        path = call.audio
        job = analysis_job(path, self.settings, self._analyse, self.review_store)
        job.progress.connect(self._on_analysis_progress, Qt.ConnectionType.QueuedConnection)
        job.done.connect(lambda r: self._on_analysed(call, r), Qt.ConnectionType.QueuedConnection)
        job.failed.connect(
            lambda m: self._on_analysis_failed(call, m), Qt.ConnectionType.QueuedConnection
        )
        job.cancelled.connect(self._on_analysis_cancelled, Qt.ConnectionType.QueuedConnection)
        self.analysis_job = job
        self.bar.show_analysis(True)
        self.show_message(f"Analysing {path.name}… (Cancel stops it)")
        job.start()

    def cancel_analysis(self) -> None:
        if self.analysis_job is not None:
            self.analysis_job.cancel()

    def _analysis_over(self) -> None:
        self.analysis_job = None
        self.bar.show_analysis(False)

    def _on_analysis_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))

    def _on_analysed(self, call: ReviewCall, report: dict[str, Any]) -> None:
        self._analysis_over()
        self.open_calls.analysed(call, report)
        self.refresh_calls()
        self._show(call)

    def _on_analysis_failed(self, call: ReviewCall, message: str) -> None:
        self._analysis_over()
        self.show_message(f"Cannot analyse {Path(call.key).name}: {message}", error=True)

    def _on_analysis_cancelled(self) -> None:
        self._analysis_over()
        self.show_message("Analysis cancelled.")

    # ------------------------------------------------------------------ showing a call
    def _show(self, call: ReviewCall) -> None:
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
            warned = warnings_line(report)
            self.show_message(
                f"{report.get('call', call.key)} · {clock_text(duration)}{note}{warned}",
                error=bool(warned),
            )
            self._load_peaks(call.audio)
        self.refresh_calls()

    def _load_peaks(self, audio: Path) -> None:
        if self.peaks_job is not None:
            self.peaks_job.cancel()
        job = peaks_job(audio, self.peaks_cache)
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
        self.bar.set_time(t, self.playback.end)

    def _on_playing(self, playing: bool) -> None:
        self.bar.set_playing(playing)

    def toggle_zoom(self) -> None:
        """Two minutes around the playhead, or the whole call again."""
        if self.timeline.view is None:
            self.timeline.zoom(ZOOM_S)
        else:
            self.timeline.zoom(None)

    def step_speed(self, steps: int) -> None:
        self.bar.show_speed(self.playback.step_speed(steps))

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

    def step_prompt(self, step: int) -> None:
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
        try:
            self.open_calls.add_note(call, text, rating, prompt_t, prompt_id)
        except CallcoachError as exc:
            self.judge.notes_status.setText(f"Not saved: {one_line(exc)}")
            return
        self._show_notes()
        if self.review_store is not None:
            self.refresh_calls()

    def _show_notes(self) -> None:
        call = self.current
        notes = call.notes if call else []
        status = self.open_calls.notes_status(self.store_problem)
        self.judge.show_notes(notes, status)

    # ------------------------------------------------------------------ export
    def export_to(self, folder: Path) -> list[Path]:
        """The current call's HTML report, utterances CSV and JSON, with the reviewer's notes,
        into `folder`; the paths written."""
        call = self.current
        if call is None or call.report is None:
            raise CallcoachError("no call is open")
        return export_call(self.open_calls.export_report(call), folder)

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
