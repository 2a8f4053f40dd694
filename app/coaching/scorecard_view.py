"""What a scorecard check reads (the call as the coach saw it, the item's numbers) and what it
gives (a result with evidence), plus the evidence helpers the checks share."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.coaching.call_replay import TurnView
from app.events import Prompt, PromptOutcome, Utterance

Result = Literal["pass", "fail", "n/a"]
MAX_EVIDENCE = 8  # lines of evidence per item in the report (the first ones)


@dataclass(frozen=True)
class ItemResult:
    result: Result
    detail: str
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_report(self) -> dict[str, Any]:
        evidence = self.evidence[:MAX_EVIDENCE]
        return {"result": self.result, "detail": self.detail, "evidence": evidence}


@dataclass(frozen=True)
class CallView:
    turns: list[TurnView]
    utterances: list[Utterance]
    prompts: list[Prompt]
    outcomes: list[PromptOutcome]
    two_sided: bool
    duration_s: float
    hold_s: float  # the coach's hold time (settings.coach.hold_s)
    min_overlap_s: float  # the coach's interruption threshold
    metrics: dict[str, Any]

    by_utterance: dict[int, TurnView] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_utterance", {id(v.utt): v for v in self.turns})

    def view_of(self, utt: Utterance) -> TurnView | None:
        return self.by_utterance.get(id(utt))


class ItemParams(Protocol):
    """What a check reads of its item (scorecard.ItemSpec; a protocol: no import cycle)."""

    @property
    def id(self) -> str: ...

    @property
    def check(self) -> str: ...

    def param(self, name: str) -> float | None: ...

    def lists(self) -> tuple[str, ...]: ...


def num(item: ItemParams, name: str) -> float:
    value = item.param(name)
    assert value is not None, name  # only parameters with a default are read this way
    return float(value)


@dataclass(frozen=True)
class Param:
    default: float | None  # None: taken from the settings (said in the check's doc)
    low: float = 0.0
    high: float = math.inf


CheckFn = Callable[[CallView, ItemParams], ItemResult]


@dataclass(frozen=True)
class CheckDef:
    fn: CheckFn
    params: Mapping[str, Param] = field(default_factory=dict)
    lists: tuple[str, ...] = ()  # default playbook phrase lists it listens for
    # the playbook prompt for the same situation: its cards (and the agent's answers to them)
    # are evidence, and with `done_lists` its done_when_agent_says phrase lists are the default
    # lists (so a site's playbook edit of what counts as "done" applies to the scorecard too)
    prompt: str | None = None
    done_lists: bool = False
    needs_agent: bool = True  # n/a on a one-channel call
    ordered: tuple[tuple[str, str], ...] = ()  # (low, high) parameter pairs


# ------------------------------------------------------------------ evidence
def said(utt: Utterance) -> dict[str, Any]:
    return {"t": round(utt.start, 2), "speaker": utt.speaker, "text": utt.text[:200]}


def card(
    call: CallView, prompt_id: str | None, since: float, until: float = math.inf
) -> list[dict]:
    """The coach's `prompt_id` cards shown in [since, until) and what the agent did with them
    (the coach's judgement, with the words that decided it)."""
    out: list[dict] = []
    for p in call.prompts:
        if p.id != prompt_id or not p.shown or not since <= p.t < until:
            continue
        mine = [o for o in call.outcomes if o.id == p.id and o.prompt_t == p.t]
        chosen = next((o for o in mine if o.outcome in ("done", "dismissed")), None)
        chosen = chosen or (mine[0] if mine else None)
        what = f"{chosen.outcome}: {chosen.detail}" if chosen else "no outcome recorded"
        text = f'card "{p.title}" shown; {what}'
        out.append({"t": round(p.t, 2), "speaker": "coach", "text": text[:240]})
    return out


def marked_done(
    call: CallView, prompt_id: str | None, since: float, until: float = math.inf
) -> float:
    """When the agent marked a `prompt_id` card done on the overlay in [since, until), else inf."""
    return min(
        (
            o.t
            for o in call.outcomes
            if o.id == prompt_id and o.outcome == "done" and since <= o.t < until
        ),
        default=math.inf,
    )


def heard(view: TurnView, lists: Sequence[str]) -> str | None:
    return next((view.heard[n] for n in lists if n in view.heard), None)


def fmt(t: float) -> str:
    return f"{t:.1f} s"
