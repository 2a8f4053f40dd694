"""A recording cut short is said, not silently analysed as a shorter call (issue 14): FFmpeg takes
a WAV's and an Ogg file's length from what is there, so the reader asks the container itself
(app/audio/container_end.py)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from app.audio.container_end import CLUSTER, EBML, W64_RIFF, W64_WAVE, container_end
from app.audio.reader import SAMPLE_RATE
from app.audio.source import CallAudio
from app.cli import main

W64_HEAD = W64_RIFF + bytes(8) + W64_WAVE
HEADS = [b"RIFF\x00\x00\x00\x00WAVE", b"RF64\xff\xff\xff\xffWAVE", W64_HEAD, b"OggS"]


def _call(shared_data: Path) -> np.ndarray:
    """A real two-speaker call (n, 2): agent (RAVDESS actor 7) left, customer (actor 3) right."""
    from tests.test_reader import _conversation

    return _conversation(shared_data)[0].T.astype(np.float32)


def _read(path: Path) -> tuple[float, list]:
    call = CallAudio(path)
    seconds = sum(b.shape[1] for b in call) / SAMPLE_RATE
    return seconds, list(call.repairs)


def _cut(path: Path, share: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])


@pytest.mark.parametrize("fmt", ["WAV", "RF64", "W64"])
def test_a_wav_cut_short_says_how_much_is_missing(
    shared_data: Path, tmp_path: Path, fmt: str
) -> None:
    x = _call(shared_data)
    path = tmp_path / ("cut.w64" if fmt == "W64" else "cut.wav")
    sf.write(path, x, SAMPLE_RATE, format=fmt, subtype="PCM_16")
    whole = len(x) / SAMPLE_RATE
    assert _read(path)[1] == []  # the whole file: nothing to say
    _cut(path, 0.6)
    got, repairs = _read(path)
    assert got == pytest.approx(0.6 * whole, abs=0.05)  # what is there is all analysed
    assert [r.what for r in repairs] == ["truncated"]
    assert repairs[0].start_s == pytest.approx(got, abs=0.01)
    assert repairs[0].duration_s == pytest.approx(whole - got, abs=0.01)
    assert f"{whole:.1f} s" in repairs[0].detail  # what the header declared


@pytest.mark.parametrize("subtype", ["VORBIS", "OPUS"])
def test_an_ogg_file_cut_short_is_said_though_its_length_cannot_be(
    shared_data: Path, tmp_path: Path, subtype: str
) -> None:
    path = tmp_path / "cut.ogg"
    rate = 48_000 if subtype == "OPUS" else SAMPLE_RATE
    x = _call(shared_data)
    if rate != SAMPLE_RATE:
        x = np.repeat(x, 3, axis=0)  # 48 kHz for Opus: the words do not matter here
    sf.write(path, x, rate, format="OGG", subtype=subtype)
    end = container_end(path)
    assert end is not None and not end.cut_short
    assert _read(path)[1] == []
    for share in (0.5, 0.9):
        _cut(path, share)
        got, repairs = _read(path)
        assert 0 < got < len(x) / rate
        assert [r.what for r in repairs] == ["truncated"]
        assert repairs[0].start_s == pytest.approx(got, abs=0.1)
        assert not repairs[0].length_known
        assert repairs[0].to_report()["how_long"] is None
        assert "length unknown" in repairs[0].text()


class _Pipe:
    """A write-only sink: PyAV then writes as to a pipe (no seeking back to fill in sizes)."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data.extend(chunk)
        return len(chunk)


def _written_live(x: np.ndarray, fmt: str = "webm", codec: str = "libopus") -> bytes:
    """`x` (n, 2) at 16 kHz encoded as a recorder writes it live, to a pipe: a WebM without
    duration and with a segment of unknown size (what a browser's MediaRecorder writes too), an
    MP3 without a Xing header, raw ADTS AAC."""
    import av

    sink = _Pipe()
    out = av.open(sink, "w", format=fmt)
    rate = 48_000 if codec == "libopus" else SAMPLE_RATE
    stream = out.add_stream(codec, rate=rate, layout="stereo")
    resampler = av.AudioResampler(
        format=stream.codec_context.format.name, layout="stereo", rate=rate
    )
    for i in range(0, len(x), SAMPLE_RATE):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(x[i : i + SAMPLE_RATE].T), format="fltp", layout="stereo"
        )
        frame.sample_rate = SAMPLE_RATE
        for resampled in resampler.resample(frame):
            for packet in stream.encode(resampled):
                out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return bytes(sink.data)


