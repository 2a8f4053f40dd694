"""Is a live call still being written? Its row names the writing process (pid and host); a
call whose process is gone was cut off (killed, crashed, power lost) and is marked
"interrupted" by the next store opened on the file."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

# live calls being written by this process, by database file: another Store object opened in
# the same process must not take them for stale
_ACTIVE: dict[str, set[int]] = {}
_LOCK = threading.Lock()


def register_live_call(db: Path, call_id: int, active: bool) -> None:
    key = str(db.resolve())
    with _LOCK:
        calls = _ACTIVE.setdefault(key, set())
        (calls.add if active else calls.discard)(call_id)


def calls_written_here(db: Path) -> set[int]:
    with _LOCK:
        return set(_ACTIVE.get(str(db.resolve()), set()))


def writer_alive(pid: int | None, host: str | None) -> bool:
    """False when the writer is known to be gone. A store file is local to one machine: a
    writer recorded under another host name (or none, as in the first schema) is gone."""
    if pid is None or host != socket.gethostname():
        return False
    return process_alive(int(pid))


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # a call of this very process not registered as active: leave it
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
