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
`pulse_routes`); each loss is kept in `repairs` for the call's report.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.audio.capture import END, BlockQueue, StatusCallback, _sounddevice
from app.audio.pulse_routes import SourceRoutes
from app.audio.reader import SAMPLE_RATE, AudioRepair
from app.audio.resample import StreamResampler
from app.config import AudioSettings
from app.errors import DeviceError
from app.events import Speaker

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
STALL_S = 2.0  # no audio for this long since the last block: the device is gone
FIRST_BLOCK_S = 10.0  # a stream just opened may take this long to deliver its first block
MAX_SKEW_S = 1.0  # two devices: pad the silent one with zeros beyond this lag
ROUTE_CHECK_S = 0.5  # how often the sound server is asked where capture comes from (~0.3 ms)


def _device_arg(value: str) -> int | str | None:
    if not value:
        return None
    return int(value) if value.strip().isdigit() else value


class _Stream:
    """One input stream: opened at 16 kHz if the device allows, else resampled as a stream."""

    def __init__(
        self, sd: Any, device: str, channels: int, sink: Callable[[np.ndarray, float], None]
    ):
        self.sd, self.device, self.channels, self.sink = sd, device, channels, sink
        self.opened_at = time.monotonic()
        self.last_data: float | None = None  # when the last block arrived (None: none yet)
        self._stream: Any = None
        self.rate: float = SAMPLE_RATE
        self._resampler: StreamResampler | None = None

    def open(self) -> None:
        dev = _device_arg(self.device)
        self._resampler = None
        self.rate = SAMPLE_RATE
        try:
            self._stream = self._make(dev, SAMPLE_RATE)
        except Exception as first:
            try:  # perhaps it only refuses 16 kHz: try its own rate
                info = self.sd.query_devices(dev, "input")
            except Exception:  # no such device (PortAudio: "Error querying device -1")
                if dev is None:
                    raise DeviceError(
                        f"no default input device ({first}); choose one with "
                        "audio.stereo_device or audio.agent_device + audio.customer_device "
                        "(see `callcoach devices`)"
                    ) from None
                raise first from None
            rate = int(info["default_samplerate"])
            self._stream = self._make(dev, rate)
            self.rate = rate
            # a fresh filter per opened stream: a reopened device starts a new signal
            self._resampler = StreamResampler(rate, SAMPLE_RATE, self.channels)
        self.last_data = None
        self.opened_at = time.monotonic()
        self._stream.start()

    def _make(self, dev: int | str | None, rate: int) -> Any:
        return self.sd.InputStream(
            device=dev,
            channels=self.channels,
            samplerate=rate,
            dtype="float32",
            blocksize=int(rate * 0.1),
            callback=self._callback,
        )

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        self.last_data = time.monotonic()
        self.sink(indata.copy(), self.rate)  # copy and return: never block the audio thread

    def convert(self, data: np.ndarray) -> np.ndarray:
        """(frames, channels) at the device rate -> (channels, frames) at 16 kHz.

        Blocks must come in capture order: the resampler carries its filter state across them."""
        if self._resampler is not None:
            return self._resampler.push(data)
        return np.ascontiguousarray(data.T, dtype=np.float32)

    def flush(self) -> np.ndarray:
        """What the resampler still holds once the stream has ended ((channels, n) at 16 kHz)."""
        if self._resampler is None:
            return np.zeros((self.channels, 0), np.float32)
        return self._resampler.push(np.zeros((0, self.channels), np.float32), last=True)

    @property
    def alive(self) -> bool:
        """Active and delivering: a stall counts from the last block received; a stream just
        opened gets FIRST_BLOCK_S for its first one (a sound server under load can be slow)."""
        if not bool(getattr(self._stream, "active", True)):
            return False
        now = time.monotonic()
        if self.last_data is None:
            return now - self.opened_at < FIRST_BLOCK_S
        return now - self.last_data < STALL_S

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # closing a device that vanished
                log.debug("closing %s failed", self.device, exc_info=True)
            self._stream = None


@dataclass(frozen=True)
class _Loss:
    why: str
    call_t: float  # call time when it went
    wall: float  # monotonic clock when it went


