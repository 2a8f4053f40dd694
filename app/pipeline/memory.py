"""Handing freed memory back to the system during a long call (glibc's allocator, Linux).

Each utterance has the speech model and the tone model's encoder allocate buffers sized by its
length and free them again; glibc keeps freed heap pages resident. `trim_heap` (malloc_trim)
returns them; the call loop runs it every 30 s of audio, which costs nothing measurable.

Measured and not done: a fixed mmap threshold (M_MMAP_THRESHOLD 256 KiB) keeps such buffers out
of the heap altogether and lowers a call's peak by ~30 MB (60-minute call 428 MB instead of 461
MB, benchmarks/analyze_memory.py), but every utterance then page-faults its buffers afresh: ASR +
tone took 58 % more CPU (4 MiB: +13 % CPU for ~24 MB). Speed on the agent's machine matters more.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys


def trim_heap() -> None:
    """Hand the heap's free pages back to the system (glibc malloc_trim); a no-op elsewhere."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018  (glibc only: musl has none)
    except (OSError, AttributeError):
        return None
    return libc
