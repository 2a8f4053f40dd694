"""Two capture devices stay aligned: blocks are placed by when they were captured.

The devices here are fakes at the edge that capture a known "world" signal in real time: each
row of the world is one side of the call, and streams started at monotonic time t capture the
world from sample (t - t0) * 16000 on, delivering 0.1 s blocks at real-time pace (or late, in a
burst, as a loaded sound server does). Where a row's audio sits in the world says where it was
captured, so alignment is read off exactly. The two devices opened together begin capturing at
one instant, when the second is started (as streams a sound server runs on one clock): the
supervisor starts them one after the other, and on a loaded machine that took up to 96 ms,
which the fakes would otherwise have turned into a real offset between the two sides, one under
the timeline's resolution (SNAP_S) and over what these tests allow (10 ms).
tests/test_sound_server.py does the same on a real PulseAudio server.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from scipy.signal import correlate

from app.audio.capture import END, BlockQueue
from app.audio.capture_timeline import SNAP_S, CaptureTimeline
from app.audio.devices import DeviceSource
from app.audio.reader import SAMPLE_RATE
from app.config import AudioSettings

BLOCK = 1600
WORLD_S = 40
UNPLUGGED_S = 0.4  # an unplugged device's stream stops this long after its last block


class _Flags:
    input_overflow = False


class WorldStream:
    def __init__(self, backend: WorldBackend, device: str, callback) -> None:  # type: ignore[no-untyped-def]
        self.backend, self.device, self.callback = backend, device, callback
        self.row = 0 if device == "agent" else 1
        self.opening = backend.opened.count(device)  # 0: first open, 1: after a loss, …
        backend.opened.append(device)
        self.active = False

    def start(self) -> None:
        self.active = True
        self.backend.starting(self)
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        self.started = self.backend.capture_start(self)
        world = self.backend.world[self.row]
        first = round((self.started - self.backend.t0) * SAMPLE_RATE)
        late = self.backend.late.get((self.device, self.opening), 0.0)
        stop_after = self.backend.unplug_after.get((self.device, self.opening))
        k = 0
        while self.active:
            due = self.started + (k + 1) * BLOCK / SAMPLE_RATE  # its last sample is captured
            wait = max(due, self.started + late) - time.monotonic()
            if wait > 0:
                time.sleep(wait)  # under `late`, the first blocks come in one burst
            if stop_after is not None and k * BLOCK >= stop_after * SAMPLE_RATE:
                # unplugged: no more audio, and after UNPLUGGED_S the stream stops, as
                # PortAudio's does when its device vanishes (no timing threshold to detect it)
                time.sleep(UNPLUGGED_S)
                self.active = False
                return
            at = first + k * BLOCK
            if not self.active or at + BLOCK > world.size:
                return
            self.callback(world[at : at + BLOCK, None].copy(), BLOCK, None, _Flags())
            k += 1

    def stop(self) -> None:
        self.active = False

    def close(self) -> None:
        self.active = False


class WorldBackend:
    """Two mono devices, "agent" and "customer", each capturing its row of the world."""

    def __init__(self, late=None, unplug_after=None) -> None:  # type: ignore[no-untyped-def]
        rng = np.random.default_rng(3)
        self.world = (0.1 * rng.standard_normal((2, WORLD_S * SAMPLE_RATE))).astype(np.float32)
        self.t0 = time.monotonic()
        self.late = late or {}  # (device, opening) -> seconds its first blocks are held back
        self.unplug_after = unplug_after or {}  # (device, opening) -> seconds it delivers
        self.opened: list[str] = []
        self._started: dict[int, list[WorldStream]] = {}  # opening -> streams started
        self._capture_start: dict[int, float] = {}  # opening -> when its streams capture from
        self._lock = threading.Condition()

    def starting(self, stream: WorldStream) -> None:
        with self._lock:
            started = self._started.setdefault(stream.opening, [])
            started.append(stream)
            if len(started) == len(self.world):  # both devices of this opening
                self._capture_start[stream.opening] = time.monotonic()
                self._lock.notify_all()

    def capture_start(self, stream: WorldStream) -> float:
        """When the streams opened together with `stream` begin capturing."""
        with self._lock:
            assert self._lock.wait_for(lambda: stream.opening in self._capture_start, timeout=30)
            return self._capture_start[stream.opening]

    def InputStream(self, device, channels, samplerate, dtype, blocksize, callback):  # type: ignore[no-untyped-def]
        assert channels == 1 and samplerate == SAMPLE_RATE
        return WorldStream(self, device, callback)


def _where(row: np.ndarray, world: np.ndarray, at: int, n: int = SAMPLE_RATE) -> int:
    """World sample index minus timeline index for `n` samples of `row` from `at`."""
    piece = row[at : at + n]
    assert np.abs(piece).max() > 0, "audio expected there, not silence"
    corr = correlate(world, piece, mode="valid", method="fft")
    found = int(np.argmax(corr))
    assert np.allclose(world[found : found + n], piece, atol=1e-6)
    return found - at


def _capture(backend: WorldBackend, seconds: float) -> tuple[np.ndarray, DeviceSource, list]:  # type: ignore[type-arg]
    settings = AudioSettings(agent_device="agent", customer_device="customer")
    source = DeviceSource(settings, backend=backend, retry_s=0.2)
    q, status = BlockQueue(10_000), []
    source.start(q, lambda level, msg: status.append((level, msg)))
    time.sleep(seconds)
    source.stop()
    blocks = []
    while (b := q.get(timeout=5)) is not END:
        blocks.append(b)
    return np.concatenate(blocks, axis=1), source, status


def test_a_stream_whose_first_blocks_come_late_is_placed_where_it_was_captured() -> None:
    """The agent's device stops; both are reopened; the customer's reopened stream delivers
    its first 1.5 s in one late burst (a loaded sound server did that once in four runs, and
    its side came out offset by over a second). Both sides must stay where they were captured,
    with silence for the time the device was away."""
    backend = WorldBackend(late={("customer", 1): 1.5}, unplug_after={("agent", 0): 3.0})
    rows, source, status = _capture(backend, 9.0)
    assert backend.opened == ["agent", "customer", "agent", "customer"]
    assert [m for _, m in status if "audio device lost (agent)" in m], status

    lost = [r for r in source.repairs if r.what == "audio device lost"]
    assert len(lost) == 1, source.repairs
    at = round(lost[0].start_s * SAMPLE_RATE)
    back = at + round(lost[0].duration_s * SAMPLE_RATE)
    # before: the two sides line up
    before = [_where(rows[r], backend.world[r], SAMPLE_RATE) for r in (0, 1)]
    assert abs(before[0] - before[1]) <= 0.01 * SAMPLE_RATE, before
    # the agent's device stopped at 3 s: silence from there to where it came back
    assert np.abs(rows[0, round(3.01 * SAMPLE_RATE) : at]).max() == 0
    # after: both sides again, lined up, and the timeline still the world's clock
    after = [_where(rows[r], backend.world[r], back + SAMPLE_RATE // 2) for r in (0, 1)]
    assert abs(after[0] - after[1]) <= 0.01 * SAMPLE_RATE, (before, after)
    assert abs(after[0] - before[0]) <= (SNAP_S + 0.05) * SAMPLE_RATE, (before, after)
    assert "came back" in lost[0].detail and "silence" in lost[0].detail


def test_two_devices_opened_together_line_up_when_one_starts_late() -> None:
    """At the start of a call: one stream's first second arrives late, in a burst."""
    backend = WorldBackend(late={("agent", 0): 1.3})
    rows, source, _ = _capture(backend, 4.0)
    where = [_where(rows[r], backend.world[r], SAMPLE_RATE) for r in (0, 1)]
    assert abs(where[0] - where[1]) <= 0.01 * SAMPLE_RATE, where
    assert source.dropped_s == 0.0 and not source.repairs


