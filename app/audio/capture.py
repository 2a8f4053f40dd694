"""Live audio sources: sound devices (sounddevice) and a recording replayed as if live.

Every source delivers (channels, samples) float32 blocks at 16 kHz into a `BlockQueue`. The audio
callback only copies into that bounded queue and returns: it never blocks and never waits for
the pipeline; when the pipeline falls behind, blocks are dropped and counted.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from app.audio.reader import SAMPLE_RATE, AudioRepair
from app.audio.source import CallAudio
from app.events import Speaker

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
END = None  # marks the end of a source's audio in the queue
END_WAIT_S = 60.0  # at the end, how long the last blocks may wait for the pipeline to take them


class BlockQueue:
    """Bounded, non-blocking for producers; counts what it had to drop, and where.

    A dropped block leaves a hole: the next block that gets in carries its length
    (`get_with_gap`), so the consumer can keep the call's time (silence in its place) instead of
    joining the audio on either side of the hole as if nothing had been there."""

    def __init__(self, max_blocks: int = 200) -> None:
        self.max_blocks = max_blocks
        self._items: deque[list[Any]] = deque()  # [samples missing before it, block]
        self._ready = threading.Condition()
        self._hole = 0  # samples dropped since the last block that got in
        self.dropped_blocks = 0
        self.dropped_s = 0.0

    def put(self, block: np.ndarray | None) -> None:
        with self._ready:
            if len(self._items) >= self.max_blocks:
                if block is not None:
                    self._count_drop(block.shape[-1])
                    self._hole += block.shape[-1]
                    return
                # the end marker must arrive: make room for it
                gap, old = self._items.popleft()
                if old is not None:
                    self._count_drop(old.shape[-1])
                    if self._items:
                        self._items[0][0] += gap + old.shape[-1]
            self._items.append([self._hole, block])
            self._hole = 0
            self._ready.notify_all()

    def wait_for_room(self, timeout: float) -> bool:
        """Wait up to `timeout` s until a block can get in without a drop."""
        with self._ready:
            return self._ready.wait_for(lambda: len(self._items) < self.max_blocks, timeout)

    def put_wait(self, block: np.ndarray | None, timeout: float) -> bool:
        """Wait up to `timeout` s for room (the call has ended: nothing needs dropping any
        more); then put as `put` does. True if it got in without dropping anything."""
        room = self.wait_for_room(timeout)
        self.put(block)
        return room

    def _count_drop(self, samples: int) -> None:
        self.dropped_blocks += 1
        self.dropped_s += samples / SAMPLE_RATE

    def get(self, timeout: float | None = None) -> np.ndarray | None:
        """The next block; END (None) once the source has finished. Raises queue.Empty."""
        return self.get_with_gap(timeout)[1]

    def get_with_gap(self, timeout: float | None = None) -> tuple[int, np.ndarray | None]:
        """(samples dropped just before it, the next block or END). Raises queue.Empty."""
        with self._ready:
            if not self._ready.wait_for(lambda: bool(self._items), timeout):
                raise queue.Empty
            gap, block = self._items.popleft()
            self._ready.notify_all()
            return gap, block


StatusCallback = Callable[[str, str], None]  # (level, message)


class AudioSource(Protocol):
    speakers: list[Speaker]
    # True: the blocks are already high-passed as `analyze` reads a recording (`CallAudio`);
    # False: raw device samples, which the live session filters the same way
    highpassed: bool

    def start(self, out: BlockQueue, on_status: StatusCallback) -> None: ...
    def stop(self) -> None: ...

    @property
    def position_s(self) -> float:
        """Seconds of call audio delivered so far."""
        ...


class SimulatedSource:
    """A recording fed through the live path in real time (or `speed` times faster).

    As a device does, it drops what the pipeline cannot take in time (counted and reported).
    `lossless`: it waits for the pipeline instead, so the replay runs at most `speed` times
    real time and every sample is analysed: a check that live gives what `analyze` gives must
    not depend on how busy the machine is.
    """

    def __init__(
        self,
        path: Path,
        agent_channel: str = "left",
        speed: float = 1.0,
        block_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        lossless: bool = False,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.audio = CallAudio(path, agent_channel, block_s)  # raises AudioReadError early
        self.speakers = list(self.audio.speakers)
        self.highpassed = True  # CallAudio filters as it reads
        self.speed = speed
        self.lossless = lossless
        self._clock, self._sleep = clock, sleep
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._delivered = 0

    @property
    def position_s(self) -> float:
        return self._delivered / SAMPLE_RATE

    @property
    def repairs(self) -> list[AudioRepair]:
        """What the reader found wrong with the recording so far (cut short, a corrupt
        stretch, NaN samples, how its channels or streams were read): the live report's
        warnings, as `analyze` gives them for the same file."""
        return list(self.audio.repairs)

    def start(self, out: BlockQueue, on_status: StatusCallback) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(out, on_status), name="simulated-capture", daemon=True
        )
        self._thread.start()

    def _run(self, out: BlockQueue, on_status: StatusCallback) -> None:
        t0 = self._clock()
        try:
            for block in self.audio:
                if self._stop.is_set():
                    break
                # a block is "captured" once its last sample has been spoken
                due = t0 + (self._delivered + block.shape[1]) / SAMPLE_RATE / self.speed
                wait = due - self._clock()
                if wait > 0:
                    self._sleep(wait)
                waited_from = self._clock()
                while self.lossless and not out.wait_for_room(0.2):
                    if self._stop.is_set():
                        return  # (the finally puts END)
                t0 += self._clock() - waited_from  # the pace resumes from here: never faster
                self._delivered += block.shape[1]
                out.put(block)
        except Exception as exc:  # a file that breaks part-way: report, keep what we have
            log.exception("simulated capture failed")
            on_status("error", f"{self.audio.path.name}: {exc}")
        finally:  # the replay is over: the end marker waits for room, no block is dropped for it
            out.put_wait(END, timeout=END_WAIT_S)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


@dataclass(frozen=True)
class DeviceInfo:
    id: int
    name: str
    channels: int
    default_rate: float
    hostapi: str

    def line(self) -> str:
        rate = f"{self.default_rate:7.0f} Hz"
        return f"{self.id:3d}  {self.channels} ch  {rate}  {self.hostapi:12s} {self.name}"


def list_input_devices(backend: Any = None) -> list[DeviceInfo]:
    """Input devices with their ids and channel counts (empty if there is no audio system)."""
    sd = backend or _sounddevice()
    if sd is None:
        return []
    try:
        devices = sd.query_devices()
        hostapis = sd.query_hostapis()
    except Exception as exc:  # PortAudio errors: no audio system
        log.warning("cannot list audio devices: %s", exc)
        return []
    out = []
    for i, d in enumerate(devices):
        if d.get("max_input_channels", 0) > 0:
            api = hostapis[d["hostapi"]]["name"] if d.get("hostapi") is not None else ""
            out.append(
                DeviceInfo(i, d["name"], d["max_input_channels"], d["default_samplerate"], api)
            )
    return out


def _sounddevice() -> Any:
    try:
        import sounddevice

        return sounddevice
    except OSError as exc:  # the PortAudio library is missing
        log.warning("sound devices unavailable: %s", exc)
        return None
