"""The customer's frustration over time: smoothed level, slope and a "rising" signal."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from app.events import TrendPoint


@dataclass
class FrustrationTrend:
    """Exponential smoothing over utterances, weighted by how long each one lasted.

    A long angry turn moves the level more than a short "yes". The slope is the change of the
    smoothed level over the last `window` utterances; "rising" needs both a clear slope and a
    level that is not trivially low.
    """

    half_life_s: float = 8.0  # speech seconds after which an old reading counts half
    window: int = 3
    rise_threshold: float = 0.12
    fall_threshold: float = -0.12
    level: float = 0.0
    _count: int = 0
    _history: deque[float] = field(default_factory=lambda: deque(maxlen=8))

    def update(self, t: float, frustration: float, duration_s: float) -> TrendPoint:
        if self._count == 0:
            self.level = frustration
        else:
            keep = 0.5 ** (max(duration_s, 0.3) / self.half_life_s)
            # a sharp jump registers faster than a slow decline: anger should not be averaged away
            if frustration > self.level:
                keep *= 0.6
            self.level = keep * self.level + (1.0 - keep) * frustration
        self._count += 1
        self._history.append(self.level)
        past = (
            self._history[-1 - self.window]
            if len(self._history) > self.window
            else (self._history[0])
        )
        slope = self.level - past
        rising = slope >= self.rise_threshold and self.level >= 0.3
        direction: Literal["rising", "steady", "falling"] = (
            "rising" if rising else "falling" if slope <= self.fall_threshold else "steady"
        )
        return TrendPoint(t=t, level=self.level, slope=slope, direction=direction)
