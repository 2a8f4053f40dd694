"""An in-process network guard: every Python-level connection attempt or name lookup raises.

Used by the tests and by `callcoach selftest` to prove a run touches no network. It patches the
`socket` module (connect, connect_ex, sendto, sendmsg, getaddrinfo, gethostbyname…); local
AF_UNIX sockets (the X server, D-Bus, PulseAudio) stay allowed. Native code that opens sockets
without Python (onnxruntime's telemetry uploader, for one) is not seen here: the tests also run
every command in a network namespace under strace (tests/test_offline_network.py).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class NetworkBlockedError(OSError):
    """Raised instead of a connection attempt or a DNS lookup while the guard is active."""


_PATCHED_SOCKET_METHODS = ("connect", "connect_ex", "sendto", "sendmsg")
_PATCHED_FUNCTIONS = (
    "getaddrinfo",
    "gethostbyname",
    "gethostbyname_ex",
    "gethostbyaddr",
    "getnameinfo",
    "create_connection",
)
_lock = threading.Lock()


def _is_local(sock: Any) -> bool:
    family = getattr(sock, "family", None)
    return family == getattr(socket, "AF_UNIX", object())


@contextmanager
def network_blocked() -> Iterator[list[str]]:
    """Block the network inside the `with`; yields the list of attempts made (as text).

    Each attempt raises `NetworkBlockedError` at the caller and is recorded, so a library that
    swallows the error is still caught by checking the list afterwards."""
    attempts: list[str] = []
    saved: dict[tuple[Any, str], Any] = {}

    def blocker(what: str, original: Callable[..., Any], method: bool) -> Callable[..., Any]:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            if method and _is_local(args[0]):
                return original(*args, **kwargs)
            shown = args[1:] if method else args
            attempts.append(f"{what}{shown!r}")
            raise NetworkBlockedError(f"network use blocked by callcoach: {what}{shown!r}")

        return blocked

    with _lock:
        for name in _PATCHED_SOCKET_METHODS:
            original = getattr(socket.socket, name)
            saved[(socket.socket, name)] = original
            setattr(socket.socket, name, blocker(f"socket.{name}", original, True))
        for name in _PATCHED_FUNCTIONS:
            original = getattr(socket, name)
            saved[(socket, name)] = original
            setattr(socket, name, blocker(f"socket.{name}", original, False))
    try:
        yield attempts
    finally:
        with _lock:
            for (owner, name), original in saved.items():
                setattr(owner, name, original)