def _clusters_of_unknown_size(data: bytes) -> tuple[bytes, list[int]]:
    """The same file with every cluster's size written as unknown (as MediaRecorder writes
    them), and where each cluster starts."""
    out, starts = bytearray(data), []
    # past the EBML header (its size fits one byte here), the segment's id and its 8-byte size
    pos = 5 + (data[4] & 0x7F) + 12
    while pos < len(out):
        ident_len = 9 - out[pos].bit_length()
        ident = int.from_bytes(out[pos : pos + ident_len], "big")
        at = pos + ident_len
        size_len = 9 - out[at].bit_length()
        size = int.from_bytes(out[at : at + size_len], "big") & ((1 << (7 * size_len)) - 1)
        if ident == CLUSTER:
            starts.append(pos)
            out[at : at + size_len] = ((1 << (8 * size_len - size_len + 1)) - 1).to_bytes(
                size_len, "big"
            )
        pos = at + size_len + size
    return bytes(out), starts


def _cut_short_is_said(path: Path, data: bytes, whole_s: float, said: str) -> None:
    """`data` cut at 50 % and 90 % into `path`: what is there is read and one `truncated`
    warning, of unknown length, says where (a partial last packet may add `corrupt packets`)."""
    for share in (0.5, 0.9):
        path.write_bytes(data[: int(len(data) * share)])
        got, repairs = _read(path)
        assert 0 < got < whole_s - 1
        assert [r.what for r in repairs if r.what != "corrupt packets"] == ["truncated"]
        (cut,) = [r for r in repairs if r.what == "truncated"]
        assert cut.start_s == pytest.approx(got, abs=0.1) and not cut.length_known
        assert said in cut.detail


