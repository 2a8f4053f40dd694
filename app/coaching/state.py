"""What the coach remembers about the call so far (plain data, updated by the engine)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from app.events import Speaker


@dataclass(frozen=True, slots=True)
class Turn:
    speaker: Speaker
    start: float
    end: float
    t: float  # call time it was processed
    text: str
    norm: str  # normalised text for phrase matching
    tone: float
    words: float
    frustration: float
    overlap_s: float  # how long it overlapped speech on the other channel
    tone_baseline: bool = True  # tone judged against the speaker's own baseline


@dataclass
class CallState:
    """Everything the triggers read. The engine is its only writer."""

    elevated: float
    high: float
    steep_rise: float
    hold_s: float = 20.0
    interrupt_overlap_s: float = 0.5
    now: float = 0.0
    level: float = 0.0  # smoothed customer frustration
    rise: float = 0.0  # rise of the level over the last few customer utterances
    direction: str = "steady"
    peak_level: float = 0.0
    max_frustration: float = 0.0
    escalated: bool = False
    issue_open: bool = False
    last_speech_end: float = 0.0
    customer: deque[Turn] = field(default_factory=lambda: deque(maxlen=50))
    agent: deque[Turn] = field(default_factory=lambda: deque(maxlen=50))
    last_phrase_t: dict[str, float] = field(default_factory=dict)  # phrase list -> last agent use
    customer_phrase_t: dict[str, float] = field(default_factory=dict)
    interruptions: int = 0
    shown_t: dict[str, float] = field(default_factory=dict)  # prompt id -> last shown
    shown_count: dict[str, int] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    hold_prompted_for: float = -1.0  # the silence (by its start) already prompted for

    @property
    def frustrated(self) -> bool:
        return self.level >= self.elevated or (
            bool(self.customer) and self.customer[-1].frustration >= self.high
        )

    def agent_said_recently(self, phrase_list: str, within_s: float) -> bool:
        t = self.last_phrase_t.get(phrase_list)
        return t is not None and self.now - t <= within_s

    def was_shown(self, prompt_id: str) -> bool:
        return prompt_id in self.shown_t
