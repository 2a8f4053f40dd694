"""The coach: runs the playbook over the call as it happens.

It is fed, in call-time order, every finished utterance (`on_utterance`), clock ticks
(`on_tick`, for silences and holds) and the end of the call (`on_call_end`), and answers with
the prompts to show and the outcomes of earlier prompts. No I/O, no clocks of its own: the same
sequence of inputs always gives the same prompts, live or replayed.
"""

from __future__ import annotations

from app.coaching.phrases import normalise
from app.coaching.playbook import Playbook, PromptSpec
from app.coaching.state import CallState, Turn
from app.coaching.triggers import TRIGGERS
from app.config import CoachSettings
from app.events import Prompt, PromptOutcome, TrendPoint, Utterance
from app.scoring.escalation import turn_escalates

MAX_CARDS_PER_TURN = 2  # the overlay shows the first and queues the second
FOLLOW_WINDOW_S = 60.0
# used only when neither the settings nor the words model give thresholds (unit tests)
FALLBACK_ELEVATED, FALLBACK_HIGH = (
    0.35,
    0.70,
)  # how long the agent has to act on a card before it counts as ignored
# phrase lists whose last use by each side the triggers ask about
AGENT_LISTS = ("empathy", "refusal", "acknowledgement", "fix_agreed", "timeline", "progress_update")
CUSTOMER_LISTS = ("customer_accepts", "asks_when", "customer_rejects")

CoachEvent = Prompt | PromptOutcome


