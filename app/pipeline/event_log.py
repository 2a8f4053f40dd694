"""Writing live events as JSON lines (`callcoach live --events OUT.jsonl`)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO

from app.events import Event, event_to_dict


class EventLog:
    """One JSON object per line: `type`, `call_t`, `wall_t` and the event's fields.

    `call_t` is where the call was (seconds of audio captured) when the event was emitted;
    an event's own time (`t`, `start`/`end`) is kept as its own field.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = path.open("w", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, event: Event, call_t: float, wall_t: float) -> None:
        row = event_to_dict(event)
        row["call_t"] = round(call_t, 3)
        row["wall_t"] = round(wall_t, 3)
        with self._lock:
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()
