"""A fast, deterministic subset of the call bench (benchmarks/call_bench.py) on real audio.

Two of the bench's own calls (same builder and seeds: RAVDESS clips for the customer's voice,
espeak-ng for the scripted lines) are written as files under each of the bench's conditions —
full band, 8 kHz telephone band, G.711 µ-law, −45 dBFS, clipped 6 dB over full scale, noise at
10 dB SNR, the agent's echo at −20 dB in the customer channel — and cut into utterances by the
real front end (reader, resampler, Silero VAD, echo gate, utterance cutter). Every turn of both
speakers must be found (covered at least half by an utterance of its speaker, the bench's rule)
and no customer utterance may fall outside the customer's turns (echo and noise make none).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import soundfile as sf

from benchmarks.bench_calls import CONDITIONS, TYPES, apply_condition, build_call
from benchmarks.call_bench import match_turns
from benchmarks.frontend_conditions import front_end_spans

SEED = 20261202  # benchmarks/bench_calls.py's default: these are the bench's own calls
# voice_only: loud, strongly angry RAVDESS turns (the turns the telephone band used to lose);
# happy: loud happy voice with espeak-ng lines, a control call
CALLS = ("voice_only", "happy")


@pytest.fixture(scope="module")
def bench_calls(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed to build the bench's calls: apt-get install -y espeak-ng")
    work = tmp_path_factory.mktemp("espeak")
    calls = {}
    for kind in CALLS:
        seed = SEED + 1000 * TYPES.index(kind)  # the bench's call `<kind>_0`
        calls[kind] = (seed, *build_call(kind, seed, work))
    return calls


@pytest.mark.parametrize("condition", CONDITIONS)
@pytest.mark.parametrize("kind", CALLS)
def test_every_turn_found_under_each_bench_condition(
    bench_calls: dict, tmp_path: Path, kind: str, condition: str
) -> None:
    seed, stereo, turns = bench_calls[kind]
    audio, rate, subtype = apply_condition(stereo, condition, seed, turns)
    path = tmp_path / f"{kind}_{condition}.wav"
    sf.write(path, audio, rate, subtype=subtype)
    spans = front_end_spans(path, "left")
    utterances = [
        {"speaker": who, "start": s, "end": e} for who, cuts in spans.items() for s, e in cuts
    ]
    lost, spurious = match_turns(turns, utterances)
    assert len(turns) == 15  # 8 agent turns, 7 customer turns
    assert not lost, [f"{t['speaker']} turn {t['start']:.1f}-{t['end']:.1f} s lost" for t in lost]
    assert not spurious, [f"customer utterance at {u['start']:.1f} s is no turn" for u in spurious]