def _blocks(n: int, value: float) -> np.ndarray:
    return np.full((1, n), value, np.float32)


def test_timeline_puts_silence_where_a_stream_lost_input() -> None:
    """A stream whose count broke (the audio system lost input) resumes where its audio was
    captured: silence for the lost time, the other side untouched."""
    t = CaptureTimeline([1, 1], BLOCK)
    t.begin([0, 1])
    d = BLOCK / SAMPLE_RATE
    for k in range(20):  # 2 s, both sides, captured from t=100 s on, arriving on time
        t.add(0, _blocks(BLOCK, 1.0), 100.0 + (k + 1) * d, (k + 1) * d)
        t.add(1, _blocks(BLOCK, 2.0), 100.0 + (k + 1) * d, (k + 1) * d)
    out = t.ready()
    assert len(out) == 20 and t.gaps[0].length_s == 0.0
    t.begin([0])  # side 0 lost 0.5 s: its next block was captured at 102.5 s
    for k in range(15):
        t.add(0, _blocks(BLOCK, 3.0), 102.5 + (k + 1) * d, (k + 1) * d)
        t.add(1, _blocks(BLOCK, 2.0), 102.0 + (k + 1) * d, 2.0 + (k + 1) * d)
    rows = np.concatenate(out + t.ready() + t.flush(), axis=1)
    assert t.gaps[-1].length_s == pytest.approx(0.5) and t.gaps[-1].at_s == pytest.approx(2.0)
    side0 = rows[0]
    assert np.all(side0[: 2 * SAMPLE_RATE] == 1.0)
    assert np.all(side0[2 * SAMPLE_RATE : round(2.5 * SAMPLE_RATE)] == 0.0)
    assert np.all(side0[round(2.5 * SAMPLE_RATE) : round(4.0 * SAMPLE_RATE)] == 3.0)
    assert np.all(rows[1][: round(3.5 * SAMPLE_RATE)] == 2.0)  # the other side kept its time


