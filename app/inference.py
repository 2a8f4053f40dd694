"""The one way callcoach imports onnxruntime and creates its sessions.

Every learned model (Silero VAD, tone, words) is an ONNX graph run by onnxruntime, whose official
builds carry Microsoft telemetry. `app.offline.lock_down()` has already set
``ORT_DISABLE_TELEMETRY=1`` when the `app` package was imported; here the runtime API switch is
turned off too, once, before the first session, and sessions are always CPU-only.
tests/test_offline_network.py checks that no other module imports
onnxruntime or creates a session.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from app import offline

log = logging.getLogger("callcoach.inference")
_lock = threading.Lock()
_module: ModuleType | None = None


def onnxruntime() -> ModuleType:
    """onnxruntime with its telemetry off; raises ImportError when it is not installed."""
    global _module
    with _lock:
        if _module is None:
            offline.lock_down()
            import onnxruntime as ort

            if offline.ORT_IMPORTED_TOO_EARLY:
                log.warning(
                    "onnxruntime was imported before callcoach switched its telemetry off; "
                    "import app first (see app/offline.py)"
                )
            ort.disable_telemetry_events()
            _module = ort
        return _module


def session_options(threads: int = 1, log_severity: int = 3) -> Any:
    """SessionOptions with explicit thread caps (one inter-op thread, `threads` intra-op)."""
    opts = onnxruntime().SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1
    opts.log_severity_level = log_severity
    return opts


def inference_session(path: Path | str, options: Any | None = None) -> Any:
    """A CPU inference session for the ONNX file at `path` (onnxruntime's own errors pass up)."""
    ort = onnxruntime()
    return ort.InferenceSession(
        str(path),
        sess_options=options if options is not None else session_options(),
        providers=["CPUExecutionProvider"],
    )
