"""The customer's frustration over time: smoothed level, slope and a "rising" signal."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from app.events import TrendPoint


@dataclass
class FrustrationTrend:
    """Exponential smoothing over utterances, weighted by how long each one lasted.

    A long angry turn moves the level more than a short "yes", but no single turn moves it more
    than `max_pull` of the way to its own score: one loud or badly transcribed turn is not a
    trend (a turn that is itself "high" is judged on its own by the coach). The level starts at 0.

    `slope` is the change of the smoothed level over the last `window` utterances. A rise counts
    only when at least `min_turns_up` of those utterances each pulled the level up by
    `up_step` or more; a rise carried by one turn alone is reported as a slope of 0. "rising"
    needs a counted rise of `rise_threshold` and a level that is not trivially low.
    """

    half_life_s: float = 8.0  # speech seconds after which an old reading counts half
    window: int = 3
    rise_threshold: float = 0.12
    fall_threshold: float = -0.12
    max_pull: float = 0.5  # the most of the way one turn moves the level toward its score
    min_turns_up: int = 2  # turns that must each have pushed the level up for a rise to count
    up_step: float = 0.05  # how much a turn must raise the level to count as pushing it up
    level: float = 0.0
    _history: deque[float] = field(default_factory=lambda: deque(maxlen=8))
    _steps: deque[float] = field(default_factory=lambda: deque(maxlen=8))

    def update(self, t: float, frustration: float, duration_s: float) -> TrendPoint:
        before = self.level
        keep = 0.5 ** (max(duration_s, 0.3) / self.half_life_s)
        # a sharp jump registers faster than a slow decline: anger should not be averaged away
        if frustration > self.level:
            keep *= 0.6
        pull = min(1.0 - keep, self.max_pull)
        self.level = (1.0 - pull) * self.level + pull * frustration
        self._history.append(self.level)
        self._steps.append(self.level - before)
        # the rise is measured from the first reading, not from the empty start of the call
        past = (
            self._history[-1 - self.window]
            if len(self._history) > self.window
            else (self._history[0])
        )
        slope = self.level - past
        if slope > 0 and self.turns_up() < self.min_turns_up:
            slope = 0.0  # one turn is not a trend
        rising = slope >= self.rise_threshold and self.level >= 0.3
        direction: Literal["rising", "steady", "falling"] = (
            "rising" if rising else "falling" if slope <= self.fall_threshold else "steady"
        )
        return TrendPoint(t=t, level=self.level, slope=slope, direction=direction)

    def turns_up(self) -> int:
        """How many of the last `window` utterances each raised the level by `up_step` or more."""
        recent = list(self._steps)[-self.window :]
        return sum(1 for step in recent if step >= self.up_step)
