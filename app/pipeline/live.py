"""The live path: a capture source, the front end in one worker, the back end in another.

Capture callback → BlockQueue (bounded, drops counted; silence takes a dropped block's place, so
call times stay true) → front-end worker (VAD, cutting, tone;
emits an early tone reading) → ordered work queue → back-end worker (ASR, words, fusion, trend,
coach) → sinks. The GUI thread only receives events (through the overlay's bridge) and never calls
a model. The front end and back end are the very objects `analyze` uses, fed the same audio in the
same order, so a recording replayed live gives the prompts it gives in batch.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.audio.capture import AudioSource, BlockQueue
from app.audio.dead_side import DeadSideWatch
from app.audio.highpass import StreamHighPass
from app.audio.reader import SAMPLE_RATE, AudioRepair
from app.config import Settings
from app.events import Event, PromptOutcome, StatusMessage, ToneUpdate, Utterance
from app.pipeline.call import TRIM_EVERY_S, build_stages, silent_sides
from app.pipeline.items import ClosedSpeech, WorkItem
from app.pipeline.memory import trim_heap
from app.pipeline.models import Models
from app.pipeline.timing import StageTimes

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
LiveSink = Callable[[Event, float, float], None]  # (event, call_t, wall_t)
GAP_CHUNK = 10 * SAMPLE_RATE  # silence for dropped audio is fed in pieces of this size
DROP_NOTICE_S = 5.0  # while audio keeps being dropped, tell the overlay at most this often


@dataclass(frozen=True)
class _Outcome:
    prompt_id: str
    outcome: str
    t: float  # call time of the click


_STOP = object()


class LiveSession:
    def __init__(
        self,
        source: AudioSource,
        models: Models,
        settings: Settings,
        sinks: Iterable[LiveSink] = (),
        clock: Callable[[], float] = time.monotonic,
        record_to: Path | None = None,
        queue_blocks: int = 200,
    ) -> None:
        """`queue_blocks`: how many captured blocks may wait for the front end before the
        oldest are dropped (and counted). `record_to`: also write the captured audio there (a
        WAV of the samples the source delivered, before the session's high-pass: `analyze` of
        that file reads exactly what the front end got); only when the user asked for audio to
        be stored."""
        self.source = source
        self.record_to = record_to
        self._recording: Any = None
        self.settings = settings
        self.scorecard = getattr(models, "scorecard", None)  # checked at start; for the report
        self.times = StageTimes()
        self.front, self.back = build_stages(
            source.speakers, models, settings, self.times, live=True
        )
        self.sinks = list(sinks)
        self.clock = clock
        self.blocks = BlockQueue(queue_blocks)
        # raw device audio gets the high-pass `analyze` gives a recording, with one state for
        # the whole call (across device reopens, as the recording runs on across them)
        self._highpass = None if getattr(source, "highpassed", False) else StreamHighPass()
        self._work: queue.Queue[object] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._t0 = 0.0
        self._lock = threading.Lock()
        self._outcome_lock = threading.Lock()
        self._back_done = False
        self.events: list[tuple[Event, float, float]] = []
        self.finished = threading.Event()
        self.error: BaseException | None = None
        self._drop_noticed_s = 0.0  # dropped audio the overlay has been told of
        self._drop_notice_wall = -DROP_NOTICE_S
        self._trimmed_at = 0.0  # call time of the last trim_heap
        self._dead_sides = DeadSideWatch(list(source.speakers))  # a side never captured at all

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        self._t0 = self.clock()
        if self.record_to is not None:
            import soundfile

            self.record_to.parent.mkdir(parents=True, exist_ok=True)
            self._recording = soundfile.SoundFile(
                self.record_to,
                "w",
                samplerate=SAMPLE_RATE,
                channels=len(self.source.speakers),
                subtype="FLOAT",
            )
        self._threads = [
            threading.Thread(target=self._front_loop, name="pipeline-front", daemon=True),
            threading.Thread(target=self._back_loop, name="pipeline-back", daemon=True),
        ]
        for t in self._threads:
            t.start()
        self.source.start(self.blocks, self._status)

    def stop(self) -> None:
        """Stop capturing; what was captured is still processed to the end."""
        self.source.stop()

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)

    def record_outcome(self, prompt_id: str, outcome: str) -> None:
        """From the overlay (any thread): the agent marked a card done or dismissed it.

        While the call runs, the mark goes through the back end's queue (the coach lives on
        that thread); after the call (the follow-up card stays up) it is recorded at once."""
        mark = _Outcome(prompt_id, outcome, self.call_t)
        with self._outcome_lock:
            if not self._back_done:
                self._work.put(mark)
                return
            self._apply(mark)

    def _apply(self, mark: _Outcome) -> None:
        outcome = self.back.coach.record_outcome(mark.prompt_id, mark.outcome, mark.t)
        if outcome is not None:
            self._emit(outcome)

    @property
    def call_t(self) -> float:
        return self.source.position_s

    @property
    def wall_t(self) -> float:
        return self.clock() - self._t0

    @property
    def capture_repairs(self) -> list[AudioRepair]:
        """What went wrong with capture (devices lost and found again), for the report's
        warnings; the overlay heard each as a StatusMessage when it happened."""
        with self._lock:
            events = [e for e, _, _ in self.events]
        speakers = list(self.source.speakers)
        silent = silent_sides(events, speakers, self.back.untranscribed, self.front.t)
        captured = list(getattr(self.source, "repairs", []))
        return captured + self.back.untranscribed_repairs() + silent

    @property
    def dropped_audio_s(self) -> float:
        """Seconds of call audio lost because the pipeline fell behind: blocks the bounded queue
        had to drop, plus what a device source lost before that queue."""
        return self.blocks.dropped_s + float(getattr(self.source, "dropped_s", 0.0))

    # ------------------------------------------------------------------ workers
    def _front_loop(self) -> None:
        try:
            while True:
                gap, block = self.blocks.get_with_gap()
                while gap > 0:  # blocks dropped here: silence keeps every later time true
                    n = min(gap, GAP_CHUNK)
                    self._front_push(np.zeros((len(self.source.speakers), n), np.float32))
                    gap -= n
                if block is None:
                    break
                self._front_push(block)
                self._notice_drops()
            for item in self.front.finish():
                self._work.put(item)
        except BaseException as exc:  # never die silently: the overlay must hear of it
            log.exception("front end failed")
            self.error = exc
            self._status("error", f"audio processing stopped: {exc}")
        finally:
            if self._recording is not None:
                self._recording.close()
            self._work.put(_STOP)

    def _front_push(self, block: np.ndarray) -> None:
        if self._recording is not None:
            self._recording.write(block.T)
        for message in self._dead_sides.push(block):  # at this block's end in call time
            self._status("warning", message, self.front.t + block.shape[1] / SAMPLE_RATE)
        if self._highpass is not None:
            block = self._highpass.push(block)
        for item in self.front.push(block):
            self._early_tone(item)
            self._work.put(item)

    def _early_tone(self, item: WorkItem) -> None:
        if isinstance(item, ClosedSpeech):
            self._emit(ToneUpdate(item.closed_t, item.speaker, item.tone, item.tone_baseline))

    def _back_loop(self) -> None:
        try:
            while True:
                item = self._work.get()
                if item is _STOP:
                    break
                if isinstance(item, _Outcome):
                    self._apply(item)
                    continue
                for event in self.back.process(item):  # type: ignore[arg-type]
                    self._emit(event)
                if self.front.t >= self._trimmed_at + TRIM_EVERY_S:  # as analyze does
                    trim_heap()
                    self._trimmed_at = self.front.t
            for event in self.back.finish(self.front.t):
                self._emit(event)
            with self._outcome_lock:  # marks that arrived behind the end of the work
                while not self._work.empty():
                    left = self._work.get_nowait()
                    if isinstance(left, _Outcome):
                        self._apply(left)
                self._back_done = True
        except BaseException as exc:
            log.exception("back end failed")
            self.error = exc
            self._status("error", f"analysis stopped: {exc}")
        finally:
            with self._outcome_lock:
                self._back_done = True
            trim_heap()  # the call's buffers are free: hand the pages back before the next call
            dropped = self.dropped_audio_s
            # what a site's log keeps of a call: counts and times, never what was said
            log.info(
                "live call ended: %.1f s captured, %.1f s of audio dropped", self.front.t, dropped
            )
            if dropped > 0:
                self._status(
                    "warning", f"{dropped:.1f} s of audio dropped: the computer fell behind"
                )
            self.finished.set()

    def _notice_drops(self) -> None:
        """Tell the overlay while the call runs that audio is being lost (not only at the end)."""
        dropped = self.dropped_audio_s
        if dropped <= self._drop_noticed_s or self.wall_t - self._drop_notice_wall < DROP_NOTICE_S:
            return
        self._drop_noticed_s, self._drop_notice_wall = dropped, self.wall_t
        self._status(
            "warning", f"{dropped:.1f} s of audio dropped so far: the computer is falling behind"
        )

    # ------------------------------------------------------------------ output
    def _status(self, level: str, message: str, t: float | None = None) -> None:
        """Tell the overlay; `t`: the call time it is about (default: the capture's now)."""
        log.log(logging.INFO if level == "info" else logging.WARNING, "%s", message)
        at = self.call_t if t is None else t
        self._emit(StatusMessage(t=at, level=level, message=message))  # type: ignore[arg-type]

    def _emit(self, event: Event) -> None:
        call_t, wall_t = self.call_t, self.wall_t
        if isinstance(event, Utterance) and log.isEnabledFor(logging.DEBUG):
            # what was said reaches the log only when debugging (-vv): logs are kept and
            # shipped around far more casually than the reports
            log.debug("%s %.1f-%.1f s: %s", event.speaker, event.start, event.end, event.text)
        with self._lock:
            self.events.append((event, call_t, wall_t))
            for sink in self.sinks:
                try:
                    sink(event, call_t, wall_t)
                except Exception:  # a broken sink must not stop the call
                    log.exception("event sink failed")


def outcome_events(events: list[tuple[Event, float, float]]) -> list[PromptOutcome]:
    return [e for e, _, _ in events if isinstance(e, PromptOutcome)]
