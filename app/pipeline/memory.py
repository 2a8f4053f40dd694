"""Keeping the process's memory flat over a long call (glibc's allocator, Linux).

Each utterance has the speech model (and the tone model's encoder) allocate buffers sized by its
length and free them again. glibc serves big requests with mmap, but raises that threshold each
time such a block is freed, after which the same buffers come from the heap and their pages stay
resident: a call's peak then creeps up with every longer utterance (measured: 430 MB for a
4-minute call, 392 MB with a fixed threshold). Fixing the threshold keeps buffers over 256 KiB
mmapped, so freeing one gives its memory back. A no-op where glibc is not the allocator.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys

log = logging.getLogger(__name__)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 256 * 1024


@functools.lru_cache(maxsize=1)
def give_back_freed_buffers() -> bool:
    """Once per process: a fixed mmap threshold for glibc's malloc. True if it was set."""
    libc = _libc()
    if libc is None:  # not Linux, or a libc without glibc's malloc
        return False
    ok = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
    log.debug("malloc mmap threshold fixed at %d bytes: %s", MMAP_THRESHOLD_BYTES, ok)
    return ok


def trim_heap() -> None:
    """Hand the heap's free pages back to the system (glibc malloc_trim); cheap, call it now
    and then (the call loop does every 30 s of audio)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018  (present in glibc only)
    except (OSError, AttributeError):
        return None
    return libc
