"""What the coach remembers about the call so far (plain data, updated by the engine).

Everything here is bounded: a two-hour call keeps the same few dozen turns and counters as a
two-minute one, so the coach's work per utterance does not grow with the call's length.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from app.events import Speaker

IssueState = Literal["none", "open", "being_resolved", "resolved"]


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
    content: frozenset[str] = frozenset()  # content words (for "the customer repeats")
    tone_baseline: bool = True  # tone judged against the speaker's own baseline


@dataclass
class CallState:
    """Everything the triggers read. The engine is its only writer."""

    elevated: float
    high: float
    steep_rise: float
    voice_alone: float = 0.0  # calibrated tone at which the voice alone makes a turn high
    hold_s: float = 20.0
    interrupt_overlap_s: float = 0.5
    interrupt_window_s: float = 60.0  # the talk-over count forgets interruptions older than this
    now: float = 0.0
    level: float = 0.0  # smoothed customer frustration
    rise: float = 0.0  # rise of the level over the last few customer utterances
    direction: str = "steady"
    peak_level: float = 0.0
    max_frustration: float = 0.0
    escalated: bool = False
    escalations: int = 0  # escalations so far (a new one after calm re-arms done prompts)
    escalated_at: float = -1.0  # call time the current escalation began
    calm_turns: int = 0  # customer turns in a row below "elevated"
    high_turns: int = 0  # customer turns in a row that were high (app/scoring/escalation.py)
    # the latest customer turn was high, and why ("high", "confirmed", "level"; None: it was not)
    turn_high: str | None = None
    confirmed_by: Turn | None = None  # the other upset turn of a "confirmed" verdict
    on_voice: bool = False  # the latest customer turn rests on the voice (calm words)
    on_words: bool = False  # ... rests on the words (a calm voice, words under words_alone)
    lone_voice: bool = False  # ... and is upset on the voice alone, nothing upset before it
    after_lone_voice: bool = False  # the customer's turn before the latest one was lone_voice
    recent_high: deque[float] = field(default_factory=lambda: deque(maxlen=4))
    issue: IssueState = "none"
    last_speech_end: float = 0.0
    customer: deque[Turn] = field(default_factory=lambda: deque(maxlen=30))
    agent: deque[Turn] = field(default_factory=lambda: deque(maxlen=30))
    last_phrase_t: dict[str, float] = field(default_factory=dict)  # phrase list -> last agent use
    last_phrase_text: dict[str, str] = field(default_factory=dict)  # ... and the words heard
    customer_phrase_t: dict[str, float] = field(default_factory=dict)
    interrupt_times: deque[float] = field(default_factory=lambda: deque(maxlen=16))
    talk_over_counted: float = -1.0  # start of the agent's speech counted live as talk-over
    talk_over_open: bool = False  # ... and that agent turn has not closed yet
    shown_t: dict[str, float] = field(default_factory=dict)  # prompt id -> last shown
    raised_t: dict[str, float] = field(default_factory=dict)  # prompt id -> last offered
    situation_t: dict[str, float] = field(default_factory=dict)  # prompt id -> trigger last held
    shown_count: dict[str, int] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    hold_prompted_for: float = -1.0  # the silence (by its start) already prompted for
    customer_name: str | None = None

    @property
    def frustrated(self) -> bool:
        """The customer is frustrated now: their smoothed level, or their latest line, is at
        least elevated. The latest line counts on its own because the trend's pull per turn is
        capped: after one upset line ("why was I charged twice") the level is only part of the
        way there, yet "it's our policy" or a sales pitch in reply is already the wrong answer.
        Not after one turn upset only on the voice (`lone_voice`, app/scoring/escalation.py): a
        loud, pleased "you have made my day" is no frustration to tiptoe around."""
        if self.lone_voice:
            return False
        return self.level >= self.elevated or (
            bool(self.customer) and self.customer[-1].frustration >= self.elevated
        )

    def upset(self, turn: Turn) -> bool:
        """A customer turn is upset: at least elevated, unless it is the latest turn and upset
        only on the voice (`lone_voice`), which waits for a second upset turn."""
        lone = self.lone_voice and bool(self.customer) and turn is self.customer[-1]
        return turn.frustration >= self.elevated and not lone

    @property
    def issue_open(self) -> bool:
        """The customer's issue is raised and not yet resolved (open or being resolved)."""
        return self.issue in ("open", "being_resolved")

    @property
    def interruptions(self) -> int:
        """Talk-overs of a frustrated customer within the last `interrupt_window_s` seconds."""
        return sum(1 for t in self.interrupt_times if self.now - t <= self.interrupt_window_s)

    def agent_said_recently(self, phrase_list: str, within_s: float) -> bool:
        t = self.last_phrase_t.get(phrase_list)
        return t is not None and self.now - t <= within_s
