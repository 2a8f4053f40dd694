"""Call metrics from the call's utterances: talk shares, talk-over, silences and holds.

Speech here is what was transcribed (an utterance with no words recognised is not in the
events), measured by the voice-activity cut of each channel. A silence is a stretch where nobody
speaks between the first and the last speech of the call (ringing before and hanging up after
are not silences). A hold is a silence of at least the coach's hold time (`coach.hold_s`, the
same moment the coach would show "update them" on a frustrated call).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.events import Utterance


@dataclass(frozen=True)
class Silence:
    start: float
    end: float
    before: Utterance  # the last utterance to end before it
    after: Utterance  # the utterance that broke it

    @property
    def seconds(self) -> float:
        return self.end - self.start


def silences(utterances: Sequence[Utterance]) -> list[Silence]:
    """Stretches with nobody speaking, in call order (overlapping speech is one stretch)."""
    ordered = sorted(utterances, key=lambda u: (u.start, u.end))
    out: list[Silence] = []
    last: Utterance | None = None
    for u in ordered:
        if last is not None and u.start > last.end:
            out.append(Silence(last.end, u.start, last, u))
        if last is None or u.end > last.end:
            last = u
    return out


def talk_seconds(utterances: Sequence[Utterance], speaker: str) -> float:
    return sum(max(0.0, u.end - u.start) for u in utterances if u.speaker == speaker)


def interruptions(utterances: Sequence[Utterance], min_overlap_s: float) -> list[Utterance]:
    """Agent utterances that began over the customer's speech and talked over it for at least
    `min_overlap_s` (the coach's own measure of an interruption)."""
    return [u for u in utterances if u.speaker == "agent" and u.overlap_s >= min_overlap_s]


def call_metrics(
    utterances: Sequence[Utterance],
    duration_s: float,
    speakers: Sequence[str],
    hold_s: float,
    min_overlap_s: float,
    unheard: Sequence[str] = (),
) -> dict[str, Any]:
    """The report's `metrics`. Shares and talk-over are None on a one-channel call (who spoke
    when is not separated there); those and the silences and holds are None when a side of a
    two-channel call was not heard at all (`unheard`: its channel carried no speech), since the
    other side's pauses are then not silences of the call."""
    two_sided = "agent" in speakers and "customer" in speakers and not unheard
    agent, customer = talk_seconds(utterances, "agent"), talk_seconds(utterances, "customer")
    total = agent + customer
    gaps = silences(utterances)
    holds = [g for g in gaps if g.seconds >= hold_s]
    minutes = duration_s / 60.0
    metrics: dict[str, Any] = {
        "agent_talk_s": round(agent, 2),
        "customer_talk_s": round(customer, 2),
        "agent_talk_share": round(agent / total, 3) if two_sided and total > 0 else None,
        "customer_talk_share": round(customer / total, 3) if two_sided and total > 0 else None,
        "interruptions": None,
        "interruptions_per_min": None,
        "talk_over_count": None,
        "longest_silence_s": round(max((g.seconds for g in gaps), default=0.0), 2),
        "hold_count": len(holds),
        "longest_hold_s": round(max((g.seconds for g in holds), default=0.0), 2),
        "hold_threshold_s": hold_s,
    }
    if two_sided:
        cut = interruptions(utterances, min_overlap_s)
        metrics["interruptions"] = len(cut)
        metrics["interruptions_per_min"] = round(len(cut) / minutes, 3) if minutes > 0 else 0.0
        metrics["talk_over_count"] = sum(1 for u in utterances if u.overlap_s >= min_overlap_s)
    if unheard:
        for key in ("longest_silence_s", "hold_count", "longest_hold_s"):
            metrics[key] = None
    return metrics
