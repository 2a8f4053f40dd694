"""The coach's own view of a finished call, turn by turn, rebuilt from the call's events.

The scorecard asks what the coach knew at each turn (was the customer frustrated, did this turn
start an escalation, was the issue open, did the agent just use policy language to a frustrated
customer). Those judgements live in the coach (engine.py, triggers.py, scoring/escalation.py);
rather than decide them a second time, the call's utterances and trend points are fed, in order,
through a fresh `Coach` and its state is read after each one. Everything read here depends only on
the utterances (never on clock ticks, cards on screen or clicks), so the same events give the
same view whether they came from `analyze`, `live` or the overlay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.coaching.engine import Coach
from app.coaching.playbook import Playbook, PromptSpec
from app.coaching.state import IssueState, Turn
from app.coaching.thresholds import Thresholds
from app.coaching.triggers import TRIGGERS, timeline_asked
from app.config import CoachSettings
from app.events import Event, TrendPoint, Utterance

# the coach's judgements of one turn the scorecard reads (trigger name -> its reason)
JUDGED_TRIGGERS = ("agent_policy_language", "agent_upsell")


@dataclass(frozen=True)
class TurnView:
    """One utterance and what the coach made of it (state after the turn)."""

    utt: Utterance
    level: float  # the customer's smoothed frustration
    frustrated: bool  # CallState.frustrated
    escalation: int  # escalations so far (0: none yet)
    escalated: bool  # this turn began an escalation (the first, or a new one after calm)
    issue_before: IssueState
    issue: IssueState
    heard: dict[str, str]  # playbook phrase list -> the words heard in this turn
    judged: dict[str, str]  # trigger name -> the coach's reason, where it held on this turn
    asked_time: str | None  # customer turn: asked when / kept waiting (triggers.timeline_asked)


def replay_call(
    events: Iterable[Event],
    playbook: Playbook,
    settings: CoachSettings,
    thresholds: Thresholds,
    lists: Sequence[str] = (),
) -> tuple[list[TurnView], float]:
    """Every utterance of the call with the coach's view of it, and the coach's interruption
    threshold (seconds of talk-over that count as an interruption)."""
    coach = Coach(playbook, settings, thresholds)
    views: list[TurnView] = []
    pending: Utterance | None = None  # a customer utterance waits for its trend point

    def feed(utt: Utterance, trend: TrendPoint | None) -> None:
        s = coach.state
        before, issue_before = s.escalations, s.issue
        coach.on_utterance(utt, trend, overlap_s=utt.overlap_s)
        turn = (s.customer if utt.speaker == "customer" else s.agent)[-1]
        heard = {}
        for name in lists:
            hit = playbook.phrase_set(name).find(turn.norm)
            if hit:
                heard[name] = hit
        views.append(
            TurnView(
                utt=utt,
                level=s.level,
                frustrated=s.frustrated,
                escalation=s.escalations,
                escalated=s.escalations > before,
                issue_before=issue_before,
                issue=s.issue,
                heard=heard,
                judged=_judged(coach, playbook, turn),
                asked_time=timeline_asked(s, playbook, turn) if utt.speaker == "customer" else None,
            )
        )

    for event in events:
        if isinstance(event, TrendPoint) and pending is not None:
            feed(pending, event)
            pending = None
        elif isinstance(event, Utterance):
            if pending is not None:
                feed(pending, None)
                pending = None
            if event.speaker == "customer":
                pending = event
            else:
                feed(event, None)
    if pending is not None:
        feed(pending, None)
    return views, coach.state.interrupt_overlap_s


def _judged(coach: Coach, playbook: Playbook, turn: Turn) -> dict[str, str]:
    out = {}
    for name in JUDGED_TRIGGERS:
        spec = next((p for p in playbook.prompts if p.trigger == name), None) or _spec(name)
        reason = TRIGGERS[name].fn(coach.state, spec, playbook, turn)
        if reason:
            out[name] = reason
    return out


def _spec(trigger: str) -> PromptSpec:
    """A stand-in prompt for a trigger the site's playbook does not use (its defaults apply)."""
    return PromptSpec(id=trigger, group="agent", priority=0, title="", say="", trigger=trigger)
