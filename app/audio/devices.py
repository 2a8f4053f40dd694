"""Capturing a live call from sound devices, surviving devices that are missing or unplugged.

Two set-ups (settings `audio.*`):
- one stereo device carrying agent and customer on separate channels (`stereo_device`; the agent
  on `agent_channel`), as telephony headset adapters do;
- two devices: the agent's microphone (`agent_device`) and the customer's side
  (`customer_device`), a loopback/monitor source of the output device.
A supervisor thread opens the streams, watches them, reports problems through the status callback
and reopens them every few seconds until they come back. The audio callbacks only copy.
A device counts as lost when its stream stops or stalls, and also when the sound server moved
the stream to another source (PulseAudio does that, silently, when a device goes away:
`pulse_routes`); each loss is kept in `repairs` for the call's report. The streams' audio is
placed on the call's timeline by `capture_timeline`: counted within a stream, placed by capture
time where a stream (re)starts, silence for the time a device was away.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.audio.capture import END, END_WAIT_S, BlockQueue, StatusCallback, _sounddevice
from app.audio.capture_timeline import CaptureTimeline, Gap
from app.audio.device_stream import DeviceBlock, DeviceStream
from app.audio.pulse_routes import SourceRoutes
from app.audio.reader import SAMPLE_RATE, AudioRepair
from app.config import AudioSettings
from app.errors import DeviceError
from app.events import Speaker

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
ROUTE_CHECK_S = 0.5  # how often the sound server is asked where capture comes from (~0.3 ms)


@dataclass(frozen=True)
class _Loss:
    why: str
    call_t: float  # call time when it went
    wall: float  # monotonic clock when it went


class DeviceSource:
    """Agent and customer captured live, delivered as (2, samples) blocks: agent row first.

    Two devices are placed on one timeline by when their audio was captured
    (`capture_timeline`): a device that comes back, or a stream whose first blocks arrive late,
    lands where it was captured, with silence before it, never shifted against the other side.
    """

    def __init__(
        self,
        settings: AudioSettings,
        backend: Any = None,
        retry_s: float = 2.0,
        block_s: float | None = None,
        routes: SourceRoutes | None = None,
    ) -> None:
        self.settings = settings
        self.speakers: list[Speaker] = ["agent", "customer"]
        self.highpassed = False  # raw samples: the live session applies analyze's high-pass
        self.sd = backend or _sounddevice()
        if self.sd is None:
            raise DeviceError("no audio system: the PortAudio library is not installed")
        self.retry_s = retry_s
        self.block = round((block_s or settings.block_s) * SAMPLE_RATE)
        self._raw: queue.Queue[DeviceBlock] = queue.Queue(maxsize=400)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivered = 0
        self.raw_dropped = 0  # device blocks the supervisor could not take in time
        self.raw_dropped_s = 0.0
        self.lost_input_s = 0.0  # input the audio system itself lost (silence in its place)
        self.routes = routes if routes is not None else SourceRoutes()
        self.expected_routes: list[str] | None = None  # server sources of the first good open
        self.repairs: list[AudioRepair] = []  # devices lost, input lost: for the report
        self._lost: _Loss | None = None
        self._timeline: CaptureTimeline | None = None
        self._gaps_seen = 0
        self._swap = False

    @property
    def dropped_s(self) -> float:
        """Seconds of captured audio lost before reaching the pipeline's queue."""
        return self.raw_dropped_s + self.lost_input_s

    @property
    def position_s(self) -> float:
        return self._delivered / SAMPLE_RATE

    def _streams(self) -> list[DeviceStream]:
        s = self.settings
        if s.stereo_device or not (s.agent_device or s.customer_device):
            return [DeviceStream(self.sd, s.stereo_device, 2, self._put)]
        return [
            DeviceStream(self.sd, s.agent_device, 1, self._put),
            DeviceStream(self.sd, s.customer_device, 1, self._put),
        ]

    def _put(self, block: DeviceBlock) -> None:
        try:
            self._raw.put_nowait(block)
        except queue.Full:
            self.raw_dropped += 1
            self.raw_dropped_s += block.data.shape[0] / block.stream.rate

    def start(self, out: BlockQueue, on_status: StatusCallback) -> None:
        self._thread = threading.Thread(
            target=self._supervise, args=(out, on_status), name="device-capture", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ------------------------------------------------------------------
    def _supervise(self, out: BlockQueue, on_status: StatusCallback) -> None:
        streams = self._streams()
        self._swap = len(streams) == 1 and self.settings.agent_channel != "left"
        self._timeline = CaptureTimeline([s.channels for s in streams], self.block)
        opened = False
        # named devices only: a stream on the default device may follow the default
        watch_routes = all(s.device for s in streams)
        checked_routes = 0.0
        try:
            while not self._stop.is_set():
                if not opened:
                    opened = self._open_all(streams, on_status)
                    if not opened:
                        self._stop.wait(self.retry_s)
                        continue
                self._drain(streams, out, on_status)
                problem = None
                if not all(s.alive for s in streams):
                    names = ", ".join(s.device or "default device" for s in streams if not s.alive)
                    problem = f"audio device lost ({names})"
                elif watch_routes and time.monotonic() - checked_routes >= ROUTE_CHECK_S:
                    checked_routes = time.monotonic()
                    problem = self._route_problem(streams)
                if problem is not None:
                    on_status("error", f"{problem}; reconnecting…")
                    for s in streams:
                        s.close()
                    # what came before the loss goes on whole, the rows padded to one length
                    self._drain_rest(streams, out, on_status)
                    self._lost = _Loss(problem, self.position_s, time.monotonic())
                    opened = False
        finally:
            for s in streams:
                s.close()
            self.routes.close()
            try:  # the call has ended: what was captured up to now still reaches the pipeline
                self._drain_rest(streams, out, on_status, hung_up=True)
            finally:
                if self._lost is not None:
                    self._note_loss(None, on_status)
                out.put_wait(END, timeout=END_WAIT_S)

    def _route_problem(self, streams: list[DeviceStream]) -> str | None:
        """Where the sound server records our streams from, against where they started: a
        device that went away has its stream moved to another source, with no error."""
        if any(s.last_data is None for s in streams):
            return None  # not all streams running yet
        now = self.routes.routes()
        if now is None or len(now) < len(streams):
            return None  # no server to ask, or a stream that died: the stall check sees it
        if self.expected_routes is None:
            if len(now) == len(streams):
                self.expected_routes = now  # the devices asked for, as the server names them
            return None
        gone = sorted((Counter(self.expected_routes) - Counter(now)).elements())
        if not gone:
            return None
        moved_to = sorted((Counter(now) - Counter(self.expected_routes)).elements())
        names = ", ".join(s.device for s in streams)
        return (
            f"audio device lost ({names}): the sound server moved capture from "
            f"{', '.join(gone)} to {', '.join(moved_to)}"
        )

    def _note_loss(self, gap: Gap | None, on_status: StatusCallback) -> None:
        """The lost device's entry for the report: how long it was away and what stands in the
        call's timeline for that time (`gap`: where it came back; None: it did not)."""
        lost = self._lost
        if lost is None:
            return
        self._lost = None
        away = time.monotonic() - lost.wall
        if gap is None:
            detail = f"{lost.why}; it had not come back {away:.1f} s later, when the call ended"
            self.repairs.append(AudioRepair("audio device lost", lost.call_t, away, detail=detail))
            return
        detail = (
            f"{lost.why}; it came back: {gap.length_s:.1f} s of silence stand in the call for "
            "the time it was away, both sides placed where they were captured"
        )
        self.repairs.append(AudioRepair("audio device lost", gap.at_s, gap.length_s, detail=detail))
        on_status(
            "warning",
            f"audio is back: {gap.length_s:.1f} s of silence from {gap.at_s:.1f} s stand for "
            "the time the device was away",
        )

    def _note_gaps(self, streams: list[DeviceStream], on_status: StatusCallback) -> None:
        """Placements the timeline made since last asked: a device back after a loss, or
        input the audio system lost (its length only known once the stream runs on)."""
        assert self._timeline is not None
        gaps = self._timeline.gaps
        for gap in gaps[self._gaps_seen :]:
            if self._lost is not None and len(gap.streams) == len(streams):
                self._note_loss(gap, on_status)
            elif gap.length_s > 0:
                names = ", ".join(streams[s].device or "default device" for s in gap.streams)
                self.lost_input_s += gap.length_s
                self.repairs.append(
                    AudioRepair(
                        "audio gap",
                        gap.at_s,
                        gap.length_s,
                        detail=f"the audio system lost input from {names} (the computer fell "
                        "behind); silence stands in its place, so later audio keeps its time",
                    )
                )
                on_status(
                    "warning",
                    f"{gap.length_s:.1f} s of audio lost by the audio system at "
                    f"{gap.at_s:.1f} s ({names}); silence in its place",
                )
        self._gaps_seen = len(gaps)

    def _open_all(self, streams: list[DeviceStream], on_status: StatusCallback) -> bool:
        try:
            for s in streams:  # opening is the slow part: start them together afterwards
                s.open()
            for s in streams:
                s.start()
        except Exception as exc:
            for s in streams:
                s.close()
            on_status("error", f"cannot open audio device: {exc}; retrying in {self.retry_s:.0f} s")
            return False
        assert self._timeline is not None
        self._timeline.begin(list(range(len(streams))))
        on_status("info", "listening")
        return True

    def _drain_rest(
        self,
        streams: list[DeviceStream],
        out: BlockQueue,
        on_status: StatusCallback,
        hung_up: bool = False,
    ) -> None:
        """After a loss, or at the end: the blocks still queued, the resamplers' tails and the
        last partial block (the shorter side of two devices padded with silence). At hang-up
        nothing is in a hurry any more: it waits for room in the pipeline's queue."""
        while True:
            try:
                self._take(self._raw.get_nowait(), streams, out, on_status, hung_up)
            except queue.Empty:
                break
        assert self._timeline is not None
        for i, stream in enumerate(streams):
            tail = stream.flush()
            if tail.shape[1]:
                seg = stream.segment_frames / stream.rate
                self._timeline.add(i, tail, None, seg)
        for block in self._timeline.flush():
            self._emit(out, block, hung_up)
        self._note_gaps(streams, on_status)

    def _drain(
        self, streams: list[DeviceStream], out: BlockQueue, on_status: StatusCallback
    ) -> None:
        try:
            block = self._raw.get(timeout=0.1)
        except queue.Empty:
            return
        self._take(block, streams, out, on_status)

    def _take(
        self,
        block: DeviceBlock,
        streams: list[DeviceStream],
        out: BlockQueue,
        on_status: StatusCallback,
        hung_up: bool = False,
    ) -> None:
        stream = block.stream
        if block.epoch != stream.epoch:
            return  # from a stream closed before it was drained (its rest is already placed)
        timeline = self._timeline
        assert timeline is not None
        which = streams.index(stream)
        if block.overflow:  # the audio system lost input before this block: place it anew
            log.warning("%s: input overflow", stream.device or "default device")
            timeline.begin([which])
            stream.segment_frames = 0
        if block.frame > stream.next_frame:  # blocks we could not take in time: silence there
            hole = block.frame - stream.next_frame
            zeros = np.zeros((hole, stream.channels), np.float32)
            stream.segment_frames += hole
            held_s = stream.segment_frames / stream.rate
            timeline.add(which, stream.convert(zeros), None, held_s)
        n = block.data.shape[0]
        stream.next_frame = block.frame + n
        stream.segment_frames += n
        captured_s = stream.segment_frames / stream.rate
        timeline.add(which, stream.convert(block.data), block.arrival, captured_s)
        for ready in timeline.ready():
            self._emit(out, ready, hung_up)
        self._note_gaps(streams, on_status)

    def _emit(self, out: BlockQueue, block: np.ndarray, hung_up: bool = False) -> None:
        if self._swap:  # one stereo device with the agent on the right: agent row first
            block = block[::-1]
        self._delivered += block.shape[1]
        block = np.ascontiguousarray(block, dtype=np.float32)
        if hung_up:  # the call is over: no reason left to drop anything
            out.put_wait(block, timeout=END_WAIT_S)
        else:
            out.put(block)
