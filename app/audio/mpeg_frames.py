"""Whether an MP3 or ADTS AAC file ends inside a frame: a raw stream's only word that it was cut.

Neither format has a length in a header unless the encoder added one (an MP3's Xing / Info /
VBRI frame, which a streaming recorder does not write): FFmpeg then estimates the duration from
the bit rate and the file size, so a copy that stopped half way reads as a shorter call
(measured: an MP3 written to a pipe and cut to 50 % gave a 58 s report of a 117 s call, no
warning), and for AAC the "length its header says" is that estimate. Every frame header carries
the frame's length, though: a file whose last frame runs past its end was cut short. How much
is missing cannot be known; a cut exactly between two frames cannot be told from a clean end.

Only the first frame and the last 64 KiB are read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

TAIL_BYTES = 1 << 16  # at least 20 frames of any bit rate
CHAIN_MIN = 4  # frames in a row, each where the one before ends, before a chain is believed
ID3V1_BYTES = 128
APE_FOOTER_BYTES = 32

# kbit/s by (MPEG-1?, layer) and bit-rate index 1-14 (0: free format, 15: invalid)
_BITRATES = {
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
# Hz by version bits (0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1) and rate index 0-2
_RATES = {0: (11025, 12000, 8000), 2: (22050, 24000, 16000), 3: (44100, 48000, 32000)}

FrameLength = Callable[[bytes, int], "tuple[int, int] | None"]


def mp3_frame(data: bytes, at: int) -> tuple[int, int] | None:
    """(length, kind) of the MPEG audio frame whose header starts at `at`, None if none does
    (kind: the header bits that stay the same through a stream: version, layer, rate)."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (data[at + 1] >> 3) & 3, (data[at + 1] >> 1) & 3
    rate_index, bitrate_index = (data[at + 2] >> 2) & 3, data[at + 2] >> 4
    if version == 1 or layer_bits == 0 or rate_index == 3 or bitrate_index in (0, 15):
        return None
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _RATES[version][rate_index]
    padding = (data[at + 2] >> 1) & 1
    if layer == 1:
        length = (12 * bitrate // rate + padding) * 4
    else:
        length = (144 if mpeg1 or layer == 2 else 72) * bitrate // rate + padding
    return length, (version << 4) | (layer_bits << 2) | rate_index


def adts_frame(data: bytes, at: int) -> tuple[int, int] | None:
    """(length, kind) of the ADTS AAC frame whose header starts at `at`, None if none does."""
    if at + 7 > len(data) or data[at] != 0xFF or data[at + 1] & 0xF6 != 0xF0:
        return None
    length = ((data[at + 3] & 3) << 11) | (data[at + 4] << 3) | (data[at + 5] >> 5)
    header = 7 if data[at + 1] & 1 else 9  # protection absent: no CRC
    if length < header:
        return None
    return length, data[at + 2] & 0xFC  # profile and sample-rate index


def id3v2_end(f: BinaryIO) -> int:
    """Where the audio starts: after an ID3v2 tag at the head of the file, if there is one."""
    f.seek(0)
    head = f.read(10)
    if len(head) == 10 and head[:3] == b"ID3":
        size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
        return 10 + size + (10 if head[5] & 0x10 else 0)  # a footer repeats the header
    return 0


def audio_end(f: BinaryIO, size: int) -> int:
    """Where the frames end: before an ID3v1 tag and an APEv2 tag at the end of the file."""
    end = size
    if end >= ID3V1_BYTES:
        f.seek(end - ID3V1_BYTES)
        if f.read(3) == b"TAG":
            end -= ID3V1_BYTES
    if end >= APE_FOOTER_BYTES:
        f.seek(end - APE_FOOTER_BYTES)
        footer = f.read(APE_FOOTER_BYTES)
        if footer[:8] == b"APETAGEX":
            end -= int.from_bytes(footer[12:16], "little") + (32 if footer[23] & 0x80 else 0)
    return max(end, 0)


def ends_inside_a_frame(f: BinaryIO, size: int, frame: FrameLength) -> bool | None:
    """True: the last frame runs past the end of the audio (cut short); False: the frames end
    exactly there; None: no chain of frames could be followed to the end (free format, junk
    after the audio, not this format): nothing can be said."""
    end = audio_end(f, size)
    start = max(id3v2_end(f), end - TAIL_BYTES)
    f.seek(start)
    tail = f.read(end - start)
    at = tail.find(b"\xff")
    while 0 <= at < len(tail):
        verdict = _follow(tail, at, frame)
        if verdict is not None:
            return verdict
        at = tail.find(b"\xff", at + 1)
    return None


def _follow(tail: bytes, at: int, frame: FrameLength) -> bool | None:
    """Follow frames from `at`: a verdict once CHAIN_MIN of them have been seen in a row, else
    None (`at` was not the start of a frame)."""
    first = frame(tail, at)
    if first is None:
        return None
    kind, count = first[1], 0
    while True:
        found = frame(tail, at)
        if found is None or found[1] != kind:
            if count >= CHAIN_MIN and len(tail) - at < 7 and tail[at] == 0xFF:
                return True  # the last frame's header cut in two
            return None  # a false start, or junk after the frames: nothing to say
        count += 1
        at += found[0]
        if at == len(tail):
            return False if count >= CHAIN_MIN else None
        if at > len(tail):
            return True if count >= CHAIN_MIN else None


def has_length_header(first_frame: bytes) -> bool:
    """Whether an MP3's first frame is a Xing / Info / VBRI frame: the encoder wrote the
    stream's length, so FFmpeg's duration is the header's, not an estimate."""
    return any(tag in first_frame for tag in (b"Xing", b"Info", b"VBRI"))
