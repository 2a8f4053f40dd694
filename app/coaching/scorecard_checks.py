"""The scorecard's built-in checks, one function each, in ONE registry (`CHECKS`).

Each reads the coach's view of the call (call_replay.TurnView: escalations, issue state,
frustration, phrase lists heard, the coach's own trigger judgements) and the cards the coach
showed with their outcomes, and says pass / fail / n/a with a detail line and evidence. Nothing
here decides anew what the coach already decides: "escalated" is the coach's escalation rule,
"frustrated" and "issue open" are its state, policy language and selling are its triggers'
verdicts, and the phrase lists are the playbook's.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.coaching.call_metrics import interruptions, silences
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

    def view_of(self, utt: Utterance) -> TurnView | None:
        return next((v for v in self.turns if v.utt is utt), None)


class _Item(Protocol):  # what a check reads of its item (scorecard.ItemSpec; no import cycle)
    @property
    def id(self) -> str: ...

    @property
    def check(self) -> str: ...

    def param(self, name: str) -> float | None: ...

    def lists(self) -> tuple[str, ...]: ...


def _num(item: _Item, name: str) -> float:
    value = item.param(name)
    assert value is not None, name  # only parameters with a default are read this way
    return float(value)


@dataclass(frozen=True)
class Param:
    default: float | None  # None: taken from the settings (said in the check's doc)
    low: float = 0.0
    high: float = math.inf


CheckFn = Callable[[CallView, _Item], ItemResult]


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


def card(call: CallView, item: _Item, since: float, until: float = math.inf) -> list[dict]:
    """The coach's cards for the item's situation shown in [since, until) and what the agent
    did with them (the coach's judgement, with the words that decided it)."""
    prompt_id = CHECKS[item.check].prompt
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


def marked_done(call: CallView, item: _Item, since: float, until: float = math.inf) -> float:
    """When the agent marked the item's card done on the overlay in [since, until), else inf."""
    prompt_id = CHECKS[item.check].prompt
    return min(
        (
            o.t
            for o in call.outcomes
            if o.id == prompt_id and o.outcome == "done" and since <= o.t < until
        ),
        default=math.inf,
    )


def _heard(view: TurnView, lists: Sequence[str]) -> str | None:
    return next((view.heard[n] for n in lists if n in view.heard), None)


def _fmt(t: float) -> str:
    return f"{t:.1f} s"


# ------------------------------------------------------------------ escalation
def escalations(call: CallView) -> list[tuple[int, int]]:
    """(index of the turn that began it, index where the next began or the end) per
    escalation, by the coach's escalation rule."""
    starts = [i for i, v in enumerate(call.turns) if v.escalated]
    return [
        (s, starts[k + 1] if k + 1 < len(starts) else len(call.turns)) for k, s in enumerate(starts)
    ]


def acknowledgement(call: CallView, lists: Sequence[str], start: int, stop: int) -> TurnView | None:
    """The first agent turn after turn `start` (and before `stop`) that acknowledged."""
    for v in call.turns[start + 1 : stop]:
        if v.utt.speaker == "agent" and _heard(v, lists):
            return v
    return None


def first_acknowledgement_s(call: CallView, lists: Sequence[str]) -> float | None:
    """Seconds from the end of the first escalating turn to the start of the agent's first
    acknowledgement of it (the report's time to acknowledge), None if there was none."""
    spans = escalations(call)
    if not spans:
        return None
    start, stop = spans[0]
    ack = acknowledgement(call, lists, start, stop)
    return None if ack is None else max(0.0, ack.utt.start - call.turns[start].utt.end)


def anger_acknowledged(call: CallView, item: _Item) -> ItemResult:
    """Every escalation acknowledged by the agent within `within_s` seconds (the playbook's
    acknowledgement phrases, or the agent marking the acknowledge card done)."""
    within = _num(item, "within_s")
    spans = escalations(call)
    if not spans:
        return ItemResult("n/a", "the call never escalated")
    evidence: list[dict[str, Any]] = []
    late = []
    for start, stop in spans:
        esc = call.turns[start].utt
        until = call.turns[stop].utt.start if stop < len(call.turns) else math.inf
        evidence.append(said(esc))
        ack = acknowledgement(call, item.lists(), start, stop)
        at = ack.utt.start if ack is not None else math.inf
        clicked = marked_done(call, item, esc.end, until)
        if clicked < at:
            at = clicked
            evidence.append(
                {"t": round(at, 2), "speaker": "coach", "text": "the agent marked the card done"}
            )
        elif ack is not None:
            evidence.append(said(ack.utt))
        evidence += card(call, item, esc.end, until)
        delay = max(0.0, at - esc.end)
        if delay > within:
            how = "never acknowledged" if math.isinf(at) else f"acknowledged {delay:.0f} s later"
            late.append(f"escalation at {_fmt(esc.end)} {how}")
    n = len(spans)
    if late:
        return ItemResult("fail", f"{'; '.join(late)} (limit {within:g} s)", evidence)
    return ItemResult(
        "pass",
        f"{n} escalation{'s' if n > 1 else ''}, each acknowledged within {within:g} s",
        evidence,
    )


def follow_up_after_escalation(call: CallView, item: _Item) -> ItemResult:
    """After the call escalated, the agent arranged a follow-up (the playbook's follow-up
    phrases, or the agent marking the after-call card done)."""
    spans = escalations(call)
    if not spans:
        return ItemResult("n/a", "the call never escalated")
    esc = call.turns[spans[0][0]].utt
    for v in call.turns[spans[0][0] + 1 :]:
        hit = _heard(v, item.lists()) if v.utt.speaker == "agent" else None
        if hit:
            return ItemResult(
                "pass",
                f'follow-up arranged at {_fmt(v.utt.start)} ("{hit}")',
                [said(esc), said(v.utt)],
            )
    clicked = marked_done(call, item, esc.end)
    evidence = [said(esc), *card(call, item, esc.end)]
    if not math.isinf(clicked):
        return ItemResult("pass", "the agent marked the call-back card done", evidence)
    return ItemResult("fail", f"escalated at {_fmt(esc.end)}; no follow-up was arranged", evidence)


# ------------------------------------------------------------------ the issue
def empathy_before_resolution(call: CallView, item: _Item) -> ItemResult:
    """Each time a fix or a timeline was offered for the customer's open issue (the coach's
    issue state moving to "being resolved"), the agent had shown empathy first (in this or an
    earlier turn since the issue was raised)."""
    judged: list[tuple[TurnView, TurnView, TurnView | None]] = []
    opened: TurnView | None = None
    empathy: TurnView | None = None
    done = False
    for v in call.turns:
        if v.issue == "open" and v.issue_before in ("none", "resolved"):
            opened, empathy, done = v, None, False
        agent_turn = opened is not None and v.utt.speaker == "agent"
        if agent_turn and empathy is None and _heard(v, item.lists()):
            empathy = v
        if (
            opened is not None
            and not done
            and v.issue_before == "open"
            and v.issue == "being_resolved"
        ):
            judged.append((opened, v, empathy))
            done = True
    if not judged:
        if opened is None:
            return ItemResult("n/a", "the customer raised no issue")
        return ItemResult(
            "n/a", "no fix or timeline was offered for the open issue", [said(opened.utt)]
        )
    evidence: list[dict[str, Any]] = []
    missing = []
    for opened_v, fix, emp in judged:
        evidence.append(said(opened_v.utt))
        if emp is not None:
            evidence.append(said(emp.utt))
        else:
            missing.append(f"fix offered at {_fmt(fix.utt.start)} with no empathy before it")
        evidence.append(said(fix.utt))
    if missing:
        return ItemResult("fail", "; ".join(missing), evidence)
    first = judged[0][2]
    assert first is not None
    return ItemResult(
        "pass", f"empathy shown at {_fmt(first.utt.start)}, before the fix was offered", evidence
    )


def timeline_when_asked(call: CallView, item: _Item) -> ItemResult:
    """Each time the customer asked when / how long or said they were kept waiting (the
    coach's judgement), the agent gave a time (the playbook's timeline phrases) within
    `within_s` seconds."""
    within = _num(item, "within_s")
    asks = [v for v in call.turns if v.asked_time]
    if not asks:
        return ItemResult("n/a", "the customer never asked about time")
    evidence: list[dict[str, Any]] = []
    unanswered = []
    for ask in asks:
        answer = None
        for v in call.turns:
            if v.utt.speaker != "agent" or v.utt.start <= ask.utt.start:
                continue
            if v.utt.start - ask.utt.end > within:
                break
            if _heard(v, item.lists()):
                answer = v
                break
        evidence.append(said(ask.utt))
        if answer is None:
            unanswered.append(f"asked at {_fmt(ask.utt.start)} ({ask.asked_time})")
        elif said(answer.utt) not in evidence:
            evidence.append(said(answer.utt))
    evidence += card(call, item, asks[0].utt.end)
    if unanswered:
        return ItemResult(
            "fail", f"no timeline within {within:g} s: {'; '.join(unanswered)}", evidence
        )
    n = len(asks)
    return ItemResult(
        "pass", f"asked {n} time{'s' if n > 1 else ''}; a time given within {within:g} s", evidence
    )


def _agent_verdicts(
    call: CallView,
    item: _Item,
    trigger: str,
    situation: Callable[[TurnView], bool],
    what: str,
    none: str,
) -> ItemResult:
    """Fail on every agent turn where the coach's `trigger` held; n/a when no agent turn was
    in the trigger's situation."""
    hits = [v for v in call.turns if trigger in v.judged]
    if hits:
        evidence = [said(v.utt) for v in hits]
        evidence += card(call, item, hits[0].utt.start)
        reasons = "; ".join(f"{_fmt(v.utt.start)}: {v.judged[trigger]}" for v in hits[:3])
        n = len(hits)
        return ItemResult("fail", f"{n} time{'s' if n > 1 else ''}: {reasons}", evidence)
    if not any(v.utt.speaker == "agent" and situation(v) for v in call.turns):
        return ItemResult("n/a", none)
    return ItemResult("pass", what)


def no_policy_language(call: CallView, item: _Item) -> ItemResult:
    """No policy language ("it's our policy", "nothing I can do") to a frustrated customer: the
    coach's avoid_policy_language trigger, judged on every agent turn."""
    return _agent_verdicts(
        call,
        item,
        "agent_policy_language",
        lambda v: v.frustrated or v.escalation > 0,
        "no policy language while the customer was frustrated",
        "the customer was never frustrated while the agent spoke",
    )


def no_upsell_open_issue(call: CallView, item: _Item) -> ItemResult:
    """No sales pitch while the customer's issue was open and they were frustrated: the coach's
    no_upsell_unresolved trigger, judged on every agent turn."""
    return _agent_verdicts(
        call,
        item,
        "agent_upsell",
        lambda v: v.frustrated and v.issue in ("open", "being_resolved"),
        "no selling while the issue was open",
        "no open issue with a frustrated customer while the agent spoke",
    )


# ------------------------------------------------------------------ talk and silence
def holds_with_updates(call: CallView, item: _Item) -> ItemResult:
    """Every silence of at least `hold_s` seconds (default: the coach's hold time, setting
    coach.hold_s) ended with the agent giving an update (the playbook's progress-update
    phrases: "thanks for holding", "here's where I am")."""
    hold = item.param("hold_s")
    hold_s = call.hold_s if hold is None else float(hold)
    holds = [g for g in silences(call.utterances) if g.seconds >= hold_s]
    if not holds:
        return ItemResult("n/a", f"no silence of {hold_s:g} s or more")
    evidence: list[dict[str, Any]] = []
    bad = []
    for g in holds:
        evidence += [said(g.before), said(g.after)]
        view = call.view_of(g.after)
        hit = (
            _heard(view, item.lists()) if view is not None and g.after.speaker == "agent" else None
        )
        if not hit:
            who = "the customer" if g.after.speaker == "customer" else "the agent, with no update"
            bad.append(f"{g.seconds:.0f} s hold at {_fmt(g.start)} ended by {who}")
    evidence += card(call, item, holds[0].start)
    if bad:
        return ItemResult("fail", "; ".join(bad), evidence)
    n = len(holds)
    longest = max(g.seconds for g in holds)
    return ItemResult(
        "pass",
        f"{n} hold{'s' if n > 1 else ''} (longest {longest:.0f} s), each ended with an update",
        evidence,
    )


def interruptions_per_min(call: CallView, item: _Item) -> ItemResult:
    """The agent talked over the customer (by at least the coach's interruption threshold) no
    more than `max_per_min` times per minute of call."""
    limit = _num(item, "max_per_min")
    if call.duration_s <= 0:
        return ItemResult("n/a", "no call time")
    cut = interruptions(call.utterances, call.min_overlap_s)
    rate = len(cut) / (call.duration_s / 60.0)
    evidence = [said(u) for u in cut]
    evidence += card(call, item, 0.0)
    n, minutes = len(cut), call.duration_s / 60.0
    detail = (
        f"{n} interruption{'s' if n != 1 else ''} in {minutes:.1f} min = {rate:.2f}/min "
        f"(limit {limit:g})"
    )
    return ItemResult("pass" if rate <= limit else "fail", detail, evidence)


def agent_talk_share(call: CallView, item: _Item) -> ItemResult:
    """The agent's share of the speech is between `min_share` and `max_share`."""
    low, high = _num(item, "min_share"), _num(item, "max_share")
    share = call.metrics.get("agent_talk_share")
    if share is None:
        return ItemResult("n/a", "nobody spoke")
    agent, customer = call.metrics["agent_talk_s"], call.metrics["customer_talk_s"]
    detail = (
        f"agent {share:.0%} of the speech ({agent:.0f} s of {agent + customer:.0f} s; "
        f"range {low:.0%}–{high:.0%})"
    )
    return ItemResult("pass" if low <= share <= high else "fail", detail)


def longest_silence(call: CallView, item: _Item) -> ItemResult:
    """No silence longer than `max_s` seconds."""
    limit = _num(item, "max_s")
    gaps = silences(call.utterances)
    if not gaps:
        return ItemResult("n/a", "no silence between two utterances")
    g = max(gaps, key=lambda g: g.seconds)
    detail = f"longest silence {g.seconds:.1f} s at {_fmt(g.start)} (limit {limit:g} s)"
    return ItemResult(
        "pass" if g.seconds <= limit else "fail", detail, [said(g.before), said(g.after)]
    )


CHECKS: dict[str, CheckDef] = {
    "anger_acknowledged": CheckDef(
        anger_acknowledged,
        {"within_s": Param(30.0)},
        ("acknowledgement",),
        prompt="acknowledge_anger",
        done_lists=True,
    ),
    "empathy_before_resolution": CheckDef(
        # the coach's own "empathy heard" (triggers.needs_empathy) takes either list
        empathy_before_resolution,
        {},
        ("empathy", "acknowledgement"),
        prompt="empathize",
    ),
    "timeline_when_asked": CheckDef(
        timeline_when_asked,
        {"within_s": Param(60.0)},
        ("timeline",),
        prompt="offer_timeline",
        done_lists=True,
    ),
    "no_policy_language": CheckDef(no_policy_language, prompt="avoid_policy_language"),
    "no_upsell_open_issue": CheckDef(no_upsell_open_issue, prompt="no_upsell_unresolved"),
    "holds_with_updates": CheckDef(
        holds_with_updates,
        {"hold_s": Param(None, low=1.0)},
        ("progress_update",),
        prompt="update_on_progress",
        done_lists=True,
    ),
    "interruptions_per_min": CheckDef(
        interruptions_per_min, {"max_per_min": Param(1.0)}, prompt="let_them_finish"
    ),
    "agent_talk_share": CheckDef(
        agent_talk_share,
        {"min_share": Param(0.25, high=1.0), "max_share": Param(0.7, high=1.0)},
        ordered=(("min_share", "max_share"),),
    ),
    "longest_silence": CheckDef(longest_silence, {"max_s": Param(30.0)}, needs_agent=False),
    "follow_up_after_escalation": CheckDef(
        follow_up_after_escalation, {}, ("follow_up",), prompt="follow_up_call"
    ),
}
