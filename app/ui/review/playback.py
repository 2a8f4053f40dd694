"""Audio playback for the review window: Qt Multimedia's QMediaPlayer (streams and seeks in the
file itself, so a one-hour call costs no memory; rate 0.5–2× with pitch compensation).

Where Qt Multimedia is missing (PySide6-Addons not installed) or there is no audio to play, a
silent clock stands in: the transcript, markers and playhead still follow "playback", and the
window says why nothing is heard.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, QUrl, Signal

log = logging.getLogger(__name__.replace("app", "callcoach", 1))

try:  # PySide6-Addons
    from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer

    MULTIMEDIA = True
except ImportError:  # pragma: no cover - depends on the installation
    MULTIMEDIA = False

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
TICK_MS = 40


class Playback(QObject):
    """Play/pause/seek/speed over one call. `position_changed(seconds)` while playing (every
    40 ms) and after each seek; `playing_changed(bool)`; `problem(str)` for what the reviewer
    must know (no audio, no audio output)."""

    position_changed = Signal(float)
    playing_changed = Signal(bool)
    problem = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.duration_s = 0.0
        self.speed = 1.0
        self.audible = False
        self.note = ""
        self._position = 0.0  # where a paused player stands / where the clock started
        self._playing = False
        self._clock = QElapsedTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._player: QMediaPlayer | None = None
        self._output: QAudioOutput | None = None

    # ------------------------------------------------------------------ loading
    def load(self, audio: Path | None, duration_s: float) -> None:
        """Play `audio` (None: a silent clock over `duration_s`)."""
        self.pause()
        self.duration_s = max(float(duration_s), 0.0)
        self._position = 0.0
        self.audible = False
        self.note = ""  # what the reviewer should know about this call's playback
        if audio is None:
            self._drop_player()
            return
        if not MULTIMEDIA:
            self._drop_player()
            self.note = "Qt Multimedia is not installed (PySide6-Addons): the call replays silently"
            return
        if self._player is None:
            self._player = QMediaPlayer(self)
            self._output = QAudioOutput(self)
            self._player.setAudioOutput(self._output)
            if hasattr(self._player, "setPitchCompensation"):
                self._player.setPitchCompensation(True)
            self._player.errorOccurred.connect(self._on_error)
            self._player.mediaStatusChanged.connect(self._on_status)
        self._player.setSource(QUrl.fromLocalFile(str(audio)))
        self._player.setPlaybackRate(self.speed)
        self.audible = True
        if not QMediaDevices.audioOutputs():
            self.note = "no audio output device: playback runs silently"

    def _drop_player(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player.setSource(QUrl())

    # ------------------------------------------------------------------ control
    @property
    def playing(self) -> bool:
        return self._playing

    def position(self) -> float:
        if self._playing:
            if self.audible and self._player is not None:
                return self._player.position() / 1000.0
            return min(self._position + self._clock.elapsed() / 1000.0 * self.speed, self.end)
        return self._position

    @property
    def end(self) -> float:
        return self.duration_s

    def play(self) -> None:
        if self._playing:
            return
        if self._position >= self.end - 0.05:
            self._position = 0.0  # at the end: play again from the start
        self._playing = True
        if self.audible and self._player is not None:
            self._player.setPosition(round(self._position * 1000))
            self._player.play()
        self._clock.start()
        self._tick.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._position = self.position()
        self._playing = False
        if self._player is not None:
            self._player.pause()
        self._tick.stop()
        self.playing_changed.emit(False)
        self.position_changed.emit(self._position)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def seek(self, t: float) -> None:
        t = min(max(float(t), 0.0), self.end)
        self._position = t
        if self.audible and self._player is not None:
            self._player.setPosition(round(t * 1000))
        self._clock.restart()
        self.position_changed.emit(t)

    def skip(self, seconds: float) -> None:
        self.seek(self.position() + seconds)

    def set_speed(self, speed: float) -> None:
        speed = min(max(float(speed), SPEEDS[0]), SPEEDS[-1])
        if self._playing and not self.audible:  # the silent clock restarts at the new rate
            self._position = self.position()
            self._clock.restart()
        self.speed = speed
        if self._player is not None:
            self._player.setPlaybackRate(speed)

    def step_speed(self, steps: int) -> float:
        """One step up (+1) or down (-1) through SPEEDS."""
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - self.speed))
        self.set_speed(SPEEDS[min(max(i + steps, 0), len(SPEEDS) - 1)])
        return self.speed

    # ------------------------------------------------------------------ internals
    def _on_tick(self) -> None:
        t = self.position()
        if t >= self.end and not self.audible:
            self._position = self.end
            self.pause()
            return
        self.position_changed.emit(t)

    def _on_status(self, status: object) -> None:
        if self._player is None:
            return
        if status == QMediaPlayer.MediaStatus.EndOfMedia and self._playing:
            self._position = self.end
            self._playing = False
            self._tick.stop()
            self.playing_changed.emit(False)
            self.position_changed.emit(self.end)

    def _on_error(self, _error: object, message: str) -> None:
        log.warning("playback error: %s", message)
        self.audible = False
        self.problem.emit(f"cannot play the audio ({message}): the call replays silently")
