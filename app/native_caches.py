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
"""

from __future__ import annotations

import os

ONEDNN_PRIMITIVE_CACHE = "64"


def bound_native_caches() -> None:
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", ONEDNN_PRIMITIVE_CACHE)
