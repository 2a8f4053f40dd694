"""The coach: runs the playbook over the call as it happens.

It is fed, in call-time order, every finished utterance (`on_utterance`), clock ticks
(`on_tick`, for silences, holds and talk-over while it happens) and the end of the call
(`on_call_end`), and answers with events: every prompt whose trigger held, each marked `shown`
or not by the one-card policy (presentation.py), cards taken down (`CardCleared`) and the
outcomes of shown cards (outcomes.py). No I/O, no clocks of its own: the same sequence of inputs
always gives the same events, live or replayed, so `analyze`, `live`, the overlay and the
reports all agree on what the agent saw.
"""

from __future__ import annotations

from app.coaching.names import NameHeard
from app.coaching.outcomes import WINDOW_S, OutcomeJudge
from app.coaching.phrases import content_words, normalise
from app.coaching.playbook import Playbook, PromptSpec
from app.coaching.presentation import CardPolicy
from app.coaching.state import CallState, Turn
from app.coaching.thresholds import Thresholds, resolve_thresholds
from app.coaching.triggers import TRIGGERS
from app.config import CoachSettings
from app.events import CardCleared, Prompt, PromptOutcome, TrendPoint, Utterance
from app.scoring.escalation import CustomerTurn, HighTurns

# a done-phrase outside a shown card counts only this soon after the prompt's situation arose
DONE_WINDOW_S = 30.0
CALM_TURNS_TO_REARM = 2  # customer turns below "elevated" before a new escalation re-arms
# phrase lists whose last use by each side the triggers ask about
AGENT_LISTS = ("empathy", "refusal", "acknowledgement", "fix_agreed", "timeline", "progress_update")
CUSTOMER_LISTS = ("customer_accepts", "asks_when", "still_waiting", "customer_rejects")

CoachEvent = Prompt | PromptOutcome | CardCleared


