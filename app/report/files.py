"""Writing a report file whole or not at all: a reader (or a crash) never sees half a file, and
a failed write leaves no temporary file behind."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def write_atomically(
    path: Path, write: Callable[[TextIO], object], *, newline: str | None = None
) -> Path:
    """Create `path` from what `write` writes to a text stream (UTF-8), via a temporary file
    beside it that replaces `path` only once complete."""
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline=newline) as out:
            write(out)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
