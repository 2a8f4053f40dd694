"""Property-based tests of the audio chunking and segmentation (hypothesis), through the public
API of app/audio/vad.py and app/pipeline/frontend.py: the utterances found never depend on how
the audio was split into blocks, and no length or boundary makes them raise.

The segmenter is pure logic (random speech probabilities); the front end runs the real Silero
VAD and tone model on real recordings split at random places.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.audio.vad import FRAME, SAMPLE_RATE, UtteranceSegmenter
from app.config import Settings as AppSettings
from app.config import VadSettings, validate
from app.errors import SettingsError

STEREO = "asr_eval_small/audio/faster_whisper/stereo_diarization.wav"
JFK = "asr_eval_small/audio/faster_whisper/jfk.flac"
# the front end runs real models: fewer examples than the pure-logic tests
HEAVY = max(5, settings().max_examples // 4)


# ------------------------------------------------------------------ the segmenter (pure logic)

probabilities = st.lists(
    st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 0.34, 0.35, 0.5, 0.51, 1.0])),
    max_size=3000,
).map(lambda xs: np.asarray(xs, dtype=np.float32))


@st.composite
def speechlike(draw: st.DrawFn) -> np.ndarray:
    """Runs of speech and silence, so that utterances really open and close."""
    runs = draw(
        st.lists(
            st.tuples(st.booleans(), st.integers(1, 600), st.floats(0.0, 1.0)),
            min_size=1,
            max_size=20,
        )
    )
    parts = []
    for speech, n, jitter in runs:
        level = 0.55 + 0.45 * jitter if speech else 0.34 * jitter
        parts.append(np.full(n, level, dtype=np.float32))
    return np.concatenate(parts)


@st.composite
def vad_settings(draw: st.DrawFn) -> VadSettings:
    threshold = draw(st.floats(0.05, 0.95))
    vad = VadSettings(
        threshold=threshold,
        neg_threshold=draw(st.floats(0.01, 1.0)) * threshold,
        min_speech_s=draw(st.floats(0.0, 1.0)),
        min_silence_s=draw(st.floats(0.1, 3.0)),
        speech_pad_s=draw(st.floats(0.0, 0.5)),
        max_utterance_s=draw(st.floats(2.0, 30.0)),
    )
    candidate = AppSettings(vad=vad)
    try:
        validate(candidate)
    except SettingsError:
        assume(False)
    return vad


def split_points(n: int, cuts: list[int]) -> list[tuple[int, int]]:
    edges = sorted({0, n, *(c % (n + 1) for c in cuts)})
    return list(itertools.pairwise(edges))


def segment(probs: np.ndarray, vad: VadSettings, cuts: list[int] | None) -> list[tuple[int, ...]]:
    seg = UtteranceSegmenter(vad)
    out = []
    spans = split_points(len(probs), cuts) if cuts is not None else [(0, len(probs))]
    for a, b in spans:
        out += seg.push(probs[a:b])
    out += seg.flush()
    return [(u.start, u.end, u.closed_at) for u in out]


@given(
    probs=st.one_of(probabilities, speechlike()),
    vad=st.one_of(st.just(VadSettings()), vad_settings()),
    cuts=st.lists(st.integers(0, 10_000), max_size=40),
)
def test_segmenter_is_the_same_whatever_the_block_split(
    probs: np.ndarray, vad: VadSettings, cuts: list[int]
) -> None:
    whole = segment(probs, vad, None)
    assert segment(probs, vad, cuts) == whole
    n = len(probs) * FRAME
    max_len = (vad.max_utterance_s + 2 * vad.speech_pad_s) * SAMPLE_RATE + 2 * FRAME
    previous_closed = 0
    for start, end, closed_at in whole:
        assert 0 <= start < end <= closed_at <= n
        assert end - start <= max_len
        assert closed_at >= previous_closed  # closed in call-time order
        previous_closed = closed_at


@given(probs=speechlike(), cuts=st.lists(st.integers(0, 10_000), max_size=20))
def test_segmenter_utterances_do_not_overlap_with_default_settings(
    probs: np.ndarray, cuts: list[int]
) -> None:
    """Turns ended by silence never overlap; a turn cut at vad.max_utterance_s goes on at once,
    and its next piece starts with the usual padding (at most speech_pad_s earlier)."""
    vad = VadSettings()
    pad = round(vad.speech_pad_s * SAMPLE_RATE)
    found = segment(probs, vad, cuts)
    for (_, end, closed_at), (start, _, _) in itertools.pairwise(found):
        cut_for_length = end == closed_at
        assert start >= end - (pad if cut_for_length else 0)


@given(probs=speechlike(), speech=st.integers(1, 400), silence=st.integers(0, 20))
def test_pending_is_what_push_cuts_when_no_more_speech_comes(
    probs: np.ndarray, speech: int, silence: int
) -> None:
    """`pending` promises the exact span `push` will cut if the speaker stays silent."""
    vad = VadSettings()
    seg = UtteranceSegmenter(vad)
    seg.push(probs)
    seg.push(np.full(speech, 0.9, dtype=np.float32))  # the call ends on someone talking
    seg.push(np.zeros(silence, dtype=np.float32))
    span = seg.pending(0.15)
    assume(span is not None)
    closed = seg.push(np.zeros(round(vad.min_silence_s * SAMPLE_RATE / FRAME) + 2, np.float32))
    closed += seg.flush()
    assert closed, "a pending utterance must close after the end-of-turn silence"
    # a turn that reaches vad.max_utterance_s during that silence is cut for length instead
    # (end == closed_at), which `pending` does not predict: reported in notes/badinput.md
    assume(closed[0].end != closed[0].closed_at)
    assert (closed[0].start, closed[0].end) == span


# ------------------------------------------------------------------ the front end (real models)


@pytest.fixture(scope="module")
def tone():  # type: ignore[no-untyped-def]
    from app.scoring.tone import load_tone_scorer

    return load_tone_scorer(threads=1)


@pytest.fixture(scope="module")
def calls(shared_data: Path) -> dict[str, np.ndarray]:
    from app.audio.reader import read_all

    stereo = read_all(shared_data / STEREO)
    mono = read_all(shared_data / JFK)[:, : 6 * SAMPLE_RATE]
    return {"stereo": stereo, "mono": mono}


def run_front(tone, audio: np.ndarray, cuts: list[int] | None, empty: bool = False) -> list[tuple]:  # type: ignore[no-untyped-def]
    from app.pipeline.frontend import FrontEnd

    speakers = ["agent", "customer"] if audio.shape[0] == 2 else ["customer"]
    front = FrontEnd(speakers, tone)  # type: ignore[arg-type]
    items = []
    n = audio.shape[1]
    spans = split_points(n, cuts) if cuts is not None else [(0, n)]
    for a, b in spans:
        if empty:  # a device or resampler can hand over an empty block
            items += front.push(audio[:, a:a])
        items += front.push(audio[:, a:b])
    items += front.finish()
    out = []
    for item in items:
        name = type(item).__name__
        if name == "ClosedSpeech":
            out.append((name, item.speaker, item.start, item.end, item.closed_t, len(item.audio)))
        elif name == "Tick":
            out.append((name, item.t, item.last_speech_end))
        else:
            out.append((name, item.speaker, item.start, item.end))
    return out


@settings(max_examples=HEAVY)
@given(
    which=st.sampled_from(["stereo", "mono"]),
    cuts=st.lists(
        st.one_of(st.integers(0, 200_000), st.integers(0, 3 * FRAME)), min_size=1, max_size=30
    ),
    empty=st.booleans(),
)
def test_front_end_gives_the_same_work_whatever_the_block_split(
    tone,  # type: ignore[no-untyped-def]
    calls: dict[str, np.ndarray],
    which: str,
    cuts: list[int],
    empty: bool,
) -> None:
    audio = calls[which]
    whole = run_front(tone, audio, None)
    assert any(item[0] == "ClosedSpeech" for item in whole)
    assert run_front(tone, audio, cuts, empty) == whole


@settings(max_examples=HEAVY)
@given(
    seconds=st.floats(0.0, 4.0),
    amplitude=st.sampled_from([0.0, 1e-4, 0.1, 1.0, 4.0]),
    channels=st.sampled_from([1, 2]),
    seed=st.integers(0, 2**32 - 1),
    cuts=st.lists(st.integers(0, 70_000), max_size=10),
    empty=st.booleans(),
)
def test_front_end_never_raises_on_any_audio(
    tone,  # type: ignore[no-untyped-def]
    seconds: float,
    amplitude: float,
    channels: int,
    seed: int,
    cuts: list[int],
    empty: bool,
) -> None:
    """Silence, noise, clipping levels, and lengths from none to a few seconds, in any split."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SAMPLE_RATE)
    audio = (amplitude * rng.standard_normal((channels, n))).astype(np.float32)
    items = run_front(tone, audio, cuts, empty)
    for item in items:
        if item[0] == "ClosedSpeech":
            _, _, start, end, closed_t, _ = item
            assert 0 <= start < end <= closed_t <= n / SAMPLE_RATE + 1e-6
