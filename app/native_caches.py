"""Bounding what native libraries cache per input shape, for a process that runs all day.

CTranslate2 runs Whisper's encoder through oneDNN, which keeps every compiled primitive it made in
a cache of 1024 by default. callcoach's encoder windows follow each utterance's length (the speech
model's and the tone model's), so a call brings new shapes, and every new shape added about
0.9 MB of heap until the cache filled (measured: +74 MB over 80 distinct lengths; a soak of
calls that dropped audio grew ~1.3 MB per call). A capacity of 64 keeps the few recurring windows
(short turns share one padded size) and holds the cache to ~10 MB; compiling a primitive costs
nothing measurable next to the encoder itself (0.28-0.29 s per tone embedding either way).
oneDNN reads the variable when it first builds a primitive, so setting it when `app` is imported is
early enough; a value already in the environment is kept (a site may tune it).

glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MB), so the
encoders' and decoders' freed working buffers stay in the heap instead of going back to the
system, and the heap grows with how many different large buffers a call needed. On a machine
whose CPU has AMX (oneDNN picks other kernels there) `python -m benchmarks.analyze_memory` gave
348 / 430 / 460 MB peak for 2- / 10- / 60-minute calls. Fixed thresholds (mallopt, as
MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ would), 60-minute peak and the demo analysis's wall
time against none (farm-bench, same run): mmap 1 MB + trim 8 MB (chosen) 367 MB, 1.07x; 1 MB + 1 MB
372 MB, slower (system time 2.0 s against 0.5 s); 1 MB + 64 MB 396 MB; 16 MB 417 MB, 1.00x.
Thresholds a site set in the environment are kept.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

ONEDNN_PRIMITIVE_CACHE = "64"
MMAP_THRESHOLD = 1 << 20  # bytes: blocks over this are mmap'd and returned when freed
TRIM_THRESHOLD = 8 << 20  # bytes of free heap top kept before it is given back
_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3


def bound_native_caches() -> None:
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", ONEDNN_PRIMITIVE_CACHE)
    fix_malloc_thresholds()


def fix_malloc_thresholds() -> bool:
    """Fixed mmap and trim thresholds for glibc's malloc (Linux); False where there is none, or
    where the environment already sets them."""
    if not sys.platform.startswith("linux"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018  glibc only (musl has no such thresholds)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    mmap_set = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    trim_set = mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return mmap_set and trim_set
