"""Audio the live path could not keep: counted, said, and never a silent shift of time.

When the pipeline falls behind, the bounded queue drops blocks (a live call cannot wait). What
comes after a dropped block must keep its time: silence stands in the dropped block's place, so
every later utterance, prompt and metric is where it happened in the call. At hang-up nothing is
in a hurry any more: the last blocks wait for the pipeline instead of being dropped.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.capture import END, BlockQueue, SimulatedSource
from app.audio.source import CallAudio
from app.paths import ASSETS_DIR

DEMO = ASSETS_DIR / "demo_call.ogg"


def _block(n: int, value: float) -> np.ndarray:
    return np.full((2, n), value, np.float32)


def test_a_dropped_block_leaves_its_length_with_the_next_one() -> None:
    q = BlockQueue(max_blocks=2)
    for value in (1.0, 2.0, 3.0, 4.0):  # 3 and 4 do not fit
        q.put(_block(100, value))
    assert (q.dropped_blocks, q.dropped_s) == (2, pytest.approx(200 / 16000))
    assert q.get_with_gap(0.1)[0] == 0 and q.get_with_gap(0.1)[0] == 0
    q.put(_block(50, 5.0))
    gap, block = q.get_with_gap(0.1)
    assert gap == 200 and block is not None and block[0, 0] == 5.0


def test_the_end_marker_in_a_full_queue_keeps_the_hole_it_makes() -> None:
    q = BlockQueue(max_blocks=2)
    q.put(_block(100, 1.0))
    q.put(_block(80, 2.0))
    q.put(END)  # never blocks: the oldest block goes to make room, and is counted
    assert q.dropped_blocks == 1
    gap, block = q.get_with_gap(0.1)
    assert gap == 100 and block is not None and block[0, 0] == 2.0  # in place of block 1
    assert q.get_with_gap(0.1) == (0, END)


def test_at_the_end_the_last_blocks_wait_for_the_pipeline() -> None:
    q = BlockQueue(max_blocks=2)
    q.put(_block(100, 1.0))
    q.put(_block(100, 2.0))
    threading.Timer(0.3, q.get).start()  # the pipeline takes one block a little later
    t0 = time.monotonic()
    assert q.put_wait(END, timeout=5)
    assert time.monotonic() - t0 >= 0.25 and q.dropped_blocks == 0
    assert q.get(0.1)[0, 0] == 2.0 and q.get(0.1) is END  # type: ignore[index]


def test_a_replay_that_drops_audio_keeps_the_time_of_what_follows(
    models,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """Far faster than the pipeline can follow: the session drops blocks, and the audio it
    analyses (what `record_to` stores) is the call with silence where blocks were dropped,
    each kept block at its own place, so times after a drop are the call's own."""
    from app.config import Settings
    from app.events import Utterance
    from app.pipeline.live import LiveSession

    wav = tmp_path / "heard.wav"
    source = SimulatedSource(DEMO, speed=2000, block_s=0.5)
    session = LiveSession(source, models, Settings(), queue_blocks=8, record_to=wav)
    session.start()
    assert session.wait(timeout=600)
    assert session.error is None
    assert session.dropped_audio_s > 10  # the test is about drops: there must be some

    call = np.concatenate(list(CallAudio(DEMO, block_s=0.5)), axis=1)
    heard, _ = sf.read(wav, dtype="float32", always_2d=True)
    heard = heard.T
    assert heard.shape == call.shape  # as long as the call: nothing shifted earlier
    block = 8000
    kept = dropped = 0
    for at in range(0, call.shape[1], block):
        got, want = heard[:, at : at + block], call[:, at : at + block]
        if np.array_equal(got, want):
            kept += 1
        else:
            assert not got.any(), f"block at {at / 16000:.1f} s is neither itself nor silence"
            dropped += 1
    assert kept and dropped
    assert dropped * 0.5 == pytest.approx(session.dropped_audio_s, abs=0.5)
    # the session's clock agrees: the last utterance ends within the call, not before its time
    ends = [e.end for e, _, _ in session.events if isinstance(e, Utterance)]
    assert session.front.t == pytest.approx(call.shape[1] / 16000)
    assert all(end <= call.shape[1] / 16000 for end in ends)


class _PacedStream:
    """A stereo device that delivers `seconds` of noise in real time, then nothing."""

    def __init__(self, backend: _PacedBackend, callback) -> None:  # type: ignore[no-untyped-def]
        self.backend, self.callback, self.active = backend, callback, False

    def start(self) -> None:
        self.active = True
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        rng = np.random.default_rng(5)
        t0 = time.monotonic()
        for k in range(round(self.backend.seconds * 10)):
            time.sleep(max(0.0, t0 + (k + 1) * 0.1 - time.monotonic()))
            if not self.active:
                return
            self.callback(rng.standard_normal((1600, 2)).astype(np.float32), 1600, None, None)
        self.backend.done.set()

    def stop(self) -> None:
        self.active = False

    close = stop


class _PacedBackend:
    def __init__(self, seconds: float) -> None:
        self.seconds, self.done = seconds, threading.Event()

    def InputStream(self, device, channels, samplerate, dtype, blocksize, callback):  # type: ignore[no-untyped-def]
        return _PacedStream(self, callback)


def test_hang_up_with_the_pipeline_behind_loses_no_more_blocks() -> None:
    """Capture ends while the pipeline's queue is full: the end of the call waits for the
    pipeline; no block (not even the oldest) is dropped to make room for the end marker."""
    from app.audio.devices import DeviceSource
    from app.config import AudioSettings

    backend = _PacedBackend(3.0)
    source = DeviceSource(AudioSettings(stereo_device="paced"), backend=backend)
    q = BlockQueue(max_blocks=4)  # nobody takes blocks while the call runs
    source.start(q, lambda level, msg: None)
    assert backend.done.wait(10)
    time.sleep(0.3)  # the supervisor has passed the last block on (dropping: the queue is full)
    dropped_while_capturing = q.dropped_blocks
    assert dropped_while_capturing >= 20
    stopper = threading.Thread(target=source.stop)
    stopper.start()  # hang up: the supervisor flushes and waits for room for END
    time.sleep(0.5)
    got = []
    while (b := q.get(timeout=10)) is not END:
        got.append(b)
    stopper.join()
    assert q.dropped_blocks == dropped_while_capturing
    assert len(got) == 4 and all(b.shape == (2, 1600) for b in got)
