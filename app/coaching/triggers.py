"""The built-in trigger situations of PLAYBOOK.md, one pure function each, in ONE registry.

Each takes the call state, the prompt's spec, the playbook (for phrase lists) and the turn that
just happened (None on a clock tick or at call end), and returns the reason the prompt should
show, or None. `TRIGGERS` is the only list of trigger names: the playbook loader validates
against it, with the numeric parameters each trigger accepts (any other key is an error).

Some triggers also say how the agent ignores their card (`recurs`): the behaviour the card asked
to stop happened again (talked over the customer, tense voice, sales pitch, policy language).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from app.coaching.playbook import Playbook, PromptSpec
from app.coaching.state import CallState, Turn

MaybeTurn = Turn | None  # None on a clock tick or at call end
Reason = str | None
TriggerFn = Callable[[CallState, PromptSpec, Playbook, MaybeTurn], Reason]
RecursFn = Callable[[CallState, PromptSpec, Playbook, Turn], Reason]


@dataclass(frozen=True)
class TriggerDef:
    fn: TriggerFn
    params: Mapping[str, float] = field(default_factory=dict)  # name -> default
    recurs: RecursFn | None = None  # how an agent turn shows the card was ignored


def _customer_turn(turn: Turn | None) -> Turn | None:
    return turn if turn is not None and turn.speaker == "customer" else None


def _agent_turn(turn: Turn | None) -> Turn | None:
    return turn if turn is not None and turn.speaker == "agent" else None


def _p(spec: PromptSpec, name: str) -> float:
    value = spec.params.get(name)
    return TRIGGERS[spec.trigger].params[name] if value is None else value


def _scores(turn: Turn, state: CallState) -> str:
    return (
        f"frustration {turn.frustration:.2f} (tone {turn.tone:.2f} {tone_basis(turn)}, "
        f"words {turn.words:.2f}), "
        f"trend {state.level:.2f} {state.direction}"
    )


def _acknowledged_at(s: CallState) -> float | None:
    """When the agent acknowledged the customer's anger in this escalation (their words, or the
    card done on the overlay), before now; None if not yet."""
    t = s.last_phrase_t.get("acknowledgement")
    if t is not None and t >= s.escalated_at and t < s.now:
        return t
    if "acknowledge_anger" in s.done:
        return s.shown_t.get("acknowledge_anger", s.escalated_at)
    return None


# ---------------------------------------------------------------- customer side
def customer_frustration(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None:
        return None
    # the turn must be high by the one rule (app/scoring/escalation.py): a calm line while the
    # smoothed level lags behind is no moment to acknowledge anger, and a turn that only a
    # moderately tense voice made high (calm words) waits for a second upset turn
    if s.turn_high == "confirmed" and s.confirmed_by is not None:
        first, second = sorted((s.confirmed_by, t), key=lambda x: x.end)
        return (
            f"customer upset two turns in a row ({first.frustration:.2f} at {first.start:.0f} s, "
            f"then {second.frustration:.2f}): {_scores(t, s)}"
        )
    if s.turn_high is not None:
        return f"customer frustration is high: {_scores(t, s)}"
    # a rise that ends on a turn resting on a moderately tense voice (calm words) is not acted
    # on: sad and pleased voices rise that way too (app/scoring/escalation.py); nor a rise that
    # a lone voice-only turn began, when the turn ending it is not high either (the bench's
    # sad_0: a downcast 0.49 on the voice, then "i am just tired, it has been a long week" at
    # 0.40 on the words, "rose steeply +0.27"): the lone turn is no frustration on its own, and
    # the turn after it is upset, not angry (it still gets the empathy card); nor a rise that
    # ends on a turn resting on the words alone (a calm voice, words under words_alone): calm
    # problem statements rise that way (the bench's service calls on telephone audio: "there's
    # a problem with my last invoice" after "i'd like to cancel my subscription", 0.50 then
    # 0.46, "rose steeply +0.26"); upset words in a calm voice wait to be high and confirmed
    if (
        s.rise >= s.steep_rise
        and s.level >= s.elevated
        and t.frustration >= s.elevated
        and not s.on_voice
        and not s.on_words
        and not s.after_lone_voice
    ):
        return f"customer frustration rose steeply (+{s.rise:.2f}): {_scores(t, s)}"
    return None


def needs_empathy(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    # "frustration elevated" (PLAYBOOK.md): the customer's smoothed level, not one line (a
    # single elevated line moves the capped trend only part of the way), and the line itself
    # upset too, so the reason never quotes a calm score
    if t is None or not s.upset(t) or s.level < s.elevated or not s.agent:
        return None
    recent = _p(spec, "recent_s")
    if s.agent_said_recently("empathy", recent) or s.agent_said_recently("acknowledgement", recent):
        return None
    # a fresh "acknowledge their anger" card already asks for empathy
    ack = s.shown_t.get("acknowledge_anger")
    if ack is not None and s.now - ack < recent:
        return None
    return f"frustration elevated, no empathy heard in {recent:.0f} s: {_scores(t, s)}"


def agent_interrupts(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    """Checked on agent turns and on clock ticks (talk-over is counted while it happens)."""
    if turn is not None and turn.speaker != "agent":
        return None
    if not s.frustrated or not s.interrupt_times or s.interrupt_times[-1] != s.now:
        return None  # fires at the moment an interruption is counted, not later
    count = s.interruptions
    if count < _p(spec, "min_interruptions"):
        return None
    window = s.interrupt_window_s
    return f"the agent talked over the frustrated customer {count} times in {window:.0f} s"


def _interrupts_again(s: CallState, spec: PromptSpec, pb: Playbook, turn: Turn) -> Reason:
    if turn.overlap_s >= _p(spec, "min_overlap_s"):
        return f"the agent talked over the customer again ({turn.overlap_s:.1f} s)"
    return None


def customer_repeats(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None or not s.upset(t) or len(t.content) < 3:
        return None
    needed = _p(spec, "min_overlap")
    for earlier in list(s.customer)[:-1]:
        if t.start - earlier.end < 5.0 or len(earlier.content) < 3:
            continue
        overlap = len(t.content & earlier.content) / min(len(t.content), len(earlier.content))
        if overlap >= needed:
            return (
                f"the customer repeated a complaint "
                f"({overlap:.0%} of the words of what they said at {earlier.start:.0f} s)"
            )
    return None


def no_resolution(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None or not s.escalated:
        return None
    acked = _acknowledged_at(s)
    if acked is None:
        return None
    needed = int(_p(spec, "min_high_turns"))
    if s.high_turns < needed:
        return None  # "stays high": sustained, not one elevated line
    highs = ", ".join(f"{f:.2f}" for f in list(s.recent_high)[-needed:])
    stays = (
        f"frustration stayed high ({highs} over {needed} turns) "
        f"after the acknowledgement at {acked:.0f} s"
    )
    refused = s.last_phrase_t.get("refusal")
    if refused is not None and refused >= acked and s.now - refused <= _p(spec, "recent_s"):
        return f'{stays}; the agent said no ("{s.last_phrase_text.get("refusal", "")}")'
    rejected = pb.phrase_set("customer_rejects").find(t.norm)
    if rejected:
        return f'{stays}; the customer rejected the offer ("{rejected}")'
    return None


def timeline_asked(s: CallState, pb: Playbook, t: Turn) -> Reason:
    """The customer asked about time, or said they have been kept waiting, about an open issue
    (a calm "how long does shipping take" is a question, not a complaint). Also the scorecard's
    "a timeline given when asked"."""
    waiting = pb.phrase_set("still_waiting").find(t.norm)
    if waiting:
        return f'the customer has been kept waiting ("{waiting}")'
    asked = pb.phrase_set("asks_when").find(t.norm)
    if asked and (s.issue_open or s.frustrated or s.upset(t)):
        return f'the customer asked about time ("{asked}") with their issue open'
    return None


def needs_timeline(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _customer_turn(turn)
    if t is None:
        return None
    asked = timeline_asked(s, pb, t)
    if asked:
        return asked
    still_high = t.frustration >= s.elevated and s.level >= s.high and s.direction != "falling"
    if s.issue_open and still_high and _acknowledged_at(s) is not None:
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
    acked = _acknowledged_at(s)
    if acked is None:
        return None
    last = s.customer[-1].frustration if s.customer else 1.0
    came_down = last < s.elevated and (s.level < s.elevated or s.direction == "falling")
    if not came_down or s.direction == "rising":
        return None
    if s.issue == "being_resolved" or s.agent_said_recently("fix_agreed", 30.0):
        return (
            f"frustration down to {last:.2f} (trend {s.level:.2f}, {s.direction}) from "
            f"{s.peak_level:.2f} after the acknowledgement "
            f"at {acked:.0f} s; the fix is being agreed"
        )
    return None


# ---------------------------------------------------------------- agent side
def agent_policy_language(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not (s.frustrated or s.escalated):
        return None
    said = pb.phrase_set("policy").find(t.norm)
    return f'the agent said "{said}" to a frustrated customer' if said else None


def _policy_again(s: CallState, spec: PromptSpec, pb: Playbook, turn: Turn) -> Reason:
    said = pb.phrase_set("policy").find(turn.norm)
    return f'the agent said "{said}" again' if said else None


def agent_upsell(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not s.issue_open or not s.frustrated:
        return None
    return _upsell(s, spec, pb, t)


def _upsell(s: CallState, spec: PromptSpec, pb: Playbook, turn: Turn) -> Reason:
    said = pb.phrase_set("upsell").find(turn.norm)
    if not said or pb.phrase_set("something_extra").find(turn.norm):
        return None  # "I'll upgrade you at no cost" is a gift, not a sale
    return f'the agent offered "{said}" while the issue is open'


def agent_tone_rising(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    t = _agent_turn(turn)
    if t is None or not s.frustrated:
        return None
    return _tense(s, spec, pb, t)


def _tense(s: CallState, spec: PromptSpec, pb: Playbook, turn: Turn) -> Reason:
    if not turn.tone_baseline:
        return None  # before the agent's own baseline exists their tone cannot prompt them
    if turn.tone >= _p(spec, "min_tone"):
        return f"the agent's voice is tense (tone {turn.tone:.2f} {tone_basis(turn)})"
    return None


def tone_basis(turn: Turn) -> str:
    """Which reference a turn's tone was judged against, for the reason text."""
    if turn.tone_baseline:
        return "against their own baseline"
    return "against population norms, no baseline yet"


