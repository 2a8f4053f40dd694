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

    def to_report(self) -> dict[str, Any]:
        return {
            "speaker": self.speaker,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "text": self.text,
            "tone": round(self.tone, 3),
            "words": round(self.words, 3),
            "frustration": round(self.frustration, 3),
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

    def to_report(self) -> dict[str, Any]:
        return {
            "t": round(self.t, 2),
            "id": self.id,
            "title": self.title,
            "say": self.say,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class PromptOutcome:
    """What happened to a shown prompt: followed, dismissed or ignored."""

    t: float
    id: str
    outcome: Literal["followed", "dismissed", "ignored", "done"]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ToneUpdate:
    """Early tone reading while an utterance is still going on (live use)."""

    t: float
    speaker: Speaker
    tone: float


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


Event = Utterance | TrendPoint | Prompt | PromptOutcome | ToneUpdate | StatusMessage | CallEnded


EVENT_TYPES: dict[type, str] = {
    Utterance: "utterance",
    TrendPoint: "trend",
    Prompt: "prompt",
    PromptOutcome: "outcome",
    ToneUpdate: "tone",
    StatusMessage: "status",
    CallEnded: "call_ended",
}


def event_to_dict(event: Event) -> dict[str, Any]:
    """A JSON-ready dict with a `type` and a `call_t` (seconds into the call)."""
    data = asdict(event)
    call_t = data.get("t", data.get("end", data.get("start", 0.0)))
    if isinstance(event, Utterance):
        call_t = event.processed_t or event.end
    return {"type": EVENT_TYPES[type(event)], "call_t": round(float(call_t), 3), **data}