def test_timeline_estimates_within_snap_are_one_instant() -> None:
    """Start estimates closer than SNAP_S cannot be told apart: such streams start together,
    and a pause shorter than SNAP_S is no gap (nothing is shifted by estimate noise)."""
    t = CaptureTimeline([1, 1], BLOCK)
    t.begin([0, 1])
    d = BLOCK / SAMPLE_RATE
    for k in range(12):
        t.add(0, _blocks(BLOCK, 1.0), 50.00 + (k + 1) * d, (k + 1) * d)
        t.add(1, _blocks(BLOCK, 2.0), 50.00 + 0.6 * SNAP_S + (k + 1) * d, (k + 1) * d)
    rows = np.concatenate(t.ready(), axis=1)
    assert rows.shape[1] == 12 * BLOCK and np.all(rows[0] == 1.0) and np.all(rows[1] == 2.0)


def test_a_block_dropped_before_the_supervisor_keeps_both_sides_aligned() -> None:
    """The supervisor's queue was full for one of the customer's blocks: silence takes exactly
    its place, the loss is counted, and the customer's side stays aligned with the agent's."""
    import queue

    settings = AudioSettings(agent_device="agent", customer_device="customer")
    backend = WorldBackend()
    source = DeviceSource(settings, backend=backend, retry_s=0.2)
    put = source._raw.put_nowait
    seen = {"customer": 0}

    def full_once(block) -> None:  # type: ignore[no-untyped-def]
        if block.stream.device == "customer":
            seen["customer"] += 1
            if seen["customer"] == 25:  # its block from 2.4 to 2.5 s
                raise queue.Full
        put(block)

    source._raw.put_nowait = full_once  # type: ignore[method-assign]
    q = BlockQueue(10_000)
    source.start(q, lambda level, msg: None)
    time.sleep(4.5)
    source.stop()
    blocks = []
    while (b := q.get(timeout=5)) is not END:
        blocks.append(b)
    rows = np.concatenate(blocks, axis=1)
    assert source.raw_dropped == 1 and source.dropped_s == pytest.approx(0.1)
    where = [_where(rows[r], backend.world[r], round(3.0 * SAMPLE_RATE)) for r in (0, 1)]
    assert abs(where[0] - where[1]) <= 0.01 * SAMPLE_RATE, where
    hole = rows[1, round(2.4 * SAMPLE_RATE) : round(2.5 * SAMPLE_RATE)]
    assert hole.size == BLOCK and not hole.any()
    assert rows[1, round(2.5 * SAMPLE_RATE) : round(2.6 * SAMPLE_RATE)].any()  # and after it
