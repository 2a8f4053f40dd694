"""Live capture with a fake sound device (this machine has no sound card)."""

from __future__ import annotations

import queue
import threading
import time

import numpy as np
import pytest

from app.audio.capture import END, BlockQueue, list_input_devices
from app.audio.devices import DeviceSource
from app.config import AudioSettings


class FakeStream:
    """Calls its callback from a thread with a 440 Hz tone on channel 0, silence on 1."""

    def __init__(
        self, backend: FakeBackend, device, channels, samplerate, dtype, blocksize, callback
    ) -> None:  # type: ignore[no-untyped-def]
        if backend.missing:
            raise RuntimeError(f"Error querying device {device}")
        if samplerate not in backend.rates:
            raise RuntimeError("Invalid sample rate")
        self.backend, self.channels, self.rate = backend, channels, samplerate
        self.blocksize, self.callback = blocksize, callback
        self.active = False
        self._thread: threading.Thread | None = None
        backend.opened.append(self)

    def start(self) -> None:
        self.active = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        n = 0
        while self.active and not self.backend.unplugged.is_set():
            t = (n + np.arange(self.blocksize)) / self.rate
            data = np.zeros((self.blocksize, self.channels), np.float32)
            data[:, 0] = 0.3 * np.sin(2 * np.pi * 440 * t)
            self.callback(data, self.blocksize, None, None)
            n += self.blocksize
            time.sleep(0.002)  # much faster than real time

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False


class FakeBackend:
    def __init__(self, rates=(16000,), missing=False) -> None:  # type: ignore[no-untyped-def]
        self.rates = rates
        self.missing = missing
        self.unplugged = threading.Event()
        self.opened: list[FakeStream] = []

    def InputStream(self, **kw):  # type: ignore[no-untyped-def]
        return FakeStream(self, **kw)

    def query_devices(self, device=None, kind=None):  # type: ignore[no-untyped-def]
        info = {
            "name": "Fake USB headset",
            "max_input_channels": 2,
            "default_samplerate": 48000.0,
            "hostapi": 0,
        }
        return info if device is not None or kind else [info]

    def query_hostapis(self):  # type: ignore[no-untyped-def]
        return [{"name": "ALSA"}]


def collect(q: BlockQueue, seconds: float) -> list[np.ndarray]:
    blocks, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            b = q.get(timeout=0.05)
        except queue.Empty:
            continue
        if b is END:
            break
        blocks.append(b)
    return blocks


def test_lists_devices_with_channels() -> None:
    devices = list_input_devices(FakeBackend())
    assert devices[0].name == "Fake USB headset" and devices[0].channels == 2


@pytest.mark.parametrize(("agent_channel", "tone_row"), [("left", 0), ("right", 1)])
def test_stereo_device_gives_agent_row_first(agent_channel: str, tone_row: int) -> None:
    settings = AudioSettings(stereo_device="1", agent_channel=agent_channel)
    src = DeviceSource(settings, backend=FakeBackend())
    q, status = BlockQueue(), []
    src.start(q, lambda level, msg: status.append((level, msg)))
    blocks = collect(q, 1.0)
    src.stop()
    block = round(settings.block_s * 16000)
    assert blocks and all(b.shape == (2, block) for b in blocks)
    loud = [float(np.abs(b[i]).max()) for b in blocks[:1] for i in (0, 1)]
    assert loud[tone_row] > 0.2 and loud[1 - tone_row] < 1e-6  # channel 0 carries the tone
    assert ("info", "listening") in status


def test_device_without_16k_is_resampled() -> None:
    src = DeviceSource(AudioSettings(stereo_device="1"), backend=FakeBackend(rates=(48000,)))
    q = BlockQueue()
    src.start(q, lambda *a: None)
    blocks = collect(q, 1.5)
    src.stop()
    assert blocks
    audio = np.concatenate(blocks, axis=1)[0, :16000]
    assert audio.size == 16000
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.argmax(spectrum) * 16000 / audio.size - 440) < 5


def test_missing_device_reports_and_keeps_retrying() -> None:
    backend = FakeBackend(missing=True)
    src = DeviceSource(AudioSettings(stereo_device="9"), backend=backend, retry_s=0.05)
    q, status = BlockQueue(), []
    src.start(q, lambda level, msg: status.append((level, msg)))
    time.sleep(0.3)
    assert any(level == "error" and "cannot open" in msg for level, msg in status)
    backend.missing = False  # plugged in
    blocks = collect(q, 1.0)
    src.stop()
    assert blocks, "capture resumes when the device appears"


