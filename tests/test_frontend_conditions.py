"""Every turn is found on real speech under telephone conditions (issue: loud 8 kHz turns lost).

Calls are built here from RAVDESS clips with benchmarks/frontend_conditions.py's builders and
written as files, so the reader, the resampler, the VAD and the utterance cutter all take part.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.audio.vad import SileroVad
from benchmarks.frontend_conditions import (
    SAMPLE_RATE,
    at_peak,
    concat_turns,
    echo_call,
    front_end_spans,
    mono_condition,
    ravdess_clips,
    write,
)


@pytest.fixture(autouse=True)
def _data(shared_data: Path) -> None:
    pass


@pytest.mark.parametrize("actor", [3, 7])
def test_loud_telephone_band_turns_are_all_found(tmp_path: Path, actor: int) -> None:
    """The reported case: band-passed, 8 kHz, peaks near full scale; the last angry-strong
    turns were lost because Silero's state had drifted over the call."""
    found, turns, extra = mono_condition(actor, "tel8k", tmp_path, peak=-0.1)
    assert (found, extra) == (turns, 0)


@pytest.mark.parametrize(
    ("condition", "peak", "active"),
    [
        ("full", 12.0, 0.0),  # 12 dB past full scale: clipped
        ("full", None, -45.0),
        ("tel8k", 12.0, 0.0),
        ("tel8k", None, -45.0),
        ("ulaw", 0.0, 0.0),
        ("ulaw", None, -45.0),
        ("noise_full", 0.0, 0.0),
        ("noise_tel8k", None, -26.0),
    ],
)
def test_every_turn_from_quiet_to_clipping(
    tmp_path: Path, condition: str, peak: float | None, active: float
) -> None:
    found, turns, extra = mono_condition(3, condition, tmp_path, peak=peak, active=active)
    assert (found, extra) == (turns, 0)


def test_agent_echo_makes_no_customer_turns_and_hides_none(tmp_path: Path) -> None:
    audio, agent_turns, customer_turns = echo_call(ravdess_clips(7), ravdess_clips(3), -20.0)
    spans = front_end_spans(write(tmp_path / "echo.wav", audio, SAMPLE_RATE), "left")
    for who, truth in (("agent", agent_turns), ("customer", customer_turns)):
        for ts, te in truth:
            assert any(s < te and e > ts for s, e in spans[who]), f"{who} turn at {ts:.1f} lost"
        for s, e in spans[who]:
            assert any(s < te and e > ts for ts, te in truth), f"{who} extra turn at {s:.1f}"


def test_vad_is_block_independent_across_state_resets(shared_data: Path) -> None:
    x, _ = concat_turns(ravdess_clips(3)[-4:])  # angry turns with long silences between
    audio = at_peak(x, 6.0)  # loud and clipped
    whole_vad = SileroVad()
    whole = whole_vad(audio)
    assert whole_vad.resets >= 4  # the silences between turns cleared the state
    vad = SileroVad()
    streamed = np.concatenate([vad(audio[i : i + 2999]) for i in range(0, audio.size, 2999)])
    np.testing.assert_allclose(streamed, whole, atol=1e-4)
    assert vad.resets == whole_vad.resets
    assert whole.size == audio.size // 512
