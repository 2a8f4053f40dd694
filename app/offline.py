"""Keeping callcoach off the network: telemetry switched off before any library can start it.

`lock_down()` runs when the `app` package is imported, before any module imports onnxruntime,
faster-whisper or huggingface_hub (every entry point — the `callcoach` script, `python -m app`, the
frozen build, the tests — imports `app` first). What each switch does:

- ``ORT_DISABLE_TELEMETRY=1``: onnxruntime's official builds carry Microsoft's 1DS telemetry
  (on Linux from 1.29: the 1.24.4 and 1.28.0 wheels hold no 1DS code, 1.29.0, 1.30.0 and 1.32.0
  hold it together with this switch). Without this variable, importing onnxruntime creates
  ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/`` (a persistent device id and an SQLite queue of
  events) and uploads them over HTTPS. It is read once, when onnxruntime is first imported: setting
  it later does nothing, and `disable_telemetry_events()` alone still leaves the device id and an
  initialisation event (checked with onnxruntime 1.32). `app.inference` also calls that API.
- ``HF_HUB_OFFLINE=1``, ``HF_HUB_DISABLE_TELEMETRY=1``, ``HF_HUB_DISABLE_IMPLICIT_TOKEN=1``:
  faster-whisper imports huggingface_hub, which would otherwise fetch a model named by id; callcoach
  only loads local folders, and a missing model must fail, not download.
- ``DO_NOT_TRACK=1``: the cross-tool convention some libraries honour.

CTranslate2, PyAV (FFmpeg), tokenizers, PortAudio and Qt have no telemetry; the tests in
tests/test_offline_network.py run every command with the network blocked and fail on any
connection attempt, DNS included.
"""

from __future__ import annotations

import os
import sys

FORCED = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
}

#: True when onnxruntime was imported before callcoach could switch its telemetry off.
ORT_IMPORTED_TOO_EARLY = False


def lock_down() -> None:
    """Set the switches above in this process's environment (inherited by child processes)."""
    global ORT_IMPORTED_TOO_EARLY
    if "onnxruntime" in sys.modules and os.environ.get("ORT_DISABLE_TELEMETRY") != "1":
        ORT_IMPORTED_TOO_EARLY = True
    for key, value in FORCED.items():
        os.environ[key] = value
