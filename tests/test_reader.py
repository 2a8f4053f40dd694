"""Reading call audio: formats, rates, channels, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.reader import SAMPLE_RATE, probe, read_all, read_blocks
from app.audio.source import CallAudio
from app.errors import AudioReadError


def tone(freq: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize(
    ("fmt", "suffix", "rate"),
    [
        ("WAV", ".wav", 8000),
        ("FLAC", ".flac", 44100),
        ("OGG", ".ogg", 22050),
        ("MP3", ".mp3", 16000),
        ("WAV", ".wav", 48000),
    ],
)
def test_formats_and_rates_come_out_at_16k(
    tmp_path: Path, fmt: str, suffix: str, rate: int
) -> None:
    path = tmp_path / f"clip{suffix}"
    sf.write(path, tone(440, 2.0, rate), rate, format=fmt)
    audio = read_all(path)
    assert audio.shape[0] == 1
    assert audio.dtype == np.float32
    assert abs(audio.shape[1] / SAMPLE_RATE - 2.0) < 0.1  # mp3 adds codec padding
    spectrum = np.abs(np.fft.rfft(audio[0, 4000:20000]))
    peak_hz = np.argmax(spectrum) * SAMPLE_RATE / 16000
    assert abs(peak_hz - 440) < 5  # resampled, not just relabelled


def test_blocks_are_fixed_size_and_cover_the_file(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(path, np.stack([tone(300, 7.3, 8000), tone(600, 7.3, 8000)], axis=1), 8000)
    blocks = list(read_blocks(path, block_s=0.5))
    assert all(b.shape == (2, 8000) for b in blocks[:-1])
    assert sum(b.shape[1] for b in blocks) == pytest.approx(7.3 * SAMPLE_RATE, abs=50)


def test_stereo_keeps_channels_apart(tmp_path: Path) -> None:
    path = tmp_path / "st.wav"
    sf.write(path, np.stack([tone(300, 1.0, 16000), np.zeros(16000, np.float32)], axis=1), 16000)
    audio = read_all(path)
    assert audio.shape[0] == 2
    assert np.abs(audio[0]).max() > 0.2 and np.abs(audio[1]).max() < 1e-4


def test_more_than_two_channels_uses_the_first_two(tmp_path: Path) -> None:
    path = tmp_path / "four.wav"
    data = np.stack(
        [tone(300, 1, 16000), tone(500, 1, 16000), tone(700, 1, 16000), tone(900, 1, 16000)], axis=1
    )
    sf.write(path, data, 16000)
    assert probe(path).source_channels == 4
    audio = read_all(path)
    assert audio.shape[0] == 2
    np.testing.assert_allclose(audio[1], data[:, 1], atol=1e-3)


def test_dual_mono_stereo_is_one_speaker(tmp_path: Path) -> None:
    path = tmp_path / "dual.wav"
    x = tone(440, 1.0, 16000)
    sf.write(path, np.stack([x, x], axis=1), 16000)
    call = CallAudio(path)
    assert call.speakers == ["customer"]
    assert all(b.shape[0] == 1 for b in call)


def test_agent_channel_choice(tmp_path: Path) -> None:
    path = tmp_path / "st.wav"
    sf.write(path, np.stack([tone(300, 1.0, 16000), tone(500, 1.0, 16000)], axis=1), 16000)
    assert CallAudio(path, "left").speakers == ["agent", "customer"]
    assert CallAudio(path, "right").speakers == ["customer", "agent"]


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00\x00\x00WAVEjunkjunk" * 50, b"\x00" * 4096])
def test_unreadable_files_raise_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioReadError, match=r"bad\.wav"):
        list(read_blocks(path))


def test_truncated_file_gives_what_was_there_or_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.flac"
    sf.write(path, tone(440, 3.0, 16000), 16000, format="FLAC")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    try:
        audio = read_all(path)
    except AudioReadError as exc:
        assert "cut.flac" in str(exc)
    else:
        assert 0 < audio.shape[1] < 3.0 * SAMPLE_RATE


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(AudioReadError, match="no such file"):
        probe(tmp_path / "nope.wav")
    with pytest.raises(AudioReadError, match="folder"):
        probe(tmp_path)


# --- repairs: nothing is lost silently (issue 14) -------------------------------------------


def _conversation(shared_data: Path, lead_s: float = 0.0) -> tuple[np.ndarray, list, list]:
    """A stereo call (2, n) at 16 kHz from RAVDESS: agent (actor 7) left, customer (actor 3)
    right, taking turns; `lead_s` of IVR speech (actor 10) identical on both channels first."""
    from benchmarks.frontend_conditions import echo_call, ravdess_clips

    audio, agent, customer = echo_call(ravdess_clips(7)[:4], ravdess_clips(3)[-4:], -120.0)
    if not lead_s:
        return audio, agent, customer
    ivr = np.concatenate(ravdess_clips(10, turns=(("neutral", "normal", 2), ("calm", "normal", 4))))
    ivr = 0.4 * ivr[: round(lead_s * SAMPLE_RATE)] / np.abs(ivr).max()
    audio = np.concatenate([np.stack([ivr, ivr]), audio], axis=1)
    shift = len(ivr) / SAMPLE_RATE
    return (
        audio,
        [(s + shift, e + shift) for s, e in agent],
        [(s + shift, e + shift) for s, e in customer],
    )


def _all_found(found: list, truth: list) -> bool:
    return all(any(s < te and e > ts for s, e in found) for ts, te in truth)


@pytest.mark.parametrize("lead_s", [8.0, 12.0])
def test_identical_leading_audio_keeps_the_call_stereo(
    shared_data: Path, tmp_path: Path, lead_s: float
) -> None:
    from benchmarks.frontend_conditions import front_end_spans

    audio, agent, customer = _conversation(shared_data, lead_s)
    path = tmp_path / "ivr.wav"
    sf.write(path, audio.T, SAMPLE_RATE)
    call = CallAudio(path)
    assert call.speakers == ["agent", "customer"]
    spans = front_end_spans(path)
    assert _all_found(spans["agent"], agent)  # the agent's first turns too
    assert _all_found(spans["customer"], customer)
    list(call)
    if lead_s >= 10:
        notes = [r for r in call.repairs if r.what == "identical channels"]
        assert notes and notes[0].start_s == 0.0
        assert notes[0].duration_s == pytest.approx(lead_s, abs=1.0)


def test_a_very_quiet_stereo_call_stays_stereo_without_false_notes(
    shared_data: Path, tmp_path: Path
) -> None:
    """Both sides under -70 dBFS (the bench's quiet condition puts calm turns near -77 dBFS):
    the channel comparison once took such blocks for silence, so a quiet call was one long
    'identical channels' stretch, and with no louder block at all it became mono."""
    audio, agent, customer = _conversation(shared_data)
    quiet = audio / np.abs(audio).max() * 10 ** (-75 / 20)
    path = tmp_path / "quiet.wav"
    sf.write(path, quiet.T, SAMPLE_RATE, subtype="FLOAT")
    call = CallAudio(path)
    assert call.speakers == ["agent", "customer"]
    list(call)
    assert not [r for r in call.repairs if r.what == "identical channels"]
    from benchmarks.frontend_conditions import front_end_spans

    spans = front_end_spans(path)
    assert _all_found(spans["agent"], agent)
    assert _all_found(spans["customer"], customer)


def test_identical_channels_throughout_stay_mono(shared_data: Path, tmp_path: Path) -> None:
    audio, _, _ = _conversation(shared_data)
    path = tmp_path / "dual.flac"
    sf.write(path, np.stack([audio[1], audio[1]]).T, SAMPLE_RATE)
    call = CallAudio(path)
    assert call.speakers == ["customer"]
    assert all(b.shape[0] == 1 for b in call)
    assert [r.what for r in call.repairs] == ["identical channels"]


def test_dc_offset_on_one_channel_is_removed_and_both_sides_kept(
    shared_data: Path, tmp_path: Path
) -> None:
    from benchmarks.frontend_conditions import front_end_spans

    audio, agent, customer = _conversation(shared_data)
    audio[1] += 0.45
    path = tmp_path / "dc.wav"
    sf.write(path, audio.T, SAMPLE_RATE, subtype="FLOAT")
    call = CallAudio(path)
    assert call.speakers == ["agent", "customer"]
    blocks = list(call)
    assert abs(float(np.concatenate(blocks, axis=1)[1].mean())) < 1e-3
    dc = [r for r in call.repairs if r.what == "DC offset"]
    assert len(dc) == 1 and "right channel +0.45" in dc[0].detail
    spans = front_end_spans(path)
    assert _all_found(spans["agent"], agent) and _all_found(spans["customer"], customer)


def test_nan_and_inf_samples_are_replaced_counted_and_speech_kept(
    shared_data: Path, tmp_path: Path
) -> None:
    from benchmarks.frontend_conditions import concat_turns, front_end_spans, ravdess_clips

    x, turns = concat_turns(ravdess_clips(3))
    rng = np.random.default_rng(1)
    bad = rng.choice(x.size, size=x.size // 1000, replace=False)  # 0.1 %
    x[bad[::2]] = np.nan
    x[bad[1::2]] = np.inf
    path = tmp_path / "nan.wav"
    sf.write(path, x, SAMPLE_RATE, subtype="FLOAT")
    call = CallAudio(path)
    blocks = list(call)
    assert all(np.isfinite(b).all() for b in blocks)
    (note,) = [r for r in call.repairs if r.what == "non-finite samples"]
    assert note.count == bad.size
    assert _all_found(front_end_spans(path)["customer"], turns)


def test_corrupt_flac_stretch_keeps_later_audio_in_place(shared_data: Path, tmp_path: Path) -> None:
    from benchmarks.frontend_conditions import concat_turns, front_end_spans, ravdess_clips

    x, turns = concat_turns(ravdess_clips(3))
    path = tmp_path / "corrupt.flac"
    sf.write(path, x, SAMPLE_RATE, format="FLAC")
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + len(data) // 20] = np.random.default_rng(2).bytes(len(data) // 20)
    path.write_bytes(bytes(data))

    call = CallAudio(path)
    total = sum(b.shape[1] for b in call)
    assert abs(total - x.size) / SAMPLE_RATE < 0.05  # nothing went missing from the timeline
    (gap,) = [r for r in call.repairs if r.what == "corrupt stretch"]
    assert gap.duration_s > 1.0 and 0 < gap.start_s < x.size / SAMPLE_RATE
    found = front_end_spans(path)["customer"]
    after = [(s, e) for s, e in turns if s > gap.start_s + gap.duration_s]
    assert after, "the corrupt stretch should leave turns after it"
    for ts, te in after:  # later turns found inside their own clips, not shifted earlier
        assert any(ts - 0.3 <= s < e <= te + 0.3 for s, e in found), (ts, te, found)


def test_truncated_file_is_reported(shared_data: Path, tmp_path: Path) -> None:
    from benchmarks.frontend_conditions import concat_turns, ravdess_clips

    x, _ = concat_turns(ravdess_clips(3)[:6])
    path = tmp_path / "cut.flac"
    sf.write(path, x, SAMPLE_RATE, format="FLAC")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    call = CallAudio(path)
    got = sum(b.shape[1] for b in call) / SAMPLE_RATE
    lost = [r for r in call.repairs if r.what in ("truncated", "unreadable tail")]
    assert len(lost) == 1
    assert lost[0].start_s == pytest.approx(got, abs=0.1)
    assert lost[0].duration_s == pytest.approx(x.size / SAMPLE_RATE - got, abs=0.2)


def test_warnings_reach_the_report_and_one_stderr_line(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from app.cli import main
    from benchmarks.frontend_conditions import concat_turns, ravdess_clips

    x, _ = concat_turns(ravdess_clips(3)[-2:], gap_s=1.0)
    x[1000:1010] = np.nan
    path = tmp_path / "nan_call.wav"
    sf.write(path, x, SAMPLE_RATE, subtype="FLOAT")
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    report = json.loads((out / "nan_call.json").read_text())
    assert report["warnings"] == [
        {
            "what": "non-finite samples",
            "where": 0.06,
            "how_long": 0.0,
            "count": 10,
            "detail": "replaced with silence",
        }
    ]
    assert len(report["utterances"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if "nan_call.wav" in line]
    assert len(err) == 1 and "non-finite samples" in err[0] and "Traceback" not in err[0]
