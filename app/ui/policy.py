"""The overlay's side of the one-card rule: it shows what the coach decided.

Which card the agent sees (priority, interruptions, the queue, expiry) is decided once, in the
core (`app.coaching.presentation.CardPolicy`), so `analyze`, `live`, the reports and the overlay
agree. Every prompt event says `shown`; the overlay puts up the ones marked shown, ignores the
rest, and takes a card down when the coach says it went (`CardCleared`), when the agent clicks
it away, or (a safety net for a stalled pipeline) when it has been up far longer than the coach
would keep it. No Qt here. Times are call seconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
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
class CardSlot:
    """The card on screen, as the coach decided it."""

    fade_after_s: float = 20.0  # the coach's own limit; the overlay fades a little after it
    current: Prompt | None = None
    shown_at: float = 0.0  # call time the current card went up

    @property
    def queued(self) -> list[Prompt]:
        """Nothing waits in the overlay: the coach's queue decides what comes next."""
        return []

    def is_stale(self, now: float) -> bool:
        """Up much longer than the coach keeps a card: its "cleared" event never came."""
        return self.current is not None and now - self.shown_at >= self.fade_after_s + 5.0

    def offer(self, prompt: Prompt, now: float) -> bool:
        """A prompt event arrived. True when it is now the card on screen."""
        if not getattr(prompt, "shown", True):
            return False  # the coach kept it off screen (why_not says why)
        self.current = prompt
        self.shown_at = now
        return True

    def clear(self, prompt_id: str) -> bool:
        """The coach (or the agent) took this card down. True if it was the one on screen."""
        if self.current is not None and self.current.id == prompt_id:
            self.current = None
            return True
        return False

    def resolve(self, now: float) -> Prompt | None:
        """The card was done, dismissed or faded: nothing comes next until the coach says so."""
        self.current = None
        return None

    def expire(self, now: float) -> bool:
        return self.is_stale(now)

    def end_call(self, now: float) -> Prompt | None:
        """The call ended: only an after-call card stays."""
        if self.current is not None and self.current.group == AFTER_CALL:
            return self.current
        self.current = None
        return None

    def clear_all(self) -> None:
        self.current = None


CardQueue = CardSlot  # the name the overlay used before the rule moved to the core