class DeviceSource:
    """Agent and customer captured live, delivered as (2, samples) blocks: agent row first."""

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
        self._raw: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=400)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivered = 0
        self.raw_dropped = 0  # device blocks the supervisor could not take in time
        self.raw_dropped_s = 0.0
        self.routes = routes if routes is not None else SourceRoutes()
        self.expected_routes: list[str] | None = None  # server sources of the first good open
        self.repairs: list[AudioRepair] = []  # devices lost during the call, for the report
        self._lost: _Loss | None = None

    @property
    def dropped_s(self) -> float:
        """Seconds of captured audio lost before reaching the pipeline's queue."""
        return self.raw_dropped_s

    @property
    def position_s(self) -> float:
        return self._delivered / SAMPLE_RATE

    def _streams(self) -> list[_Stream]:
        s = self.settings
        if s.stereo_device or not (s.agent_device or s.customer_device):
            return [_Stream(self.sd, s.stereo_device, 2, lambda d, r: self._put(0, d, r))]
        return [
            _Stream(self.sd, s.agent_device, 1, lambda d, r: self._put(1, d, r)),
            _Stream(self.sd, s.customer_device, 1, lambda d, r: self._put(2, d, r)),
        ]

    def _put(self, which: int, data: np.ndarray, rate: float) -> None:
        try:
            self._raw.put_nowait((which, data))
        except queue.Full:
            self.raw_dropped += 1
            self.raw_dropped_s += data.shape[0] / rate

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
        pending = {
            0: np.zeros((2, 0), np.float32),
            1: np.zeros((1, 0), np.float32),
            2: np.zeros((1, 0), np.float32),
        }
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
                self._drain(streams, pending, out)
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
                    # what came before the loss goes on whole: two devices stay aligned
                    self._drain_rest(streams, pending, out)
                    self._lost = _Loss(problem, self.position_s, time.monotonic())
                    opened = False
        finally:
            for s in streams:
                s.close()
            self.routes.close()
            try:  # the call has ended: what was captured up to now still reaches the pipeline
                self._drain_rest(streams, pending, out)
            finally:
                if self._lost is not None:
                    self._note_gap(came_back=False)
                out.put(END)

    def _route_problem(self, streams: list[_Stream]) -> str | None:
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

    def _note_gap(self, came_back: bool) -> None:
        lost = self._lost
        if lost is None:
            return
        self._lost = None
        away = time.monotonic() - lost.wall
        if came_back:
            detail = f"{lost.why}; nothing was heard for {away:.1f} s until it came back"
        else:
            detail = f"{lost.why}; it had not come back {away:.1f} s later, when the call ended"
        # call time only runs while audio comes in: the gap is in wall-clock seconds
        self.repairs.append(AudioRepair("audio device lost", lost.call_t, away, detail=detail))

    def _open_all(self, streams: list[_Stream], on_status: StatusCallback) -> bool:
        try:
            for s in streams:
                s.open()
        except Exception as exc:
            for s in streams:
                s.close()
            on_status("error", f"cannot open audio device: {exc}; retrying in {self.retry_s:.0f} s")
            return False
        on_status("info", "listening")
        self._note_gap(came_back=True)
        return True

    def _drain_rest(
        self, streams: list[_Stream], pending: dict[int, np.ndarray], out: BlockQueue
    ) -> None:
        """At the end: the blocks still queued, the resamplers' tails and the last partial
        block (the shorter side of two devices padded with silence to the longer)."""
        while True:
            try:
                self._take(self._raw.get_nowait(), streams, pending, out)
            except queue.Empty:
                break
        rows = [0] if len(streams) == 1 else [1, 2]
        for which, stream in zip(rows, streams, strict=True):
            pending[which] = np.concatenate([pending[which], stream.flush()], axis=1)
        if len(streams) == 1:
            if pending[0].shape[1]:
                agent = 0 if self.settings.agent_channel == "left" else 1
                self._emit(out, pending[0][[agent, 1 - agent]])
            pending[0] = pending[0][:, :0]
            return
        a, c = pending[1], pending[2]
        n = max(a.shape[1], c.shape[1])
        if n:
            a = np.pad(a, ((0, 0), (0, n - a.shape[1])))
            c = np.pad(c, ((0, 0), (0, n - c.shape[1])))
            self._emit(out, np.concatenate([a, c], axis=0))
        pending[1], pending[2] = a[:, :0], c[:, :0]

    def _drain(
        self, streams: list[_Stream], pending: dict[int, np.ndarray], out: BlockQueue
    ) -> None:
        try:
            item = self._raw.get(timeout=0.1)
        except queue.Empty:
            return
        self._take(item, streams, pending, out)

    def _take(
        self,
        item: tuple[int, np.ndarray],
        streams: list[_Stream],
        pending: dict[int, np.ndarray],
        out: BlockQueue,
    ) -> None:
        which, data = item
        stream = streams[0] if which in (0, 1) else streams[1]
        pending[which] = np.concatenate([pending[which], stream.convert(data)], axis=1)
        if which == 0:
            stereo = pending[0]
            agent = 0 if self.settings.agent_channel == "left" else 1
            while stereo.shape[1] >= self.block:
                block, stereo = stereo[:, : self.block], stereo[:, self.block :]
                self._emit(out, block[[agent, 1 - agent]])
            pending[0] = stereo
            return
        a, c = pending[1], pending[2]
        skew = self.block + round(MAX_SKEW_S * SAMPLE_RATE)
        if a.shape[1] > skew and c.shape[1] == 0:
            c = np.zeros((1, a.shape[1]), np.float32)  # the customer's side is silent/stalled
        if c.shape[1] > skew and a.shape[1] == 0:
            a = np.zeros((1, c.shape[1]), np.float32)
        while a.shape[1] >= self.block and c.shape[1] >= self.block:
            self._emit(out, np.concatenate([a[:, : self.block], c[:, : self.block]], axis=0))
            a, c = a[:, self.block :], c[:, self.block :]
        pending[1], pending[2] = a, c

    def _emit(self, out: BlockQueue, block: np.ndarray) -> None:
        self._delivered += block.shape[1]
        out.put(np.ascontiguousarray(block, dtype=np.float32))
