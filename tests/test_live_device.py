"""The live path on a sound device gives what `analyze` gives on the samples it captured.

The device is a fake at the edge (this machine has no sound card): it plays a recording into
PortAudio's callback in 0.1 s blocks, as a 16 kHz input stream does, faster than real time.
tests/test_sound_server.py runs the same comparison on a real PulseAudio server.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.devices import DeviceSource
from app.audio.reader import SAMPLE_RATE, read_blocks
from app.config import AudioSettings, Settings
from app.paths import ASSETS_DIR

BLOCK = 1600  # PortAudio delivers 0.1 s blocks at 16 kHz
# An excerpt of the demo call behind 8123 samples of silence: on these samples an unfiltered
# live stream closed the customer's turn one VAD frame later than `analyze` (24.548 s vs 24.516 s)
EXCERPT_S = (28.8, 58.5)
LEAD = 8123


class PlaybackStream:
    """An input stream that plays `audio` ((frames, channels) float32) into its callback."""

    def __init__(self, backend: PlaybackBackend, channels: int, samplerate: int, callback) -> None:  # type: ignore[no-untyped-def]
        if samplerate != SAMPLE_RATE:
            raise RuntimeError("Invalid sample rate")
        assert channels == backend.audio.shape[1]
        self.backend, self.callback = backend, callback
        self.active = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.active = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        audio, at = self.backend.audio, 0
        time.sleep(self.backend.first_block_after)
        while self.active and at < len(audio):
            data = audio[at : at + BLOCK]
            if len(data) < BLOCK:  # the device goes on with silence after the recording
                data = np.concatenate([data, np.zeros((BLOCK - len(data), audio.shape[1]))])
            self.callback(data.astype(np.float32), BLOCK, None, None)
            at += BLOCK
            time.sleep(BLOCK / SAMPLE_RATE / self.backend.speed)
        self.backend.played.set()

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False


class PlaybackBackend:
    """What `DeviceSource` uses of the sounddevice module: one input device playing `audio`."""

    def __init__(self, audio: np.ndarray, speed: float, first_block_after: float = 0.0) -> None:
        self.audio, self.speed = audio, speed
        self.first_block_after = first_block_after  # a slow sound server's first callback
        self.played = threading.Event()

    def InputStream(self, device, channels, samplerate, dtype, blocksize, callback):  # type: ignore[no-untyped-def]
        return PlaybackStream(self, channels, samplerate, callback)


@pytest.fixture(scope="module")
def excerpt() -> np.ndarray:
    """(frames, 2) float32 holding 16-bit values, as a 16-bit device delivers them."""
    audio = np.concatenate(list(read_blocks(ASSETS_DIR / "demo_call.ogg", 1.0)), axis=1)
    lo, hi = (round(s * SAMPLE_RATE) for s in EXCERPT_S)
    x = np.concatenate([np.zeros((2, LEAD), np.float32), audio[:, lo:hi]], axis=1).T
    return (np.round(x * 32767) / 32768).astype(np.float32)


def test_device_live_gives_the_utterances_and_prompts_of_analyze(
    excerpt: np.ndarray,
    models,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    from app.events import Prompt, Utterance
    from app.pipeline import analyze_call
    from app.pipeline.live import LiveSession

    # the recording ends part-way through a device block: a call ends where the agent hangs up
    assert len(excerpt) % BLOCK
    backend = PlaybackBackend(excerpt, speed=4.0)
    source = DeviceSource(AudioSettings(stereo_device="headset"), backend=backend)
    wav = tmp_path / "captured.wav"
    session = LiveSession(source, models, Settings(), record_to=wav)
    session.start()
    assert backend.played.wait(timeout=120)
    session.stop()  # hang up: what was captured is still analysed
    assert session.wait(timeout=300)
    assert session.error is None
    assert session.dropped_audio_s == 0.0, "the machine fell behind: nothing to compare"

    captured, rate = sf.read(wav, dtype="float32", always_2d=True)
    assert rate == SAMPLE_RATE
    # every sample the device delivered reached the pipeline, the last partial block included
    n = -(-len(excerpt) // BLOCK) * BLOCK
    assert len(captured) == n
    assert np.array_equal(captured[: len(excerpt)], excerpt)

    batch = analyze_call(wav, Settings(), models).events
    live = [e for e, _, _ in session.events]

    def turns(events: list) -> list[tuple[str, float, float, str]]:  # type: ignore[type-arg]
        return [(e.speaker, e.start, e.end, e.text) for e in events if isinstance(e, Utterance)]

    def prompts(events: list) -> list[tuple[str, float]]:  # type: ignore[type-arg]
        return [(e.id, e.t) for e in events if isinstance(e, Prompt)]

    assert turns(live) == turns(batch)
    assert len(turns(live)) >= 6
    live_prompts, batch_prompts = prompts(live), prompts(batch)
    assert [i for i, _ in live_prompts] == [i for i, _ in batch_prompts]
    assert np.allclose([t for _, t in live_prompts], [t for _, t in batch_prompts], atol=0.033), (
        live_prompts,
        batch_prompts,
    )


def _status_of(source: DeviceSource) -> list[tuple[str, str]]:
    from app.audio.capture import BlockQueue

    status: list[tuple[str, str]] = []
    source.start(BlockQueue(), lambda level, msg: status.append((level, msg)))
    return status


def test_a_slow_first_block_is_not_a_lost_device() -> None:
    """A stream just opened may take longer than STALL_S to deliver (a sound server under load
    took > 2 s once): that is not a lost device, as long as blocks then come."""
    from app.audio.device_stream import FIRST_BLOCK_S, STALL_S

    tone = np.full((3 * SAMPLE_RATE, 2), 0.1, np.float32)
    backend = PlaybackBackend(tone, speed=1.0, first_block_after=STALL_S + 1.0)
    assert STALL_S + 1.0 < FIRST_BLOCK_S
    source = DeviceSource(AudioSettings(stereo_device="headset"), backend=backend)
    status = _status_of(source)
    assert backend.played.wait(timeout=30)
    source.stop()
    assert ("info", "listening") in status
    assert not [m for _, m in status if "lost" in m], status
    assert source.position_s == pytest.approx(3.0)


def test_a_stall_counts_from_the_last_block() -> None:
    """Blocks stop coming: the device is reported lost STALL_S after the last one."""
    from app.audio.device_stream import STALL_S

    backend = PlaybackBackend(np.full((SAMPLE_RATE, 2), 0.1, np.float32), speed=1.0)
    source = DeviceSource(AudioSettings(stereo_device="headset"), backend=backend, retry_s=30)
    status = _status_of(source)
    assert backend.played.wait(timeout=30)
    last_block = time.monotonic()
    while not [m for _, m in status if "lost" in m] and time.monotonic() < last_block + 10:
        time.sleep(0.02)
    lost_after = time.monotonic() - last_block
    source.stop()
    assert [m for _, m in status if "lost" in m], status
    assert STALL_S - 0.2 < lost_after < STALL_S + 1.0


class NoDefaultDevice:
    """PortAudio with no default input: opening fails, and so does asking about device -1."""

    def InputStream(self, **kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("Error opening InputStream: Invalid device [PaErrorCode -9996]")

    def query_devices(self, device=None, kind=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("Error querying device -1")


def test_no_default_device_is_said_plainly() -> None:
    source = DeviceSource(AudioSettings(), backend=NoDefaultDevice(), retry_s=30)
    status = _status_of(source)
    deadline = time.monotonic() + 10
    while not status and time.monotonic() < deadline:
        time.sleep(0.02)
    source.stop()
    assert status, "the failed open was reported"
    level, message = status[0]
    assert level == "error" and "no default input device" in message, message
    assert "Error querying device -1" not in message and "audio.stereo_device" in message
