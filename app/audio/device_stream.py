"""One sound device's input stream: opened at 16 kHz where the device allows, else resampled as a
stream, its blocks handed on with their frame index and arrival time (`DeviceBlock`).

The audio callback only copies; `DeviceSource` (app/audio/devices.py) supervises the streams,
notices stalls and lost devices, and places the blocks on the call's timeline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.audio.reader import SAMPLE_RATE
from app.audio.resample import StreamResampler
from app.errors import DeviceError

log = logging.getLogger(__name__.replace("app", "callcoach", 1))
STALL_S = 2.0  # no audio for this long since the last block: the device is gone
FIRST_BLOCK_S = 10.0  # a stream just opened may take this long to deliver its first block


def device_arg(value: str) -> int | str | None:
    if not value:
        return None
    return int(value) if value.strip().isdigit() else value


class DeviceStream:
    """One input stream: opened at 16 kHz if the device allows, else resampled as a stream."""

    def __init__(self, sd: Any, device: str, channels: int, sink: Callable[[DeviceBlock], None]):
        self.sd, self.device, self.channels, self.sink = sd, device, channels, sink
        self.opened_at = time.monotonic()
        self.last_data: float | None = None  # when the last block arrived (None: none yet)
        self._stream: Any = None
        self.rate: float = SAMPLE_RATE
        self._resampler: StreamResampler | None = None
        self.epoch = 0  # which opening of the device a block comes from
        self._frames = 0  # frames the device delivered since it was opened (callback thread)
        self.next_frame = 0  # the frame the supervisor expects next
        self.segment_frames = 0  # frames (holes included) since the current segment began

    def open(self) -> None:
        dev = device_arg(self.device)
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
        self.epoch += 1
        self._frames = self.next_frame = self.segment_frames = 0
        self.opened_at = time.monotonic()

    def start(self) -> None:
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
        now = time.monotonic()
        self.last_data = now
        # copy and return: never block the audio thread. The frame index lets the supervisor
        # put silence exactly where a block it could not take in time was
        overflow = bool(getattr(status, "input_overflow", False))
        self.sink(DeviceBlock(self, self.epoch, self._frames, indata.copy(), now, overflow))
        self._frames += len(indata)

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
class DeviceBlock:
    """One device block as the callback saw it."""

    stream: DeviceStream
    epoch: int
    frame: int  # index of its first frame since the device was opened
    data: np.ndarray  # (frames, channels) at the device rate
    arrival: float  # monotonic clock when the callback got it
    overflow: bool  # the audio system says input was lost before it
