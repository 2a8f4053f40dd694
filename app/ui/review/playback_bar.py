"""The review window's toolbar: play/pause, the playhead's time, the playback speed, and the
analysis progress bar with its Cancel button (shown only while a recording is analysed)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QProgressBar, QPushButton, QToolBar, QWidget

from app.ui.review.legend import clock_text
from app.ui.review.playback import SPEEDS


class PlaybackBar(QToolBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Playback", parent)
        self.setObjectName("playback_bar")
        self.setMovable(False)
        self.play_button = QPushButton("▶ Play", objectName="play_button")
        self.play_button.setToolTip("Play / pause (Space)")
        self.addWidget(self.play_button)
        self.time_label = QLabel("0:00 / 0:00", objectName="time_label")
        self.time_label.setMinimumWidth(120)
        self.addWidget(self.time_label)
        self.speed_box = QComboBox(objectName="speed_box")
        self.speed_box.addItems([f"{s:g}×" for s in SPEEDS])
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.setToolTip("Playback speed (+ / -)")
        self.addWidget(self.speed_box)
        self.addSeparator()
        self.progress = QProgressBar(objectName="analysis_progress")
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("analysing %p%")
        self.cancel_button = QPushButton("Cancel", objectName="cancel_analysis")
        self.addWidget(self.progress)
        self.addWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()
        self._progress_actions = self.actions()[-2:]
        for action in self._progress_actions:
            action.setVisible(False)

    def show_analysis(self, shown: bool) -> None:
        """The progress bar and Cancel, from 0 % when shown."""
        if shown:
            self.progress.setValue(0)
        for action in self._progress_actions:
            action.setVisible(shown)
        if shown:
            self.progress.show()
            self.cancel_button.show()

    def set_time(self, t: float, end: float) -> None:
        self.time_label.setText(f"{clock_text(t)} / {clock_text(end)}")

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

    def show_speed(self, speed: float) -> None:
        self.speed_box.setCurrentIndex(SPEEDS.index(speed))
