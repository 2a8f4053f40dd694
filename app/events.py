"""Immutable records that flow through the pipeline and out to its subscribers.

Every stage takes and produces these; sinks (the JSON report, the overlay bridge, the event log)
receive them in call-time order. Times are seconds from the start of the call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Speaker = Literal["agent", "customer"]


@dataclass(frozen=True, slots=True)
class Utterance:
    """One transcribed, scored utterance. Scores are in [0, 1]."""

    speaker: Speaker
    start: float
    end: float
    text: str
    tone: float
    words: float
    frustration: float
    processed_t: float = 0.0  # call time at which the pipeline had finished with it
    # tone judged against the speaker's own calm baseline (False: population norms, no baseline
    # yet); True when not known (records made outside the pipeline)
    tone_baseline: bool = True
    # seconds this utterance spent talking over speech already going on on the other channel
    # (the front end's barge-in measure; talk-over and interruptions in the report's metrics)
    overlap_s: float = 0.0
    # how pleased the words sound (the words model's largest positive-label probability); when
    # clearly pleased, the fusion reads a raised voice as excitement (app/scoring/fusion.py)
    pleased: float = 0.0

    def to_report(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "text": self.text,
            "tone": round(self.tone, 3),
            "words": round(self.words, 3),
            "frustration": round(self.frustration, 3),
            "tone_baseline": self.tone_baseline,
            "overlap_s": round(self.overlap_s, 2),
            "pleased": round(self.pleased, 3),
        }


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The customer's smoothed frustration after an utterance."""

    t: float
    level: float
    slope: float  # change of level per utterance, smoothed
    direction: Literal["rising", "steady", "falling"] = "steady"


@dataclass(frozen=True, slots=True)
class Prompt:
    """A coaching card, shown at call time `t`."""

    t: float
    id: str
    title: str
    say: str
    reason: str
    priority: int = 100
    group: str = "customer"
    interrupts: bool = False
    source_t: float = 0.0  # end of the utterance (or the moment) that triggered it
    # the coach's one-card policy (app/coaching/presentation.py): False = never on screen,
    # `why_not` says why ("superseded by acknowledge_anger", "expired after 20 s in the queue")
    shown: bool = True
    why_not: str = ""

    def to_report(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "t": round(self.t, 2),
            "id": self.id,
            "title": self.title,
            "say": self.say,
            "reason": self.reason,
            "source_t": round(self.source_t, 2),
            "shown": self.shown,
        }
        if not self.shown:
            row["why_not"] = self.why_not
        return row


@dataclass(frozen=True, slots=True)
class PromptOutcome:
    """What happened to a shown prompt: followed, dismissed, ignored or superseded ("done" is
    the agent's own mark on the overlay). Judged at call time, never after the call's end."""

    t: float
    id: str
    outcome: Literal["followed", "dismissed", "ignored", "done", "superseded"]
    detail: str = ""
    # evidence for QA: what the agent said that decided it, and the customer's frustration
    # (smoothed level) when the card went up and when the outcome was judged
    heard: str = ""
    frustration_before: float | None = None
    frustration_after: float | None = None
    prompt_t: float | None = None  # the card this judges (its `t`)


@dataclass(frozen=True, slots=True)
class CardCleared:
    """The card on screen went away without another replacing it (followed, dismissed,
    expired, call ended). The overlay takes it down; the coach's one-card policy decides."""

    t: float
    id: str
    why: str


@dataclass(frozen=True, slots=True)
class ToneUpdate:
    """Early tone reading while an utterance is still going on (live use)."""

    t: float
    speaker: Speaker
    tone: float
    baseline: bool = True  # judged against the speaker's own baseline (False: population norms)


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """Something the user should see: a device problem, dropped audio, a bad file."""

    t: float
    level: Literal["info", "warning", "error"]
    message: str


@dataclass(frozen=True, slots=True)
class CallEnded:
    t: float
    duration_s: float


Event = (
    Utterance
    | TrendPoint
    | Prompt
    | PromptOutcome
    | ToneUpdate
    | StatusMessage
    | CallEnded
    | CardCleared
)


EVENT_TYPES: dict[type, str] = {
    Utterance: "utterance",
    TrendPoint: "trend",
    Prompt: "prompt",
    PromptOutcome: "outcome",
    ToneUpdate: "tone",
    StatusMessage: "status",
    CallEnded: "call_ended",
    CardCleared: "card_cleared",
}


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict with a `type` and a `call_t` (seconds into the call)."""
    data = asdict(event)
    call_t = data.get("t", data.get("end", data.get("start", 0.0)))
    if isinstance(event, Utterance):
        call_t = event.processed_t or event.end
    return {"type": EVENT_TYPES[type(event)], "call_t": round(float(call_t), 3), **data}
