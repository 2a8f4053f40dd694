"""Whether a recording's container says it was cut short: what FFmpeg does not tell.

FFmpeg takes a truncated file's length from what is there: for a WAV cut in half it reports
the half that is left (its demuxer clamps the header's data size to the file), and an Ogg file
(Vorbis, Opus, FLAC in Ogg) has no length in its header at all. So a call whose recorder
crashed, or whose copy stopped half way, decoded without a word of warning (measured: a 20 s
stereo WAV cut to 10 s, and a 60 s Ogg Vorbis cut to 29.5 s, gave reports with no warnings).
The containers themselves say it:

- WAV (RIFF, RF64, Sony Wave64): the `data` chunk's size is the length that was written; a file
  holding less is truncated, by the difference. A size of 0 or 0xFFFFFFFF is what a recorder
  writes while it is still streaming: no length is declared, nothing can be said.
- Ogg: every stream ends with a page carrying the end-of-stream flag. A file whose last page lacks
  it, or that ends inside a page, was cut short; how much is missing cannot be known.
- Matroska / WebM written live (a browser softphone's MediaRecorder, FFmpeg to a pipe) has no
  duration in its header and a segment of unknown size (measured: such a WebM cut to 50 % gave
  a 57 s report of a 117 s call, no warning). Every element inside still declares its size, so
  a file that ends inside one (a cluster, or a block of a cluster of unknown size) was cut
  short; how much is missing cannot be known. A cut that falls exactly between two clusters
  cannot be told from a clean end.
- MP3 without a Xing header and ADTS AAC declare no length at all (FFmpeg's duration is its
  estimate from the bit rate, not held to): a last frame running past the end of the file says
  it was cut short (app/audio/mpeg_frames.py).

Only the headers, the last page and Matroska's element headers are read, never the audio.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from app.audio.mpeg_frames import (
    adts_frame,
    ends_inside_a_frame,
    has_length_header,
    id3v2_end,
    mp3_frame,
)

UNKNOWN_SIZES = (0, 0xFFFFFFFF)  # a WAV data size a streaming writer leaves: no length declared
OGG_MAX_PAGE = 27 + 255 + 255 * 255  # header, segment table, body
OGG_EOS = 0x04
MAX_WAV_CHUNKS = 64  # chunks looked at before `data` (real files have a handful)
W64_RIFF = b"riff\x2e\x91\xcf\x11\xa5\xd6\x28\xdb\x04\xc1\x00\x00"  # Wave64's GUIDs
W64_WAVE = b"wave\xf3\xac\xd3\x11\x8c\xd1\x00\xc0\x4f\x8e\xdb\x8a"
EBML = 0x1A45DFA3
SEGMENT = 0x18538067
CLUSTER = 0x1F43B675
MAX_EBML_ELEMENTS = 5_000_000  # element headers walked (a 10-hour call has ~2 M blocks)


@dataclass(frozen=True, slots=True)
class ContainerEnd:
    """What the container says of the file's end.

    `declared_s`: the length its header declares, in seconds (None: it declares none);
    `present_s`: how much of that the file holds (WAV); `cut_short`: the container says the file
    ends before its end (a WAV's data shorter than declared, an Ogg stream without its last
    page); `why`: the evidence, in words."""

    declared_s: float | None
    present_s: float | None
    cut_short: bool
    why: str = ""
    # the container declares no length at all (raw MP3 without a Xing header, ADTS AAC): the
    # duration FFmpeg gives is its estimate from the bit rate, no claim to hold the file to
    estimated_length: bool = False


def container_end(path: Path) -> ContainerEnd | None:
    """What `path`'s container says of its end (None: not a WAV, Ogg, Matroska, MP3 or ADTS
    file, or it says nothing). Never raises for a damaged file: an unreadable header says
    nothing."""
    try:
        with path.open("rb") as f:
            head = f.read(40)
            size = path.stat().st_size
            if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
                return _wav_end(f, size)
            if head[:16] == W64_RIFF and head[24:40] == W64_WAVE:
                return _wav_end(f, size, wave64=True)
            if head[:4] == b"OggS":
                return _ogg_end(f, size)
            if head[:4] == EBML.to_bytes(4, "big"):
                return _matroska_end(f, size)
            return _raw_frames_end(f, size)
    except (OSError, struct.error):
        return None
    return None


def _raw_frames_end(f: BinaryIO, size: int) -> ContainerEnd | None:
    """MP3 or ADTS AAC (after an ID3v2 tag): whether the last frame runs past the end."""
    f.seek(id3v2_end(f))
    first = f.read(4096)
    for name, frame in (("ADTS AAC", adts_frame), ("MP3", mp3_frame)):
        found = frame(first, 0)
        if found is None:
            continue
        estimated = name != "MP3" or not has_length_header(first[: found[0]])
        if ends_inside_a_frame(f, size, frame):
            why = f"the file ends inside an {name} frame"
            return ContainerEnd(None, None, True, why, estimated_length=estimated)
        return ContainerEnd(None, None, False, estimated_length=estimated)
    return None


def _wav_end(f: BinaryIO, size: int, wave64: bool = False) -> ContainerEnd | None:
    """RIFF chunks: a 4-byte id and 32-bit size, padded to 2 bytes; Wave64's: a 16-byte GUID
    (its first 4 bytes the RIFF id) and a 64-bit size that counts the 24-byte header, padded
    to 8 bytes."""
    header, pos = (24, 40) if wave64 else (8, 12)
    byte_rate = 0
    ds64_data: int | None = None
    for _ in range(MAX_WAV_CHUNKS):
        if pos + header > size:
            break
        f.seek(pos)
        chunk = f.read(header)
        if wave64:
            cid, length = chunk[:4], struct.unpack("<Q", chunk[16:24])[0] - header
        else:
            cid, length = chunk[:4], struct.unpack("<I", chunk[4:8])[0]
        body = pos + header
        if length < 0:  # a Wave64 size smaller than its own header: a damaged file says nothing
            return None
        if cid == b"ds64":  # RF64: the real sizes, 64-bit (riff, data, sample count)
            ds64_data = struct.unpack("<Q", f.read(16)[8:16])[0]
        elif cid == b"fmt ":
            byte_rate = struct.unpack("<I", f.read(12)[8:12])[0]
        elif cid == b"data":
            if length == 0xFFFFFFFF and ds64_data is not None and not wave64:
                length = ds64_data
            if length in UNKNOWN_SIZES or byte_rate <= 0:
                return None
            held = min(size - body, length)
            declared, present = length / byte_rate, held / byte_rate
            why = (
                f"the WAV header declares {declared:.1f} s of audio, the file holds {present:.1f} s"
                if held < length
                else ""
            )
            return ContainerEnd(declared, present, held < length, why)
        pos = body + length + ((-length % 8) if wave64 else (length & 1))
    return None


def _ogg_end(f: BinaryIO, size: int) -> ContainerEnd:
    start = max(0, size - OGG_MAX_PAGE)
    f.seek(start)
    tail = f.read()
    # the last page is the last capture pattern whose page ends exactly at the end of the file
    # (an "OggS" inside a page's audio does not end there)
    at = tail.rfind(b"OggS")
    while at >= 0:
        page_end = _page_end(tail, at)
        if page_end == len(tail):
            if tail[at + 5] & OGG_EOS:
                return ContainerEnd(None, None, False)
            return ContainerEnd(None, None, True, "the last Ogg page lacks the end-of-stream mark")
        at = tail.rfind(b"OggS", 0, at)
    return ContainerEnd(None, None, True, "the file ends inside an Ogg page")


def _page_end(data: bytes, at: int) -> int | None:
    """Where the Ogg page starting at `at` ends in `data` (None: its header is not all there)."""
    if at + 27 > len(data) or data[at + 4] != 0:  # stream structure version 0
        return None
    segments = data[at + 26]
    table_end = at + 27 + segments
    if table_end > len(data):
        return None
    return table_end + sum(data[at + 27 : table_end])


def _vint(f: BinaryIO, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at the file's position: (value, bytes), None at the end
    of the file or on a byte no integer starts with. An element id keeps its length marker; a
    size loses it, and a size of all ones (for its length) is returned as -1: unknown."""
    first = f.read(1)
    if not first or first[0] == 0:
        return None
    length = 9 - first[0].bit_length()
    rest = f.read(length - 1)
    if len(rest) < length - 1:
        return None
    value = first[0] if keep_marker else first[0] & ((0x80 >> (length - 1)) - 1)
    for byte in rest:
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


