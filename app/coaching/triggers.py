"""The built-in trigger situations of PLAYBOOK.md, one pure function each.

Each takes the call state, the prompt's spec, the playbook (for phrase lists) and the turn that
just happened (None on a clock tick), and returns the reason the prompt should show, or None.
"""

from __future__ import annotations

from collections.abc import Callable

from app.coaching.phrases import word_overlap
from app.coaching.playbook import Playbook, PromptSpec
from app.coaching.state import CallState, Turn

MaybeTurn = Turn | None  # None on a clock tick or at call end
Reason = str | None
Trigger = Callable[[CallState, PromptSpec, Playbook, MaybeTurn], Reason]


def _customer_turn(turn: Turn | None) -> Turn | None:
    return turn if turn is not None and turn.speaker == "customer" else None


def _agent_turn(turn: Turn | None) -> Turn | None:
    return turn if turn is not None and turn.speaker == "agent" else None


def _scores(turn: Turn, state: CallState) -> str:
    return (
        f"frustration {turn.frustration:.2f} (tone {turn.tone:.2f} {tone_basis(turn)}, "
        f"words {turn.words:.2f}), "
        f"trend {state.level:.2f} {state.direction}"
    )


def customer_frustration(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None:
        return None
    if t.frustration >= s.high or s.level >= s.high:
        return f"customer frustration is high: {_scores(t, s)}"
    if s.rise >= s.steep_rise and s.level >= s.elevated:
        return f"customer frustration rose steeply (+{s.rise:.2f}): {_scores(t, s)}"
    return None


def needs_empathy(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None or not s.frustrated or not s.agent:
        return None
    recent = spec.params.get("recent_s", 45.0)
    if s.agent_said_recently("empathy", recent):
        return None
    # a fresh "acknowledge their anger" card already asks for empathy
    ack = s.shown_t.get("acknowledge_anger")
    if ack is not None and s.now - ack < recent:
        return None
    return f"frustration elevated, no empathy heard in {recent:.0f} s: {_scores(t, s)}"


def agent_interrupts(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not s.frustrated:
        return None
    if t.overlap_s < spec.params.get("min_overlap_s", 0.5):
        return None
    if s.interruptions < spec.params.get("min_interruptions", 2):
        return None
    return f"the agent talked over the frustrated customer {s.interruptions} times"


def customer_repeats(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None or t.frustration < s.elevated:
        return None
    needed = spec.params.get("min_overlap", 0.5)
    for earlier in list(s.customer)[:-1]:
        if t.start - earlier.end < 5.0:
            continue
        overlap = word_overlap(t.text, earlier.text)
        if overlap >= needed:
            return (
                f"the customer repeated a complaint "
                f"({overlap:.0%} of the words of what they said at {earlier.start:.0f} s)"
            )
    return None


def no_resolution(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None or not s.escalated or not s.frustrated:
        return None
    if not (s.was_shown("acknowledge_anger") or "acknowledge_anger" in s.done):
        return None
    recent = spec.params.get("recent_s", 60.0)
    if s.agent_said_recently("refusal", recent):
        return f"still frustrated after acknowledgement; the agent refused: {_scores(t, s)}"
    if pb.phrase_set("customer_rejects").find(t.norm):
        return f"the customer rejected what was offered; {_scores(t, s)}"
    return None


def needs_timeline(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None:
        return None
    asked = pb.phrase_set("asks_when").find(t.norm)
    if asked:
        return f'the customer asked about time ("{asked}")'
    if s.issue_open and s.level >= s.high and s.was_shown("acknowledge_anger"):
        return f"frustration high while the issue is unresolved: {_scores(t, s)}"
    return None


def long_silence(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    if turn is not None or not (s.frustrated or (s.escalated and s.issue_open)):
        return None
    hold = spec.params.get("hold_s", s.hold_s)
    silent = s.now - s.last_speech_end
    if silent < hold or s.hold_prompted_for == s.last_speech_end:
        return None
    return f"{silent:.0f} s of silence on a call with frustration {s.level:.2f}"


def loyalty_or_leaving(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None:
        return None
    loyal = pb.phrase_set("long_time_customer").find(t.norm)
    if loyal:
        return f'the customer mentioned their loyalty ("{loyal}")'
    leaving = pb.phrase_set("leave_threat").find(t.norm)
    if leaving:
        return f'the customer threatened to leave ("{leaving}")'
    return None


def calming_and_fixing(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    if turn is None or not s.escalated:
        return None
    if not ("acknowledge_anger" in s.done or s.agent_said_recently("acknowledgement", 1e9)):
        return None
    if s.level >= s.elevated or s.direction == "rising":
        return None
    accepted = s.customer_phrase_t.get("customer_accepts", -1e9) >= s.now - 30.0
    if s.agent_said_recently("fix_agreed", 30.0) or accepted:
        return f"frustration down to {s.level:.2f} from {s.peak_level:.2f}; the fix is being agreed"
    return None


def agent_policy_language(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not (s.frustrated or s.escalated):
        return None
    said = pb.phrase_set("policy").find(t.norm)
    return f'the agent said "{said}" to a frustrated customer' if said else None


def agent_upsell(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not s.issue_open or not s.frustrated:
        return None
    said = pb.phrase_set("upsell").find(t.norm)
    return f'the agent offered "{said}" while the issue is open' if said else None


def agent_tone_rising(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not s.frustrated or not t.tone_baseline:
        return None  # before the agent's own baseline exists their tone cannot prompt them
    if t.tone >= spec.params.get("min_tone", 0.6):
        return f"the agent's voice is tense (tone {t.tone:.2f} {tone_basis(t)})"
    return None


def tone_basis(turn: Turn) -> str:
    """Which reference a turn's tone was judged against, for the reason text."""
    if turn.tone_baseline:
        return "against their own baseline"
    return "against population norms, no baseline yet"


def call_end_escalated(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    if turn is not None or not s.escalated:
        return None
    return f"the call escalated (peak frustration {s.max_frustration:.2f}); call back in 1–2 days"


def _says(speaker: str) -> Trigger:
    def trigger(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
        if turn is None or turn.speaker != speaker or s.level < spec.min_frustration:
            return None
        for name in spec.phrases:
            hit = pb.phrase_set(name).find(turn.norm)
            if hit:
                return f'the {speaker} said "{hit}"'
        return None

    return trigger


TRIGGERS: dict[str, Trigger] = {
    "customer_frustration": customer_frustration,
    "needs_empathy": needs_empathy,
    "agent_interrupts": agent_interrupts,
    "customer_repeats": customer_repeats,
    "no_resolution": no_resolution,
    "needs_timeline": needs_timeline,
    "long_silence": long_silence,
    "loyalty_or_leaving": loyalty_or_leaving,
    "calming_and_fixing": calming_and_fixing,
    "agent_policy_language": agent_policy_language,
    "agent_upsell": agent_upsell,
    "agent_tone_rising": agent_tone_rising,
    "call_end_escalated": call_end_escalated,
    "customer_says": _says("customer"),
    "agent_says": _says("agent"),
}