# ---------------------------------------------------------------- after the call
def call_end_escalated(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
    if turn is not None or not s.escalated:
        return None
    return f"the call escalated (peak frustration {s.max_frustration:.2f}); call back in 1–2 days"


def _says(speaker: str) -> TriggerFn:
    def trigger(s: CallState, spec: PromptSpec, pb: Playbook, turn: MaybeTurn) -> Reason:
        if turn is None or turn.speaker != speaker or s.level < spec.min_frustration:
            return None
        for name in spec.phrases:
            hit = pb.phrase_set(name).find(turn.norm)
            if hit:
                return f'the {speaker} said "{hit}"'
        return None

    return trigger


TRIGGERS: dict[str, TriggerDef] = {
    "customer_frustration": TriggerDef(customer_frustration),
    "needs_empathy": TriggerDef(needs_empathy, {"recent_s": 45.0}),
    "agent_interrupts": TriggerDef(
        agent_interrupts, {"min_interruptions": 2, "min_overlap_s": 0.5}, _interrupts_again
    ),
    "customer_repeats": TriggerDef(customer_repeats, {"min_overlap": 0.5}),
    "no_resolution": TriggerDef(no_resolution, {"recent_s": 60.0, "min_high_turns": 2}),
    "needs_timeline": TriggerDef(needs_timeline),
    "long_silence": TriggerDef(long_silence, {"hold_s": 20.0}),
    "loyalty_or_leaving": TriggerDef(loyalty_or_leaving),
    "calming_and_fixing": TriggerDef(calming_and_fixing),
    "agent_policy_language": TriggerDef(agent_policy_language, recurs=_policy_again),
    "agent_upsell": TriggerDef(agent_upsell, recurs=_upsell),
    "agent_tone_rising": TriggerDef(agent_tone_rising, {"min_tone": 0.6}, _tense),
    "call_end_escalated": TriggerDef(call_end_escalated),
    "customer_says": TriggerDef(_says("customer")),
    "agent_says": TriggerDef(_says("agent")),
}
# the phrase lists the engine and the triggers read by name (a playbook that lacks one is warned
# about at load: its situation can then never be recognised)
ENGINE_LISTS = (
    "acknowledgement", "empathy", "refusal", "fix_agreed", "timeline", "progress_update",
    "customer_accepts", "asks_when", "still_waiting", "customer_rejects", "long_time_customer",
    "leave_threat", "policy", "upsell", "something_extra", "customer_name", "agent_greets_name",
    "not_a_name",
)  # fmt: skip