def _element(f: BinaryIO) -> tuple[int, int] | None:
    """(id, size) of the element at the file's position (size -1: unknown), None when its
    header is not all there."""
    ident = _vint(f, keep_marker=True)
    if ident is None:
        return None
    size = _vint(f, keep_marker=False)
    return None if size is None else (ident[0], size[0])


def _matroska_end(f: BinaryIO, size: int) -> ContainerEnd | None:
    """Walk the segment's element headers: any element (or a live cluster's block) whose
    declared size runs past the end of the file says it was cut short. A segment of known size
    larger than the file says so at once."""
    f.seek(0)
    head = _element(f)
    if head is None or head[1] < 0:
        return None
    f.seek(f.tell() + head[1])
    segment = _element(f)
    if segment is None or segment[0] != SEGMENT:
        return None
    cut = ContainerEnd(None, None, True, "the file ends inside a Matroska/WebM element")
    if segment[1] >= 0:
        if f.tell() + segment[1] > size:
            return ContainerEnd(
                None, None, True, "the Matroska/WebM segment runs past the end of the file"
            )
        return ContainerEnd(None, None, False)
    pos = f.tell()
    for _ in range(MAX_EBML_ELEMENTS):
        if pos == size:
            return ContainerEnd(None, None, False)
        f.seek(pos)
        element = _element(f)
        if element is None:
            return cut
        ident, length = element
        body = f.tell()
        if length < 0:
            if ident != CLUSTER:  # only a cluster is written with its size unknown
                return None
            pos = body  # its blocks follow: each declares its size
            continue
        if body + length > size:
            return cut
        pos = body + length
    return None
