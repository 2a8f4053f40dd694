"""The scorecard's built-in checks, one function each, in ONE registry (`CHECKS`).

Each reads the coach's view of the call (call_replay.TurnView: escalations, issue state,
frustration, phrase lists heard, the coach's own trigger judgements) and the cards the coach
showed with their outcomes, and says pass / fail / n/a with a detail line and evidence. Nothing
here decides anew what the coach already decides: "escalated" is the coach's escalation rule,
"frustrated" and "issue open" are its state, policy language and selling are its triggers'
verdicts, and the phrase lists are the playbook's.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from typing import Any

from app.coaching.call_metrics import interruptions, silences
from app.coaching.call_replay import TurnView
from app.coaching.scorecard_view import (
    CallView,
    CheckDef,
    ItemParams,
    ItemResult,
    Param,
    card,
    fmt,
    heard,
    marked_done,
    num,
    said,
)


def _prompt(item: ItemParams) -> str | None:
    """The playbook prompt for the item's situation (its cards are evidence)."""
    return CHECKS[item.check].prompt


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
        if v.utt.speaker == "agent" and heard(v, lists):
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


def anger_acknowledged(call: CallView, item: ItemParams) -> ItemResult:
    """Every escalation acknowledged by the agent within `within_s` seconds (the playbook's
    acknowledgement phrases, or the agent marking the acknowledge card done)."""
    within = num(item, "within_s")
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
        clicked = marked_done(call, _prompt(item), esc.end, until)
        if clicked < at:
            at = clicked
            evidence.append(
                {"t": round(at, 2), "speaker": "coach", "text": "the agent marked the card done"}
            )
        elif ack is not None:
            evidence.append(said(ack.utt))
        evidence += card(call, _prompt(item), esc.end, until)
        delay = max(0.0, at - esc.end)
        if delay > within:
            how = "never acknowledged" if math.isinf(at) else f"acknowledged {delay:.0f} s later"
            late.append(f"escalation at {fmt(esc.end)} {how}")
    n = len(spans)
    if late:
        return ItemResult("fail", f"{'; '.join(late)} (limit {within:g} s)", evidence)
    return ItemResult(
        "pass",
        f"{n} escalation{'s' if n > 1 else ''}, each acknowledged within {within:g} s",
        evidence,
    )


def follow_up_after_escalation(call: CallView, item: ItemParams) -> ItemResult:
    """After the call escalated, the agent arranged a follow-up (the playbook's follow-up
    phrases, or the agent marking the after-call card done)."""
    spans = escalations(call)
    if not spans:
        return ItemResult("n/a", "the call never escalated")
    esc = call.turns[spans[0][0]].utt
    for v in call.turns[spans[0][0] + 1 :]:
        hit = heard(v, item.lists()) if v.utt.speaker == "agent" else None
        if hit:
            return ItemResult(
                "pass",
                f'follow-up arranged at {fmt(v.utt.start)} ("{hit}")',
                [said(esc), said(v.utt)],
            )
    clicked = marked_done(call, _prompt(item), esc.end)
    evidence = [said(esc), *card(call, _prompt(item), esc.end)]
    if not math.isinf(clicked):
        return ItemResult("pass", "the agent marked the call-back card done", evidence)
    return ItemResult("fail", f"escalated at {fmt(esc.end)}; no follow-up was arranged", evidence)


# ------------------------------------------------------------------ the issue
def empathy_before_resolution(call: CallView, item: ItemParams) -> ItemResult:
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
        if agent_turn and empathy is None and heard(v, item.lists()):
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
            missing.append(f"fix offered at {fmt(fix.utt.start)} with no empathy before it")
        evidence.append(said(fix.utt))
    if missing:
        return ItemResult("fail", "; ".join(missing), evidence)
    first = judged[0][2]
    assert first is not None
    return ItemResult(
        "pass", f"empathy shown at {fmt(first.utt.start)}, before the fix was offered", evidence
    )


