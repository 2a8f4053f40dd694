"""What happened after each card the agent saw, judged at call time with evidence for QA.

A card is watched for `window_s` seconds from the moment it went up (never past the call's end):

- followed: the agent said what the card suggests (one of its `done_when_agent_says` phrases);
  for cards that ask the agent to stop doing something (let them finish, slow down, no selling)
  and have no such phrases: the window passed without the behaviour coming back.
- ignored: the window passed without it, or the agent did the very thing again (talked over the
  customer, a tense voice, a sales pitch, policy language).
- superseded: a more important card replaced it before the agent acted on it, and they did not
  act on it later within the window either.
- dismissed / done: the agent's own click on the overlay (always wins).

Each outcome carries the agent's words that decided it (`heard`) and the customer's smoothed
frustration when the card went up and when it was judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.coaching.playbook import Playbook, PromptSpec
from app.coaching.state import CallState, Turn
from app.coaching.triggers import TRIGGERS
from app.events import Prompt, PromptOutcome

WINDOW_S = 60.0  # how long after a card its outcome is decided (the default cooldown)


@dataclass
class _Watch:
    prompt: Prompt
    spec: PromptSpec
    until: float
    before: float
    superseded_by: str | None = None
    agent_turns: int = 0
    last_words: str = ""


class OutcomeJudge:
    def __init__(self, playbook: Playbook, window_s: float = WINDOW_S) -> None:
        self.playbook = playbook
        self.window_s = window_s
        self.watching: dict[str, _Watch] = {}

    def watch(self, prompt: Prompt, spec: PromptSpec, level: float) -> list[PromptOutcome]:
        """Start judging a card that just went up (an earlier showing of the same prompt still
        being judged is concluded first, at this moment)."""
        if spec.group == "after_call":
            return []  # judged by the agent's click only
        if not spec.done_when_agent_says and TRIGGERS[spec.trigger].recurs is None:
            return []  # nothing to judge it by (a site's own prompt without done phrases)
        out = []
        old = self.watching.pop(prompt.id, None)
        if old is not None:
            out.append(self._conclude(old, prompt.t, level))
        self.watching[prompt.id] = _Watch(prompt, spec, prompt.t + self.window_s, level)
        return out

    def is_watching(self, prompt_id: str) -> bool:
        return prompt_id in self.watching

    def superseded(self, prompt_id: str, by: str) -> None:
        w = self.watching.get(prompt_id)
        if w is not None and w.superseded_by is None:
            w.superseded_by = by

    def followed(self, prompt_id: str, turn: Turn, said: str, level: float) -> PromptOutcome | None:
        """The agent said one of the card's done phrases."""
        w = self.watching.pop(prompt_id, None)
        if w is None:
            return None
        return self._outcome(w, turn.t, "followed", f'the agent said "{said}"', turn.text, level)

    def on_agent_turn(self, s: CallState, turn: Turn) -> list[PromptOutcome]:
        """Cards the agent just ignored by doing the very thing again."""
        out = []
        for pid, w in list(self.watching.items()):
            w.agent_turns += 1
            w.last_words = turn.text
            recurs = TRIGGERS[w.spec.trigger].recurs
            if recurs is None or turn.t <= w.prompt.t:
                continue
            again = recurs(s, w.spec, self.playbook, turn)
            if again:
                del self.watching[pid]
                out.append(self._outcome(w, turn.t, "ignored", again, turn.text, s.level))
        return out

    def talked_over(self, s: CallState, now: float) -> list[PromptOutcome]:
        """Talk-over seen live while a "let them finish" card is being watched."""
        out = []
        for pid, w in list(self.watching.items()):
            if w.spec.trigger == "agent_interrupts" and now > w.prompt.t:
                del self.watching[pid]
                why = "the agent talked over the customer again"
                out.append(self._outcome(w, now, "ignored", why, "", s.level))
        return out

    def clicked(
        self, prompt_id: str, outcome: str, t: float, level: float, shown_t: float | None = None
    ) -> PromptOutcome:
        """The agent's click (wins in the report, even after the coach judged the card)."""
        w = self.watching.pop(prompt_id, None)
        before = w.before if w is not None else None
        return PromptOutcome(
            t=t,
            id=prompt_id,
            outcome=outcome,  # type: ignore[arg-type]
            detail=f"the agent clicked {outcome}",
            frustration_before=None if before is None else round(before, 3),
            frustration_after=round(level, 3),
            prompt_t=shown_t if w is None else w.prompt.t,
        )

    def advance(self, now: float, level: float) -> list[PromptOutcome]:
        """Windows that have run out by `now` (each stamped at its own end)."""
        out = []
        for pid, w in list(self.watching.items()):
            if now >= w.until:
                del self.watching[pid]
                out.append(self._conclude(w, w.until, level))
        return out

    def end(self, t: float, level: float) -> list[PromptOutcome]:
        """The call ended at `t`: everything still open is judged now, stamped no later."""
        out = []
        for w in self.watching.values():
            out.append(self._conclude(w, min(t, w.until), level))
        self.watching.clear()
        return out

    # ------------------------------------------------------------------
    def _conclude(self, w: _Watch, t: float, level: float) -> PromptOutcome:
        seen = f"{w.agent_turns} agent turn{'s' if w.agent_turns != 1 else ''}"
        span = f"{t - w.prompt.t:.0f} s"
        if not w.spec.done_when_agent_says and TRIGGERS[w.spec.trigger].recurs is not None:
            why = f"not repeated in {span} ({seen})"
            return self._outcome(w, t, "followed", why, w.last_words, level)
        if w.superseded_by is not None:
            why = f"replaced by {w.superseded_by} and not acted on within {span} ({seen})"
            return self._outcome(w, t, "superseded", why, w.last_words, level)
        lists = ", ".join(w.spec.done_when_agent_says) or "its situation changing"
        why = f"no {lists} heard in {span} ({seen})"
        return self._outcome(w, t, "ignored", why, w.last_words, level)

    def _outcome(
        self, w: _Watch, t: float, outcome: str, why: str, heard: str, level: float
    ) -> PromptOutcome:
        change = level - w.before
        trend = "down" if change <= -0.05 else "up" if change >= 0.05 else "unchanged"
        detail = f"{why}; frustration {w.before:.2f} -> {level:.2f} ({trend})"
        return PromptOutcome(
            t=t,
            id=w.prompt.id,
            outcome=outcome,  # type: ignore[arg-type]
            detail=detail,
            heard=heard[:160],
            frustration_before=round(w.before, 3),
            frustration_after=round(level, 3),
            prompt_t=w.prompt.t,
        )