class Coach:
    def __init__(self, playbook: Playbook, settings: CoachSettings | None = None) -> None:
        self.playbook = playbook
        self.settings = settings or CoachSettings()
        s = self.settings
        self.state = CallState(
            elevated=FALLBACK_ELEVATED if s.elevated is None else s.elevated,
            high=FALLBACK_HIGH if s.high is None else s.high,
            steep_rise=s.steep_rise,
            hold_s=s.hold_s,
        )
        self._pending: dict[str, float] = {}  # prompt id -> shown at, awaiting an outcome
        self._customer_prompts = self._sorted("customer")
        self._agent_prompts = self._sorted("agent")
        self._after_call = self._sorted("after_call")

    # ------------------------------------------------------------------ inputs
    def on_utterance(
        self, utt: Utterance, trend: TrendPoint | None, overlap_s: float = 0.0
    ) -> list[CoachEvent]:
        s = self.state
        s.now = max(s.now, utt.processed_t or utt.end)
        s.last_speech_end = max(s.last_speech_end, utt.end)
        turn = Turn(
            speaker=utt.speaker,
            start=utt.start,
            end=utt.end,
            t=s.now,
            text=utt.text,
            norm=normalise(utt.text),
            tone=utt.tone,
            words=utt.words,
            frustration=utt.frustration,
            overlap_s=overlap_s,
            tone_baseline=utt.tone_baseline,
        )
        events: list[CoachEvent] = []
        if turn.speaker == "customer":
            self._observe_customer(turn, trend)
        else:
            events += self._observe_agent(turn)
        events += self._expire(s.now)
        # agent-side warnings first (they may interrupt), then the most important customer-side
        # cards; the overlay shows one at a time and queues the next
        for group in (self._agent_prompts, self._customer_prompts):
            events += self._firing(group, turn, turn.end, MAX_CARDS_PER_TURN)
        return events

    def on_tick(self, t: float, last_speech_end: float | None = None) -> list[CoachEvent]:
        """The clock moved on to call time t; `last_speech_end` is when anyone last spoke."""
        s = self.state
        s.now = max(s.now, t)
        if last_speech_end is not None:
            s.last_speech_end = max(s.last_speech_end, last_speech_end)
        events: list[CoachEvent] = self._expire(t)
        events += self._firing(self._customer_prompts, None, t, 1)
        return events

    def on_call_end(self, t: float) -> list[CoachEvent]:
        s = self.state
        s.now = max(s.now, t)
        events: list[CoachEvent] = self._expire(float("inf"))
        for spec in self._after_call:
            reason = TRIGGERS[spec.trigger](s, spec, self.playbook, None)
            if reason:
                events.append(self._show(spec, reason, source_t=s.now))
        return events

    def record_outcome(self, prompt_id: str, outcome: str, t: float) -> PromptOutcome | None:
        """The agent marked a card done or dismissed it (from the overlay).

        The agent's own action is recorded even when it reaches the coach after the card was
        already counted as ignored or followed (a slow machine, a fast replay): it wins in the
        report."""
        if prompt_id not in self._pending and prompt_id not in self.state.shown_t:
            return None
        self._pending.pop(prompt_id, None)
        if outcome == "done":
            self.state.done.add(prompt_id)
        return PromptOutcome(t=t, id=prompt_id, outcome=outcome)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ state updates
    def _observe_customer(self, turn: Turn, trend: TrendPoint | None) -> None:
        s = self.state
        s.customer.append(turn)
        if trend is not None:
            s.level, s.direction = trend.level, trend.direction
            s.rise = trend.slope
        s.peak_level = max(s.peak_level, s.level)
        s.max_frustration = max(s.max_frustration, turn.frustration)
        if turn_escalates(turn.frustration, s.level, s.high):
            s.escalated = True
        for name in CUSTOMER_LISTS:
            if self.playbook.phrase_set(name).find(turn.norm):
                s.customer_phrase_t[name] = s.now
        if turn.frustration >= s.elevated or "asks_when" in s.customer_phrase_t:
            s.issue_open = True

    def _observe_agent(self, turn: Turn) -> list[CoachEvent]:
        s = self.state
        s.agent.append(turn)
        if turn.overlap_s >= s.interrupt_overlap_s and s.frustrated:
            s.interruptions += 1
        for name in AGENT_LISTS:
            if self.playbook.phrase_set(name).find(turn.norm):
                s.last_phrase_t[name] = s.now
        events: list[CoachEvent] = []
        for spec in self.playbook.prompts:
            if any(self.playbook.phrase_set(n).find(turn.norm) for n in spec.done_when_agent_says):
                if not spec.repeatable:
                    s.done.add(spec.id)
                if spec.id in self._pending:
                    del self._pending[spec.id]
                    events.append(
                        PromptOutcome(
                            t=s.now, id=spec.id, outcome="followed", detail=turn.text[:120]
                        )
                    )
        return events

    # ------------------------------------------------------------------ prompt selection
    def _sorted(self, group: str) -> list[PromptSpec]:
        specs = [p for p in self.playbook.prompts if p.group == group and p.enabled]
        return sorted(specs, key=lambda p: p.priority)

    def _firing(
        self, specs: list[PromptSpec], turn: Turn | None, source_t: float, limit: int
    ) -> list[Prompt]:
        """Up to `limit` prompts of `specs` (most important first) whose trigger holds now."""
        s = self.state
        shown: list[Prompt] = []
        for spec in specs:
            if len(shown) >= limit:
                break
            if spec.id in s.done and not spec.repeatable:
                continue
            cooldown = spec.cooldown_s if spec.cooldown_s is not None else self.settings.cooldown_s
            last = s.shown_t.get(spec.id)
            if last is not None and s.now - last < cooldown:
                continue
            reason = TRIGGERS[spec.trigger](s, spec, self.playbook, turn)
            if reason:
                if spec.trigger == "long_silence":
                    s.hold_prompted_for = s.last_speech_end
                shown.append(self._show(spec, reason, source_t))
        return shown

    def _show(self, spec: PromptSpec, reason: str, source_t: float) -> Prompt:
        s = self.state
        s.shown_t[spec.id] = s.now
        s.shown_count[spec.id] = s.shown_count.get(spec.id, 0) + 1
        if spec.group != "after_call":
            self._pending[spec.id] = s.now
        return spec.to_prompt(s.now, reason, source_t)

    def _expire(self, now: float) -> list[CoachEvent]:
        """Cards the agent did not act on within the follow window count as ignored; cards with
        nothing to say (no done phrases) count as followed if their trigger did not recur."""
        events: list[CoachEvent] = []
        for pid, shown in list(self._pending.items()):
            if now - shown < FOLLOW_WINDOW_S:
                continue
            del self._pending[pid]
            spec = self.playbook.prompt(pid)
            recurred = self.state.shown_t.get(pid, shown) > shown
            followed = spec is not None and not spec.done_when_agent_says and not recurred
            t = min(now, shown + FOLLOW_WINDOW_S)
            events.append(PromptOutcome(t=t, id=pid, outcome="followed" if followed else "ignored"))
        return events