def timeline_when_asked(call: CallView, item: ItemParams) -> ItemResult:
    """Each time the customer asked when / how long or said they were kept waiting (the
    coach's judgement), the agent gave a time (the playbook's timeline phrases) within
    `within_s` seconds."""
    within = num(item, "within_s")
    asks = [v for v in call.turns if v.asked_time]
    if not asks:
        return ItemResult("n/a", "the customer never asked about time")
    agent = sorted((v for v in call.turns if v.utt.speaker == "agent"), key=lambda v: v.utt.start)
    starts = [v.utt.start for v in agent]
    evidence: list[dict[str, Any]] = []
    unanswered = []
    for ask in asks:
        answer = None
        for v in agent[bisect.bisect_right(starts, ask.utt.start) :]:
            if v.utt.start - ask.utt.end > within:
                break
            if heard(v, item.lists()):
                answer = v
                break
        evidence.append(said(ask.utt))
        if answer is None:
            unanswered.append(f"asked at {fmt(ask.utt.start)} ({ask.asked_time})")
        elif said(answer.utt) not in evidence:
            evidence.append(said(answer.utt))
    evidence += card(call, _prompt(item), asks[0].utt.end)
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
    item: ItemParams,
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
        evidence += card(call, _prompt(item), hits[0].utt.start)
        reasons = "; ".join(f"{fmt(v.utt.start)}: {v.judged[trigger]}" for v in hits[:3])
        n = len(hits)
        return ItemResult("fail", f"{n} time{'s' if n > 1 else ''}: {reasons}", evidence)
    if not any(v.utt.speaker == "agent" and situation(v) for v in call.turns):
        return ItemResult("n/a", none)
    return ItemResult("pass", what)


def no_policy_language(call: CallView, item: ItemParams) -> ItemResult:
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


def no_upsell_open_issue(call: CallView, item: ItemParams) -> ItemResult:
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
def holds_with_updates(call: CallView, item: ItemParams) -> ItemResult:
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
        hit = heard(view, item.lists()) if view is not None and g.after.speaker == "agent" else None
        if not hit:
            who = "the customer" if g.after.speaker == "customer" else "the agent, with no update"
            bad.append(f"{g.seconds:.0f} s hold at {fmt(g.start)} ended by {who}")
    evidence += card(call, _prompt(item), holds[0].start)
    if bad:
        return ItemResult("fail", "; ".join(bad), evidence)
    n = len(holds)
    longest = max(g.seconds for g in holds)
    return ItemResult(
        "pass",
        f"{n} hold{'s' if n > 1 else ''} (longest {longest:.0f} s), each ended with an update",
        evidence,
    )


def interruptions_per_min(call: CallView, item: ItemParams) -> ItemResult:
    """The agent talked over the customer (by at least the coach's interruption threshold) no
    more than `max_per_min` times per minute of call."""
    limit = num(item, "max_per_min")
    if call.duration_s <= 0:
        return ItemResult("n/a", "no call time")
    cut = interruptions(call.utterances, call.min_overlap_s)
    rate = len(cut) / (call.duration_s / 60.0)
    evidence = [said(u) for u in cut]
    evidence += card(call, _prompt(item), 0.0)
    n, minutes = len(cut), call.duration_s / 60.0
    detail = (
        f"{n} interruption{'s' if n != 1 else ''} in {minutes:.1f} min = {rate:.2f}/min "
        f"(limit {limit:g})"
    )
    return ItemResult("pass" if rate <= limit else "fail", detail, evidence)


def agent_talk_share(call: CallView, item: ItemParams) -> ItemResult:
    """The agent's share of the speech is between `min_share` and `max_share`."""
    low, high = num(item, "min_share"), num(item, "max_share")
    share = call.metrics.get("agent_talk_share")
    if share is None:
        return ItemResult("n/a", "nobody spoke")
    agent, customer = call.metrics["agent_talk_s"], call.metrics["customer_talk_s"]
    detail = (
        f"agent {share:.0%} of the speech ({agent:.0f} s of {agent + customer:.0f} s; "
        f"range {low:.0%}–{high:.0%})"
    )
    return ItemResult("pass" if low <= share <= high else "fail", detail)


def longest_silence(call: CallView, item: ItemParams) -> ItemResult:
    """No silence longer than `max_s` seconds."""
    limit = num(item, "max_s")
    gaps = silences(call.utterances)
    if not gaps:
        return ItemResult("n/a", "no silence between two utterances")
    g = max(gaps, key=lambda g: g.seconds)
    detail = f"longest silence {g.seconds:.1f} s at {fmt(g.start)} (limit {limit:g} s)"
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
