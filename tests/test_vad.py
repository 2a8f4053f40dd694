"""VAD: the pure endpointing logic, and the streaming Silero model on real audio."""

import numpy as np
import pytest

from app.audio.reader import read_all
from app.audio.vad import FRAME, SAMPLE_RATE, SileroVad, UtteranceSegmenter
from app.config import VadSettings

FPS = SAMPLE_RATE / FRAME  # frames per second


def probs(*spans: tuple[float, float, float], total_s: float) -> np.ndarray:
    """Per-frame probabilities: 0.02 everywhere, `p` inside each (start_s, end_s, p)."""
    p = np.full(int(total_s * FPS), 0.02, dtype=np.float32)
    for start, end, value in spans:
        p[int(start * FPS) : int(end * FPS)] = value
    return p


def run(p: np.ndarray, block: int = 7, **kw: float):  # type: ignore[no-untyped-def]
    seg = UtteranceSegmenter(VadSettings(**kw))
    out = []
    for i in range(0, len(p), block):
        out += seg.push(p[i : i + block])
    return out + seg.flush()


def test_two_utterances_with_a_pause_between() -> None:
    out = run(probs((1.0, 2.0, 0.9), (3.0, 4.5, 0.9), total_s=6.0))
    assert len(out) == 2
    first, second = out
    assert first.start / SAMPLE_RATE == pytest.approx(1.0 - 0.1, abs=0.04)
    assert first.end / SAMPLE_RATE == pytest.approx(2.0 + 0.1, abs=0.04)
    # closed once min_silence (0.5 s) of silence has passed, never before the speech ended
    assert 2.0 + 0.5 - 0.04 <= first.closed_at / SAMPLE_RATE <= 2.0 + 0.5 + 0.07
    assert second.start > first.end


def test_short_pause_does_not_split_and_blip_is_dropped() -> None:
    out = run(probs((1.0, 2.0, 0.9), (2.2, 3.0, 0.9), (4.0, 4.1, 0.9), total_s=6.0))
    assert len(out) == 1  # 0.2 s pause kept inside; 0.1 s blip under min_speech dropped
    assert out[0].end / SAMPLE_RATE == pytest.approx(3.1, abs=0.04)


def test_hysteresis_keeps_speech_between_thresholds() -> None:
    out = run(probs((1.0, 1.5, 0.9), (1.5, 2.5, 0.4), (2.5, 3.0, 0.9), total_s=5.0))
    assert len(out) == 1


def test_long_turn_is_cut_and_goes_on() -> None:
    out = run(probs((0.5, 9.0, 0.9), total_s=10.0), max_utterance_s=4.0)
    assert len(out) == 3
    assert all(u.end - u.start <= 4.2 * SAMPLE_RATE for u in out)
    assert out[1].start <= out[0].end  # no gap in the middle of the turn


def test_block_size_does_not_change_the_result() -> None:
    p = probs((1.0, 2.0, 0.9), (2.9, 3.6, 0.7), (5.0, 7.0, 0.95), total_s=8.0)
    assert run(p, block=1) == run(p, block=16) == run(p, block=1000)


def test_silero_streaming_matches_whole_file(shared_data) -> None:  # type: ignore[no-untyped-def]
    audio = read_all(shared_data / "asr_eval_small/audio/lhotse_fixtures/LJ002-0035.wav")[0]
    whole = SileroVad()(audio)
    vad = SileroVad()
    pieces = [vad(audio[i : i + 3000]) for i in range(0, audio.size, 3000)]
    streamed = np.concatenate(pieces)
    assert streamed.shape == whole.shape
    np.testing.assert_allclose(streamed, whole, atol=1e-5)
    assert whole.max() > 0.9  # it is speech
    assert SileroVad()(np.zeros(SAMPLE_RATE, dtype=np.float32)).max() < 0.3


def test_pending_span_is_the_span_the_utterance_closes_with() -> None:
    seg = UtteranceSegmenter(VadSettings())
    p = probs((1.0, 2.0, 0.9), total_s=3.0)
    spans, closed = [], []
    for i in range(len(p)):
        closed += seg.push(p[i : i + 1])
        span = seg.pending(0.15)
        if span is not None:
            spans.append(span)
    assert len(closed) == 1
    assert spans and set(spans) == {(closed[0].start, closed[0].end)}
    first_pending_frame = 2.0 + 0.15  # offered once the speaker has been quiet for 0.15 s
    assert closed[0].closed_at / SAMPLE_RATE - first_pending_frame >= 0.3


def test_a_short_stretch_followed_by_speech_starts_the_utterance() -> None:
    # 0.19 s of speech (under min_speech_s), 0.55 s of silence, then the rest of the turn
    out = run(probs((1.0, 1.19, 0.9), (1.74, 3.0, 0.9), total_s=5.0))
    assert len(out) == 1
    assert out[0].start / SAMPLE_RATE == pytest.approx(1.0 - 0.1, abs=0.04)
    # the same stretch with nothing after it for 1.5 s is a click: dropped, the turn starts later
    out = run(probs((1.0, 1.19, 0.9), (2.7, 4.0, 0.9), total_s=6.0))
    assert len(out) == 1
    assert out[0].start / SAMPLE_RATE == pytest.approx(2.7 - 0.1, abs=0.04)
    # clicks every 0.8 s never make a turn start seconds before its speech
    clicks = [(0.8 * k, 0.8 * k + 0.1, 0.9) for k in range(1, 10)]
    out = run(probs(*clicks, (8.3, 9.5, 0.9), total_s=11.0))
    assert len(out) == 1
    assert out[0].start / SAMPLE_RATE >= 8.3 - 2.0 - 0.2


def test_a_loud_turn_opening_with_one_word_keeps_it_at_telephone_band(shared_data) -> None:  # type: ignore[no-untyped-def]
    """RAVDESS actor 5, strongly angry, at 8 kHz: Silero takes the screamed first word as speech
    only through the loud-voice detector (0.19 s), then scores the next word under 0.35. The
    first word used to be dropped as too short and the turn began 0.7 s late."""
    from scipy import signal

    clip = read_all(shared_data / "ravdess/audio/Actor_05/03-01-05-02-02-01-05.flac")[0]
    # the call bench's tel8k line: 300-3400 Hz, 8 kHz, read back at 16 kHz
    sos = signal.butter(6, [300.0, 3400.0], btype="bandpass", fs=SAMPLE_RATE, output="sos")
    clip = signal.resample_poly(signal.resample_poly(signal.sosfilt(sos, clip), 1, 2), 2, 1)
    clip = (clip * (0.98 / np.max(np.abs(clip)))).astype(np.float32)
    pad = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([pad, clip, pad, pad])
    frames = len(clip) // 320
    power = np.mean(clip[: frames * 320].reshape(frames, 320) ** 2, axis=1)
    speech = SAMPLE_RATE + np.flatnonzero(power >= power.max() * 10**-3.5) * 320  # within 35 dB
    vad, seg = SileroVad(), UtteranceSegmenter(VadSettings())
    out = []
    for i in range(0, len(audio), 1600):
        out += seg.push(vad(audio[i : i + 1600]))
    out += seg.flush()
    assert len(out) == 1
    assert out[0].start <= speech[0]
    kept = np.mean((speech >= out[0].start) & (speech < out[0].end))
    assert kept >= 0.95  # 0.62 when the first word was dropped