def test_unplugged_mid_call_is_reported_and_capture_resumes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import app.audio.device_stream as devices

    monkeypatch.setattr(devices, "STALL_S", 0.2)
    monkeypatch.setattr(devices, "FIRST_BLOCK_S", 0.2)  # a reopened stream that stays silent
    backend = FakeBackend()
    src = DeviceSource(AudioSettings(stereo_device="1"), backend=backend, retry_s=0.05)
    q, status = BlockQueue(), []
    src.start(q, lambda level, msg: status.append((level, msg)))
    assert collect(q, 0.5)
    backend.unplugged.set()
    time.sleep(0.6)
    assert any("lost" in msg for _, msg in status)
    backend.unplugged.clear()
    assert collect(q, 1.0), "capture resumes when the device returns"
    src.stop()


def test_full_queue_drops_and_counts_without_blocking() -> None:
    q = BlockQueue(max_blocks=2)
    block = np.zeros((2, 8000), np.float32)
    t0 = time.perf_counter()
    for _ in range(10):
        q.put(block)
    assert time.perf_counter() - t0 < 0.1
    assert q.dropped_blocks == 8 and q.dropped_s == pytest.approx(4.0)
    q.put(END)  # the end marker always gets in
    got = [q.get(timeout=0.1) for _ in range(2)]
    assert got[-1] is END


def _speech_like(rate: int, seconds: float) -> np.ndarray:
    """Two channels of band-limited noise and tones (all below 7 kHz), as a telephone line."""
    from scipy.signal import butter, sosfilt

    rng = np.random.default_rng(7)
    t = np.arange(round(rate * seconds)) / rate
    noise = sosfilt(butter(8, 3400, fs=rate, output="sos"), rng.standard_normal((2, t.size)))
    tones = np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 1330 * t)])
    return (0.2 * noise + 0.2 * tones).astype(np.float32).T  # (frames, channels)


@pytest.mark.parametrize("rate", [48000, 44100, 22050])
def test_stream_resampler_matches_resampling_the_whole_signal(rate: int) -> None:
    from fractions import Fraction

    from scipy.signal import resample_poly

    from app.audio.resample import StreamResampler

    signal = _speech_like(rate, 3.0)
    block = round(rate * 0.1)  # 100 ms device blocks, as the capture callback delivers them
    resampler = StreamResampler(rate, 16000, 2)
    parts = [resampler.push(signal[i : i + block]) for i in range(0, len(signal), block)]
    parts.append(resampler.push(signal[:0], last=True))
    streamed = np.concatenate(parts, axis=1)
    # the whole signal at once, by an independent implementation (scipy's polyphase filter)
    ratio = Fraction(16000, rate)
    whole = resample_poly(signal.T, ratio.numerator, ratio.denominator, axis=1)
    assert streamed.shape == whole.shape
    inner = slice(1600, -1600)  # away from the two ends, where the filters see zeros
    assert np.max(np.abs(streamed[:, inner] - whole[:, inner])) < 2e-3
    # resampling each block on its own (what capture did before) breaks at every block edge
    per_block = np.concatenate(
        [
            resample_poly(signal[i : i + block].T, ratio.numerator, ratio.denominator, axis=1)
            for i in range(0, len(signal), block)
        ],
        axis=1,
    )
    assert np.max(np.abs(per_block[:, inner] - whole[:, inner])) > 10 * np.max(
        np.abs(streamed[:, inner] - whole[:, inner])
    )


def test_device_at_48k_gives_a_continuous_16k_signal() -> None:
    src = DeviceSource(AudioSettings(stereo_device="1"), backend=FakeBackend(rates=(48000,)))
    q = BlockQueue()
    src.start(q, lambda *a: None)
    blocks = collect(q, 1.5)
    src.stop()
    audio = np.concatenate(blocks, axis=1)[0]
    assert audio.size >= 16000
    # the fake device plays one unbroken 440 Hz tone from its first sample
    expected = 0.3 * np.sin(2 * np.pi * 440 * np.arange(audio.size) / 16000)
    assert np.max(np.abs(audio[800:] - expected[800:])) < 1e-3  # no click at block edges


def test_raw_blocks_dropped_before_the_pipeline_are_counted_in_seconds() -> None:
    from app.audio.device_stream import DeviceBlock, DeviceStream

    src = DeviceSource(AudioSettings(stereo_device="1"), backend=FakeBackend(rates=(48000,)))
    stream = DeviceStream(src.sd, "1", 2, src._put)
    stream.rate = 48000.0
    block = np.zeros((4800, 2), np.float32)
    for i in range(src._raw.maxsize + 5):  # nobody drains: the supervisor is not running
        src._put(DeviceBlock(stream, 0, i * 4800, block, 0.0, False))
    assert src.raw_dropped == 5 and src.dropped_s == pytest.approx(0.5)
