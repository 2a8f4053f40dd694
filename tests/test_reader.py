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
