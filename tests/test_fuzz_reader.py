"""Fuzzing the audio reader (hypothesis): random bytes, truncated headers and corrupted real
files, named .wav/.flac/.ogg/.mp3, give either audio or one clear AudioReadError, never another
exception. Bounded by the profile in tests/conftest.py.
"""

from __future__ import annotations

import io
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.audio.reader import SAMPLE_RATE, probe, read_all, read_blocks
from app.errors import AudioReadError

SUFFIXES = [".wav", ".flac", ".ogg", ".mp3", ".opus", ""]
_counter = itertools.count()


def _clip() -> np.ndarray:
    t = np.arange(int(0.6 * 8000)) / 8000
    left = 0.4 * np.sin(2 * np.pi * 220 * t) * np.hanning(len(t))
    right = 0.3 * np.sin(2 * np.pi * 330 * t)
    return np.stack([left, right], axis=1).astype(np.float32)


def _encode(fmt: str, subtype: str | None) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, _clip(), 8000, format=fmt, subtype=subtype)
    return buf.getvalue()


# small real files in every format the reader meets: the seeds that get corrupted
SEEDS = {
    ".wav": _encode("WAV", "PCM_16"),
    ".flac": _encode("FLAC", "PCM_16"),
    ".ogg": _encode("OGG", "VORBIS"),
    ".mp3": _encode("MP3", None),
}


@pytest.fixture(scope="module")
def folder() -> Path:
    with tempfile.TemporaryDirectory(prefix="callcoach-fuzz-") as name:
        yield Path(name)


def read_or_reject(path: Path) -> np.ndarray | None:
    """The whole contract: audio as (1 or 2, samples) finite float32, or AudioReadError."""
    try:
        info = probe(path)
        blocks = list(read_blocks(path, block_s=0.25))
        audio = read_all(path)
    except AudioReadError as exc:
        message = str(exc)
        assert message and "\n" not in message  # one line for the user
        return None
    assert info.channels in (1, 2)
    assert audio.dtype == np.float32 and audio.shape[0] in (1, 2)
    assert np.isfinite(audio).all()
    assert all(b.shape[0] == audio.shape[0] for b in blocks)
    full = round(0.25 * SAMPLE_RATE)
    assert all(b.shape[1] == full for b in blocks[:-1])
    return audio


def write(folder: Path, data: bytes, suffix: str) -> Path:
    path = folder / f"call{next(_counter)}{suffix}"
    path.write_bytes(data)
    return path


def test_the_seeds_are_readable(folder: Path) -> None:
    for suffix, data in SEEDS.items():
        audio = read_or_reject(write(folder, data, suffix))
        assert audio is not None and audio.shape[0] == 2, suffix


@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(folder: Path, data: bytes, suffix: str) -> None:
    read_or_reject(write(folder, data, suffix))


@given(
    seed=st.sampled_from(sorted(SEEDS)),
    suffix=st.sampled_from(SUFFIXES),
    cut=st.one_of(st.integers(0, 128), st.integers(0, 20_000)),
)
def test_truncated_files_and_headers(folder: Path, seed: str, suffix: str, cut: int) -> None:
    data = SEEDS[seed]
    read_or_reject(write(folder, data[: min(cut, len(data))], suffix))


@example(seed=".wav", flips=[(34, 0)], header=False)  # 0 bits per sample: no codec (found)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=40),
    header=st.booleans(),
)
def test_corrupted_bytes(
    folder: Path, seed: str, flips: list[tuple[int, int]], header: bool
) -> None:
    data = bytearray(SEEDS[seed])
    span = 64 if header else len(data)
    for pos, value in flips:
        data[pos % span] = value
    read_or_reject(write(folder, bytes(data), seed))


@settings(max_examples=10)
@given(
    seed=st.sampled_from(sorted(SEEDS)),
    junk=st.binary(min_size=1, max_size=2048),
    where=st.sampled_from(["start", "end", "middle"]),
)
def test_spliced_junk(folder: Path, seed: str, junk: bytes, where: str) -> None:
    data = SEEDS[seed]
    half = len(data) // 2
    spliced = {
        "start": junk + data,
        "end": data + junk,
        "middle": data[:half] + junk + data[half:],
    }[where]
    read_or_reject(write(folder, spliced, seed))


def test_odd_paths(folder: Path) -> None:
    for path in (folder / "missing.wav", folder, folder / "empty.flac"):
        if path.name == "empty.flac":
            path.write_bytes(b"")
        with pytest.raises(AudioReadError):
            read_all(path)