class Coach:
    def __init__(
        self,
        playbook: Playbook,
        settings: CoachSettings | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.playbook = playbook
        self.settings = settings or CoachSettings()
        self.thresholds = thresholds or resolve_thresholds(self.settings)
        th = self.thresholds
        self.state = CallState(
            elevated=th.elevated,
            high=th.high,
            steep_rise=th.steep_rise,
            voice_alone=th.voice_alone,
            hold_s=self.settings.hold_s,
        )
        self.high_rule = HighTurns(th.elevated, th.high, th.voice_alone, th.words_alone)
        self.cards = CardPolicy()
        self.judge = OutcomeJudge(playbook, WINDOW_S)
        self.names = NameHeard(playbook)
        self._specs = {p.id: p for p in playbook.prompts}
        # agent-side warnings first (they may interrupt), then customer-side by importance
        self._live = self._sorted("agent") + self._sorted("customer")
        self._customer_prompts = self._sorted("customer")
        self._after_call = self._sorted("after_call")
        self._backlog: list[CoachEvent] = []  # caused by a click between inputs

    # ------------------------------------------------------------------ inputs
    def on_utterance(
        self, utt: Utterance, trend: TrendPoint | None, overlap_s: float = 0.0
    ) -> list[CoachEvent]:
        s = self.state
        s.now = max(s.now, utt.processed_t or utt.end)
        s.last_speech_end = max(s.last_speech_end, utt.end)
        norm = normalise(utt.text)
        turn = Turn(
            speaker=utt.speaker,
            start=utt.start,
            end=utt.end,
            t=s.now,
            text=utt.text,
            norm=norm,
            tone=utt.tone,
            words=utt.words,
            frustration=utt.frustration,
            overlap_s=overlap_s,
            content=frozenset(content_words(utt.text))
            if utt.speaker == "customer"
            else frozenset(),
            tone_baseline=utt.tone_baseline,
        )
        events: list[CoachEvent] = self._flush() + self._advance(s.now)
        self.names.hear(turn.speaker, turn.text)
        s.customer_name = self.names.name
        if turn.speaker == "customer":
            self._observe_customer(turn, trend)
        else:
            events += self._observe_agent(turn)
        events += self._raise(self._live, turn, turn.end)
        return events

    def on_tick(
        self,
        t: float,
        last_speech_end: float | None = None,
        talk_over: tuple[float, float] | None = None,
    ) -> list[CoachEvent]:
        """The clock moved on to call time t; `last_speech_end` is when anyone last spoke;
        `talk_over` = (start of the agent's speech, seconds so far) while the agent is talking
        over the customer right now (live: seen while it happens, not after the turn)."""
        s = self.state
        s.now = max(s.now, t)
        if last_speech_end is not None:
            s.last_speech_end = max(s.last_speech_end, last_speech_end)
        events: list[CoachEvent] = self._flush() + self._advance(s.now)
        if talk_over is not None:
            events += self._talk_over(*talk_over)
        events += self._raise(self._customer_prompts, None, t)
        return events

    def on_call_end(self, t: float) -> list[CoachEvent]:
        s = self.state
        s.now = max(s.now, t)
        end = s.now
        # no card goes up at the instant the call ends: a card due to expire by now is taken
        # down, but the queue is not brought up (end_call drops it: "the call ended before it
        # could show"); found by tests/test_properties_coach.py
        events: list[CoachEvent] = self._flush() + list(self.judge.advance(end, s.level))
        events += self._record_shown(self.cards.end_call(end))
        events += self.judge.end(end, s.level)
        for spec in self._after_call:
            reason = TRIGGERS[spec.trigger].fn(s, spec, self.playbook, None)
            if reason:
                events += self._offer(spec, reason, source_t=end)
        return events

    def record_outcome(self, prompt_id: str, outcome: str, t: float) -> PromptOutcome | None:
        """The agent marked a card done or dismissed it (from the overlay).

        The agent's own action is recorded even when it reaches the coach after the card was
        already judged (a slow machine, a fast replay): it wins in the report. The card it
        brings up next (if one waits) comes with the coach's next events."""
        events = self._click(prompt_id, outcome, t)
        result = events[0] if events else None  # the click's own outcome comes first
        assert result is None or isinstance(result, PromptOutcome)
        self._backlog += events[1:]
        return result

    def mark(self, prompt_id: str, outcome: str, t: float) -> list[CoachEvent]:
        """`record_outcome` with every event it causes (the outcome, the card taken down, the
        next card shown), after any still owed from an earlier click (so a card is never
        taken down before the event that put it up)."""
        return self._flush() + self._click(prompt_id, outcome, t)

    def _click(self, prompt_id: str, outcome: str, t: float) -> list[CoachEvent]:
        if prompt_id not in self.state.shown_t:
            return []
        # the click says call time reached t (live, the capture position runs ahead of the
        # processed audio): the card it brings up goes up at t, so later cards must not go up
        # before it (found by tests/test_properties_coach.py)
        self.state.now = max(self.state.now, t)
        if outcome == "done":
            self.state.done.add(prompt_id)
        events: list[CoachEvent] = []
        if self.cards.is_showing(prompt_id):
            events += self._record_shown(
                self.cards.clear(prompt_id, max(t, self.state.now), f"{outcome} by the agent")
            )
        shown_t = self.state.shown_t.get(prompt_id)
        judged = self.judge.clicked(prompt_id, outcome, t, self.state.level, shown_t)
        return [judged, *events]

    def use_playbook(self, playbook: Playbook) -> None:
        """A new playbook (the live app's file was edited): from the next input on. What the
        coach knows about the call, the card on screen and the outcomes it waits for stay."""
        self.playbook = playbook
        self.judge.playbook = playbook
        self.names.playbook = playbook
        self._specs = {p.id: p for p in playbook.prompts}
        self._live = self._sorted("agent") + self._sorted("customer")
        self._customer_prompts = self._sorted("customer")
        self._after_call = self._sorted("after_call")

    # ------------------------------------------------------------------ state updates
    def _observe_customer(self, turn: Turn, trend: TrendPoint | None) -> None:
        s = self.state
        s.customer.append(turn)
        if trend is not None:
            s.level, s.direction = trend.level, trend.direction
            s.rise = trend.slope
        else:  # no trend stage (tests of the coach alone): the utterance is the level
            s.level = turn.frustration
        s.peak_level = max(s.peak_level, s.level)
        s.max_frustration = max(s.max_frustration, turn.frustration)
        # a "high" turn, by the one rule (app/scoring/escalation.py): high on its own, confirmed
        # by a second upset turn when the voice alone carried it, or on a high smoothed level
        scored = CustomerTurn(turn.end, turn.frustration, turn.tone, turn.words, s.level)
        s.turn_high = self.high_rule.update(scored)
        s.on_voice = self.high_rule.on_voice
        s.on_words = self.high_rule.on_words
        s.after_lone_voice = s.lone_voice  # the customer's turn before this one
        s.lone_voice = self.high_rule.lone_voice
        other = self.high_rule.confirmed_by
        s.confirmed_by = None
        if other is not None:
            s.confirmed_by = next((c for c in s.customer if c.end == other.end), None)
        high = s.turn_high is not None
        if high and (not s.escalated or s.calm_turns >= CALM_TURNS_TO_REARM):
            self._new_escalation()
        if high:
            s.recent_high.append(max(turn.frustration, s.level))
            s.high_turns += 1
            s.calm_turns = 0
        else:
            s.high_turns = 0
            if turn.frustration < s.elevated:
                s.calm_turns += 1
        hits = {}
        for name in CUSTOMER_LISTS:
            hit = self.playbook.phrase_set(name).find(turn.norm)
            if hit:
                s.customer_phrase_t[name] = s.now
                hits[name] = hit
        self._issue_from_customer(turn, hits)

    def _new_escalation(self) -> None:
        """Frustration reached "high" for the first time, or again after a calm stretch: the
        prompts the agent did for the last escalation are available again."""
        s = self.state
        s.escalated = True
        s.escalations += 1
        s.escalated_at = s.now
        s.calm_turns = 0
        s.done.clear()  # re-arm every prompt
        for name in ("acknowledgement", "empathy", "refusal"):
            s.last_phrase_t.pop(name, None)

    def _issue_from_customer(self, turn: Turn, hits: dict[str, str]) -> None:
        s = self.state
        # one turn upset only on the voice opens no issue (a pleased, loud customer)
        complaint = s.upset(turn) or "still_waiting" in hits or "customer_rejects" in hits
        if complaint:
            self._set_issue("open")
        elif "customer_accepts" in hits and s.issue == "being_resolved":
            self._set_issue("resolved")

    def _set_issue(self, state: str) -> None:
        s = self.state
        if s.issue != state:
            s.issue = state  # type: ignore[assignment]

    def _observe_agent(self, turn: Turn) -> list[CoachEvent]:
        s = self.state
        s.agent.append(turn)
        # the talk-over this turn is made of may have been counted live already (on_tick)
        counted_live = s.talk_over_open and turn.end >= s.talk_over_counted
        if counted_live:
            s.talk_over_open = False
        elif turn.overlap_s >= s.interrupt_overlap_s and s.frustrated:
            s.interrupt_times.append(s.now)
        hits: dict[str, str] = {}
        for name in AGENT_LISTS:
            hit = self.playbook.phrase_set(name).find(turn.norm)
            if hit:
                s.last_phrase_t[name] = s.now
                s.last_phrase_text[name] = hit
                hits[name] = hit
        if s.issue == "open" and ("fix_agreed" in hits or "timeline" in hits):
            self._set_issue("being_resolved")
        events: list[CoachEvent] = []
        events += self.judge.on_agent_turn(s, turn)
        did: list[tuple[PromptSpec, str]] = []
        for spec in self.playbook.prompts:
            for n in spec.done_when_agent_says:
                hit = hits.get(n) or self.playbook.phrase_set(n).find(turn.norm)
                if hit:
                    did.append((spec, hit))
                    break
        # queued cards the agent already did go first, so that taking down the card on screen
        # does not bring up a card for something just done
        did.sort(key=lambda d: not self.cards.is_waiting(d[0].id))
        for spec, said in did:
            events += self._agent_did(spec, turn, said)
        return events

    def _agent_did(self, spec: PromptSpec, turn: Turn, said: str) -> list[CoachEvent]:
        """The agent said one of the prompt's done phrases. It counts only while the card is
        showing or being watched, or shortly after the prompt's situation arose: an everyday
        "how are you today" in a calm opening does not switch the timeline card off."""
        s = self.state
        events: list[CoachEvent] = []
        watched = self.judge.is_watching(spec.id)
        arose = s.situation_t.get(spec.id)
        in_context = arose is not None and s.now - arose <= DONE_WINDOW_S
        if not (watched or in_context or self.cards.is_waiting(spec.id)):
            return events
        if not spec.repeatable:
            s.done.add(spec.id)
        if watched:
            outcome = self.judge.followed(spec.id, turn, said, s.level)
            if outcome is not None:
                events.append(outcome)
        if self.cards.is_showing(spec.id):
            events += self._record_shown(self.cards.clear(spec.id, s.now, "followed"))
        elif self.cards.is_waiting(spec.id):
            events += self._record_shown(
                self.cards.clear(spec.id, s.now, f'the agent already did it ("{said}")')
            )
        return events

    def _talk_over(self, agent_start: float, overlap_s: float) -> list[CoachEvent]:
        """The agent is talking over the customer right now."""
        s = self.state
        same_turn = s.talk_over_open and abs(agent_start - s.talk_over_counted) < 1.0
        if overlap_s < s.interrupt_overlap_s or same_turn or not s.frustrated:
            return []  # too short, already counted for this agent turn, or a calm customer
        s.talk_over_counted = agent_start
        s.talk_over_open = True
        s.interrupt_times.append(s.now)
        events: list[CoachEvent] = list(self.judge.talked_over(s, s.now))
        specs = [p for p in self._live if p.trigger == "agent_interrupts"]
        return events + self._raise(specs, None, s.now)

    # ------------------------------------------------------------------ prompt selection
    def _sorted(self, group: str) -> list[PromptSpec]:
        specs = [p for p in self.playbook.prompts if p.group == group and p.enabled]
        return sorted(specs, key=lambda p: p.priority)

    def _raise(
        self, specs: list[PromptSpec], turn: Turn | None, source_t: float
    ) -> list[CoachEvent]:
        """Offer every prompt of `specs` whose trigger holds now to the one-card policy."""
        s = self.state
        events: list[CoachEvent] = []
        for spec in specs:
            reason = TRIGGERS[spec.trigger].fn(s, spec, self.playbook, turn)
            if not reason:
                continue
            s.situation_t[spec.id] = s.now
            if spec.id in s.done and not spec.repeatable:
                continue
            if self.cards.is_showing(spec.id) or self.cards.is_waiting(spec.id):
                continue
            cooldown = spec.cooldown_s if spec.cooldown_s is not None else self.settings.cooldown_s
            last = s.shown_t.get(spec.id)
            if last is not None and s.now - last < cooldown:
                continue
            if spec.trigger == "long_silence":
                s.hold_prompted_for = s.last_speech_end
            events += self._offer(spec, reason, source_t)
        return events

    def _offer(self, spec: PromptSpec, reason: str, source_t: float) -> list[CoachEvent]:
        s = self.state
        s.raised_t[spec.id] = s.now
        prompt = spec.to_prompt(s.now, reason, source_t, name=s.customer_name)
        return self._record_shown(self.cards.offer(prompt, s.now))

    def _flush(self) -> list[CoachEvent]:
        out, self._backlog = self._backlog, []
        return out

    def _advance(self, now: float) -> list[CoachEvent]:
        events: list[CoachEvent] = list(self.judge.advance(now, self.state.level))
        events += self._record_shown(self.cards.advance(now))
        return events

    def _record_shown(self, decisions: list[Prompt | CardCleared]) -> list[CoachEvent]:
        """Book-keeping for the policy's decisions: shown cards start their cooldown and their
        outcome watch; replaced cards are marked superseded."""
        s = self.state
        for sup in self.cards.superseded:
            self.judge.superseded(sup.id, sup.by)
        self.cards.superseded.clear()
        out: list[CoachEvent] = []
        for d in decisions:
            if isinstance(d, Prompt) and d.shown:
                s.shown_t[d.id] = d.t
                s.shown_count[d.id] = s.shown_count.get(d.id, 0) + 1
                spec = self._specs.get(d.id)
                if spec is not None:
                    out += self.judge.watch(d, spec, s.level)
            out.append(d)
        return out