@pytest.mark.parametrize("clusters", ["sized", "unknown size"])
def test_a_webm_written_live_and_cut_short_is_said(
    shared_data: Path, tmp_path: Path, clusters: str
) -> None:
    """A live-written WebM (no duration, segment of unknown size) cut in half gave a report of
    half the call with no warning: every element inside still declares its size, so the end of
    the file inside one says it was cut short (how much is missing cannot be known)."""
    x = _call(shared_data)
    data = _written_live(x)
    starts: list[int] = []
    if clusters == "unknown size":
        data, starts = _clusters_of_unknown_size(data)
        assert len(starts) > 3
    path = tmp_path / "softphone.webm"
    path.write_bytes(data)
    got, repairs = _read(path)
    assert repairs == [] and got == pytest.approx(len(x) / SAMPLE_RATE, abs=0.1)
    _cut_short_is_said(path, data, len(x) / SAMPLE_RATE, "Matroska/WebM")
    if starts:  # a cut exactly between two clusters cannot be told from a clean end
        path.write_bytes(data[: starts[len(starts) // 2]])
        end = container_end(path)
        assert end is not None and not end.cut_short


@pytest.mark.parametrize(("fmt", "codec"), [("mp3", "libmp3lame"), ("adts", "aac")])
def test_a_raw_mp3_or_aac_stream_cut_short_is_said(
    shared_data: Path, tmp_path: Path, fmt: str, codec: str
) -> None:
    """An MP3 without a Xing header or an ADTS AAC file has no length in any header: FFmpeg
    estimates one from the bit rate. An MP3 written live and cut in half gave a 58 s report of
    a 117 s call with no warning; a cut AAC was said to miss the estimate's 1.2 s. The last
    frame running past the end of the file is what says it was cut, length unknown."""
    x = _call(shared_data)
    data = _written_live(x, fmt, codec)
    path = tmp_path / f"recorder.{'aac' if fmt == 'adts' else 'mp3'}"
    for whole in (data, data + b"TAG" + bytes(125)):  # an ID3v1 tag after the frames
        path.write_bytes(whole)
        got, repairs = _read(path)
        assert repairs == [] and got == pytest.approx(len(x) / SAMPLE_RATE, abs=0.2)
    said = f"inside an {'ADTS AAC' if fmt == 'adts' else 'MP3'} frame"
    _cut_short_is_said(path, data, len(x) / SAMPLE_RATE, said)


def test_an_mp3_with_a_length_header_says_how_much_is_missing(
    shared_data: Path, tmp_path: Path
) -> None:
    """An MP3 whose encoder wrote a Xing / Info frame declares its length: that is held to."""
    x = _call(shared_data)
    path = tmp_path / "exported.mp3"
    sf.write(path, x, SAMPLE_RATE, format="MP3")
    end = container_end(path)
    assert end is not None and not end.estimated_length and not end.cut_short
    _cut(path, 0.5)
    got, repairs = _read(path)
    assert [r.what for r in repairs] == ["truncated"] and repairs[0].length_known
    assert repairs[0].duration_s == pytest.approx(len(x) / SAMPLE_RATE - got, abs=0.2)


def test_a_wav_still_being_written_declares_no_length(shared_data: Path, tmp_path: Path) -> None:
    """A recorder streaming a WAV writes 0xFFFFFFFF (or 0) as the data size until it closes the
    file: that is no claim about the length, so nothing is reported and all of it is read."""
    x = _call(shared_data)
    path = tmp_path / "live.wav"
    sf.write(path, x, SAMPLE_RATE, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    at = data.index(b"data")
    for size in (0xFFFFFFFF, 0):
        data[at + 4 : at + 8] = struct.pack("<I", size)
        path.write_bytes(bytes(data))
        assert container_end(path) is None
        got, repairs = _read(path)
        assert repairs == []
        assert got == pytest.approx(len(x) / SAMPLE_RATE, abs=0.01)


def test_the_report_and_one_stderr_line_say_the_call_was_cut_short(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    x = _call(shared_data)
    path = tmp_path / "crashed.wav"
    sf.write(path, x, SAMPLE_RATE, subtype="PCM_16")
    _cut(path, 0.5)
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    report = json.loads((out / "crashed.json").read_text())
    (warning,) = report["warnings"]
    assert warning["what"] == "truncated"
    assert warning["how_long"] == pytest.approx(len(x) / SAMPLE_RATE - warning["where"], abs=0.01)
    assert report["utterances"]  # the half that is there is analysed
    assert max(u["end"] for u in report["utterances"]) <= warning["where"] + 0.01
    err = [line for line in capsys.readouterr().err.splitlines() if "crashed.wav" in line]
    assert len(err) == 1 and "truncated" in err[0] and "Traceback" not in err[0]


def test_files_that_cannot_be_read_say_why_in_plain_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    short = tmp_path / "short.ogg"
    sf.write(short, np.zeros(SAMPLE_RATE * 3, np.float32), SAMPLE_RATE, format="OGG")
    _cut(short, 0.3)  # cut inside the codec's headers: no audio can be decoded at all
    assert main(["analyze", str(empty), str(short), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "empty.wav: the file is empty (0 bytes)" in err
    assert "short.ogg: not a readable audio file" in err
    assert "Errno" not in err and "Traceback" not in err


def test_silence_on_both_channels_is_not_called_the_same_audio(
    shared_data: Path, tmp_path: Path
) -> None:
    """Six seconds of digital silence on both sides before the call starts (a recorder started
    before the line connected) were reported as "the same audio on both channels (hold music or
    IVR?)": silence says nothing either way, so a run of it alone is not such a stretch."""
    x = _call(shared_data)
    lead = np.zeros((6 * SAMPLE_RATE, 2), np.float32)
    path = tmp_path / "late_start.wav"
    sf.write(path, np.concatenate([lead, x]), SAMPLE_RATE, subtype="FLOAT")
    call = CallAudio(path)
    assert call.speakers == ["agent", "customer"]
    list(call)
    assert call.repairs == []


@settings(max_examples=300, deadline=None)
@given(
    magic=st.sampled_from(
        [
            b"RIFF\x00\x00\x00\x00WAVE",
            b"RF64\xff\xff\xff\xffWAVE",
            W64_HEAD,
            b"OggS",
            EBML.to_bytes(4, "big"),
            b"\xff\xfb\x90\x64",  # an MPEG-1 layer III frame header
            b"\xff\xf1\x50\x80",  # an ADTS header
            b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64",
            EBML.to_bytes(4, "big") + b"\x80\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff",
        ]
    ),
    body=st.binary(max_size=400),
)
def test_any_bytes_behind_a_container_header_say_something_or_nothing(
    tmp_path_factory: pytest.TempPathFactory, magic: bytes, body: bytes
) -> None:
    """A damaged header never raises: it says nothing (None) or what it can."""
    path = tmp_path_factory.mktemp("end") / "x.bin"
    path.write_bytes(magic + body)
    end = container_end(path)
    assert end is None or isinstance(end.cut_short, bool)


def test_a_recording_replayed_live_says_what_analyze_says_of_it(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`live --simulate` of a recording cut short wrote a report without a word of it (the
    replay's source kept the reader's findings to itself): its warnings are analyze's now."""
    x = _call(shared_data)
    path = tmp_path / "replayed.wav"
    sf.write(path, x, SAMPLE_RATE, subtype="PCM_16")
    _cut(path, 0.6)
    assert main(["analyze", str(path), "--out", str(tmp_path / "batch")]) == 0
    batch = json.loads((tmp_path / "batch" / "replayed.json").read_text())
    capsys.readouterr()
    args = ["live", "--simulate", str(path), "--speed", "20", "--lossless", "--headless"]
    assert main([*args, "--out", str(tmp_path / "live")]) == 0
    live = json.loads((tmp_path / "live" / "replayed.json").read_text())
    assert [w["what"] for w in batch["warnings"]] == ["truncated"]
    assert live["warnings"] == batch["warnings"]
    err = [line for line in capsys.readouterr().err.splitlines() if "replayed.wav" in line]
    assert len(err) == 1 and "warning: truncated at" in err[0]
