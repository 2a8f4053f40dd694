"""Checks made before any work starts: outputs can be written, a screen can be opened.

A command that would analyse a whole call and then fail to save the result loses that work, so
every output path is probed first (with a real write, not only `os.access`: root passes
`os.access` even on a read-only filesystem).
"""

from __future__ import annotations

import logging
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from app.errors import CallcoachError

log = logging.getLogger(__name__.replace("app", "callcoach", 1))


class OutputError(CallcoachError):
    """An output path given on the command line cannot be written."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _existing_ancestor(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def _probe_dir(folder: Path, option: str, shown: Path) -> None:
    """A real write into `folder`: creates and removes a hidden temporary file."""
    try:
        fd, name = tempfile.mkstemp(prefix=".callcoach-probe-", dir=folder)
    except OSError as exc:
        raise OutputError(f"{option} {shown}: cannot write there ({_reason(exc)})") from None
    os.close(fd)
    try:
        os.unlink(name)
    except OSError:
        log.debug("could not remove the probe file %s", name, exc_info=True)


def writable_folder(path: Path, option: str = "--out") -> Path:
    """Make sure `path` is (or can become) a folder we can write reports into; creates it."""
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path}: is a file, not a folder")
    if not path.exists():
        ancestor = _existing_ancestor(path)
        if not ancestor.is_dir():
            raise OutputError(f"{option} {path}: {ancestor} is a file, not a folder")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            why = _reason(exc)
            raise OutputError(f"{option} {path}: cannot create the folder ({why})") from None
    _probe_dir(path, option, path)
    return path


def writable_file(path: Path, option: str) -> Path:
    """Make sure `path` names a file we can create or overwrite (its folder is created)."""
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder, not a file")
    if path.exists():
        try:
            # opening for writing without truncating: proves write access, keeps the content
            with path.open("r+b"):
                pass
        except OSError as exc:
            raise OutputError(f"{option} {path}: cannot write it ({_reason(exc)})") from None
        return path
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"{option} {path}: {parent} is a file, not a folder")
    ancestor = _existing_ancestor(parent)
    if not ancestor.is_dir():
        raise OutputError(f"{option} {path}: {ancestor} is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{option} {path}: cannot create its folder ({_reason(exc)})") from None
    _probe_dir(parent, option, path)
    return path


def positive_finite(text: str) -> float:
    """argparse type for options such as --speed: a finite number above zero."""
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number above 0")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1 (`--jobs`)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


# ---------------------------------------------------------------------------------- screen

_QT_PROBE = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(sys.argv[:1])\n"
    "sys.exit(0 if app.primaryScreen() is not None else 3)\n"
)


def screen_problem(timeout_s: float = 20.0) -> str | None:
    """Why no window can be shown, or None when Qt can open a screen here.

    Qt aborts the whole process (SIGABRT) when its platform plugin cannot connect to a display,
    e.g. with a stale DISPLAY left over from an ssh session, so the attempt is made first in a
    short-lived subprocess and only a working screen is handed to Qt in this process.
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform in ("offscreen", "minimal"):
        return f"QT_QPA_PLATFORM={platform} has no screen"
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    try:
        probe = subprocess.run(
            [sys.executable, "-c", _QT_PROBE],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"opening the screen did not finish within {timeout_s:.0f} s"
    except OSError as exc:
        return f"cannot start the screen check ({_reason(exc)})"
    if probe.returncode == 0:
        return None
    where = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY") or "default"
    detail = _first_qt_line(probe.stderr)
    log.debug("screen check failed (exit %s): %s", probe.returncode, probe.stderr.strip())
    return f"display {where}: {detail}" if detail else f"display {where} cannot be opened"


def _first_qt_line(stderr: str) -> str:
    for line in stderr.splitlines():
        text = line.strip()
        low = text.lower()
        if "could not connect to display" in low or "cannot open display" in low:
            return text.removeprefix("qt.qpa.xcb: ")
    return ""
