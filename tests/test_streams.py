"""A call kept as one audio stream per leg is read as one call (issue 14: no side lost without a
word). Such a file (Matroska or MP4 with an agent track and a customer track) used to be read
from its first stream only: the agent's track analysed as a mono "customer", the customer's
track dropped, no warning, exit 0."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from app.audio.reader import SAMPLE_RATE, probe, read_blocks
from app.audio.source import CallAudio
from app.cli import main
from tests.test_reader import _all_found, _conversation


def _write_streams(
    path: Path, legs: list[np.ndarray], starts_s: list[float], codec: str = "pcm_s16le"
) -> Path:
    """Each leg (mono, 16 kHz) as its own audio stream, starting at `starts_s` in the file."""
    fmt = "mp4" if path.suffix == ".m4a" else "matroska"
    out = av.open(str(path), "w", format=fmt)
    streams = [out.add_stream(codec, rate=SAMPLE_RATE, layout="mono") for _ in legs]
    step = 1024
    for leg, stream, start in zip(legs, streams, starts_s, strict=True):
        sample_fmt = stream.codec_context.format.name
        for i in range(0, len(leg), step):
            chunk = leg[i : i + step].astype(np.float32)
            if sample_fmt.startswith("s16"):
                data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16)[None, :]
            else:
                data = chunk[None, :]
            frame = av.AudioFrame.from_ndarray(data, format=sample_fmt, layout="mono")  # type: ignore[arg-type]
            frame.sample_rate = SAMPLE_RATE
            frame.pts = round(start * SAMPLE_RATE) + i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    out.close()
    return path


def _blocks(path: Path, repairs: list | None = None) -> np.ndarray:
    return np.concatenate(list(read_blocks(path, 0.5, repairs)), axis=1)


def test_two_streams_read_as_the_two_channels_of_one_call(
    shared_data: Path, tmp_path: Path
) -> None:
    audio, _, _ = _conversation(shared_data)
    path = _write_streams(tmp_path / "legs.mka", [audio[0], audio[1]], [0.0, 0.0])
    info = probe(path)
    assert info.stream_channels == (1, 1) and info.channels == 2
    repairs: list = []
    got = _blocks(path, repairs)
    want = np.clip(audio, -1, 32767 / 32768)
    assert got.shape == audio.shape
    assert np.max(np.abs(got - want)) < 2e-4  # 16-bit PCM: the same samples
    assert repairs == []


def test_a_leg_that_starts_later_keeps_its_place_in_time(shared_data: Path, tmp_path: Path) -> None:
    """The customer's stream starts 2.5 s into the file (its first packet's time): silence
    goes before it, not a shift of every customer turn 2.5 s early, and no damage is said."""
    audio, _, _ = _conversation(shared_data)
    start = 2.5
    cut = round(start * SAMPLE_RATE)
    assert np.abs(audio[1, :cut]).max() < 0.01  # the customer is quiet before it
    path = _write_streams(tmp_path / "late.mka", [audio[0], audio[1, cut:]], [0.0, start])
    repairs: list = []
    got = _blocks(path, repairs)
    assert got.shape == audio.shape
    assert np.abs(got[1, :cut]).max() == 0.0
    assert np.max(np.abs(got[1, cut:] - audio[1, cut:])) < 2e-4
    assert repairs == []


@pytest.mark.parametrize("name", ["legs.mka", "legs.m4a"])
def test_analyze_hears_both_legs_of_a_two_stream_call(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    audio, agent, customer = _conversation(shared_data)
    codec = "aac" if name.endswith(".m4a") else "pcm_s16le"
    path = _write_streams(tmp_path / name, [audio[0], audio[1]], [0.0, 0.0], codec)
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    report = json.loads((out / f"{path.stem}.json").read_text())
    assert report["channels"] == 2 and report["speakers"] == ["agent", "customer"]
    spans = {
        who: [(u["start"], u["end"]) for u in report["utterances"] if u["speaker"] == who]
        for who in ("agent", "customer")
    }
    assert _all_found(spans["agent"], agent) and _all_found(spans["customer"], customer)
    (note,) = report["warnings"]
    assert note["what"] == "streams joined"
    assert "stream 1 as the left channel (agent)" in note["detail"]
    assert "stream 2 as the right (customer)" in note["detail"]
    err = [line for line in capsys.readouterr().err.splitlines() if name in line]
    assert len(err) == 1 and "warning: streams joined: the file holds the call in 2" in err[0]


def test_a_third_stream_with_its_own_sound_is_said(shared_data: Path, tmp_path: Path) -> None:
    """Two legs and a third stream that is neither of them (a supervisor's barge-in track):
    the call is read from the first two, the third is said, not dropped in silence."""
    audio, _, _ = _conversation(shared_data)
    rng = np.random.default_rng(3)
    other = (0.05 * rng.standard_normal(audio.shape[1])).astype(np.float32)
    path = _write_streams(tmp_path / "three.mka", [audio[0], audio[1], other], [0.0] * 3)
    call = CallAudio(path)
    assert call.pair == (0, 1) and call.speakers == ["agent", "customer"]
    list(call)
    kinds = [r.what for r in call.repairs]
    assert kinds == ["streams joined", "channel not analysed"]
