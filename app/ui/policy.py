"""Which coaching card is on screen: the playbook's "one card at a time" rule as pure logic.

No Qt here, so the rule is easy to test and to read. Times are call seconds.

The rule (PLAYBOOK "Behaviour every prompt follows"):

- No card up: the new prompt is shown.
- A more important prompt (lower `priority` number) replaces the card; the replaced, less
  important card is dropped (the coach counts it as ignored after its follow window).
- An interrupting prompt (`interrupts=True`: `slow_down`, `avoid_policy_language`) replaces any
  card except a more important interruption; the card it displaces is not dropped but goes back
  to the queue and returns once the interruption is dealt with (if it is still fresh).
- The same prompt again (it recurred after its cooldown) refreshes the card.
- A card that has been up for `fade_after_s` without action is stale: the next prompt replaces it
  whatever its priority, and `expire()` removes it (the overlay fades it out).
- Otherwise a less important prompt waits in a short queue (at most `max_queued`, best first, one
  entry per id) and is shown when the card is done, dismissed, followed or faded, unless it has
  itself waited longer than `fade_after_s`: then it is dropped as out of date.
- At the end of the call, live cards and queued prompts are dropped; an after-call prompt
  (`group == "after_call"`, the call-back reminder) is kept or shown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Literal

from app.events import Prompt
from app.ui.clock import finite

AFTER_CALL = "after_call"
Outcome = Literal["done", "dismissed"]


@dataclass(frozen=True, slots=True)
class RecordedOutcome:
    """What the agent did with a card, as the overlay recorded it for QA."""

    prompt_id: str
    outcome: Outcome
    t: float  # call seconds


def clean_prompt(event: Prompt, now: float) -> Prompt | None:
    """A prompt with every field of the type the overlay expects (None if it has nothing to
    show). Prompts come from a user-editable playbook, so nothing is taken on trust."""
    title = str(event.title or event.id or "").strip()
    if not title:
        return None

    t, priority = finite(event.t), finite(event.priority)
    return dataclasses.replace(
        event,
        t=now if t is None else t,
        id=str(event.id or title),
        title=title,
        say=str(event.say or "").strip(),
        reason=str(event.reason or "").strip(),
        priority=100 if priority is None else int(priority),
        group=str(event.group or "customer"),
        interrupts=bool(event.interrupts),
    )


@dataclass
class CardQueue:
    fade_after_s: float = 20.0
    max_queued: int = 3
    current: Prompt | None = None
    shown_at: float = 0.0  # call time the current card went up
    queued: list[Prompt] = field(default_factory=list)

    # ------------------------------------------------------------------ queries
    def is_stale(self, now: float) -> bool:
        return self.current is not None and now - self.shown_at >= self.fade_after_s

    # ------------------------------------------------------------------ changes
    def offer(self, prompt: Prompt, now: float) -> bool:
        """A prompt arrived. Returns True when it is now the card on screen."""
        current = self.current
        if current is None or current.id == prompt.id or self.is_stale(now):
            self._show(prompt, now)
            return True
        # interruptions do not interrupt a more important interruption
        if prompt.interrupts and not (current.interrupts and current.priority < prompt.priority):
            if not current.interrupts:
                # a warning to the agent is a pause, not a replacement: the customer-side card
                # comes back once it is dealt with (if still fresh)
                self._enqueue(current)
            self._show(prompt, now)
            return True
        if prompt.priority < current.priority:
            self._show(prompt, now)
            return True
        self._enqueue(prompt)
        return False

    def resolve(self, now: float) -> Prompt | None:
        """The card was done, dismissed, followed or faded: show the best fresh queued prompt."""
        self.current = None
        self.queued = [p for p in self.queued if now - p.t < self.fade_after_s]
        if not self.queued:
            return None
        nxt = self.queued.pop(0)
        self._show(nxt, now)
        return nxt

    def expire(self, now: float) -> bool:
        """True when the card on screen has gone stale (the caller fades it, then resolves)."""
        return self.is_stale(now)

    def end_call(self, now: float) -> Prompt | None:
        """The call ended: keep only after-call prompts. Returns the card to show, if any."""
        self.queued = [p for p in self.queued if p.group == AFTER_CALL]
        if self.current is not None and self.current.group == AFTER_CALL:
            return self.current
        self.current = None
        if not self.queued:
            return None
        nxt = self.queued.pop(0)
        self._show(nxt, now)
        return nxt

    def clear(self) -> None:
        self.current = None
        self.queued.clear()

    # ------------------------------------------------------------------ internals
    def _show(self, prompt: Prompt, now: float) -> None:
        self.queued = [p for p in self.queued if p.id != prompt.id]
        self.current = prompt
        self.shown_at = now

    def _enqueue(self, prompt: Prompt) -> None:
        self.queued = [p for p in self.queued if p.id != prompt.id]
        self.queued.append(prompt)
        self.queued.sort(key=lambda p: (p.priority, -p.t))
        del self.queued[self.max_queued :]
