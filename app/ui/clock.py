"""Call time for the overlay, and a guard for numbers that arrive from outside."""

from __future__ import annotations

import math
import time
from typing import Any


def finite(value: Any) -> float | None:
    """`value` as a float, or None when it is not a finite number (None, "x", NaN, inf)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class EventClock:
    """Call time from the events seen so far, running on with the wall clock between them."""

    def __init__(self) -> None:
        self.t, self.wall, self.running = 0.0, time.monotonic(), False

    def __call__(self) -> float:
        return self.t + (time.monotonic() - self.wall if self.running else 0.0)

    def note(self, t: float) -> None:
        self.t, self.wall, self.running = max(t, self()), time.monotonic(), True

    def stop(self) -> None:
        self.t, self.running = self(), False

    def reset(self) -> None:
        self.t, self.running = 0.0, False
