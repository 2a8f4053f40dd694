"""Which coaching card is on screen: the playbook's "one card at a time" rule, in the core.

The coach offers every prompt whose trigger holds; this policy decides, from call time alone, which
one the agent sees. `analyze` (the JSON report), `live` (the events), the overlay and the reports
all take its word, so a card the overlay never showed is never counted as shown.

The rule (PLAYBOOK "Behaviour every prompt follows"):

- No card up: the new prompt is shown.
- A more important prompt (lower `priority` number) replaces the card ("superseded by ...").
- An interrupting prompt (`interrupts`: `slow_down`, `avoid_policy_language`) replaces any card
  except a more important interruption.
- Otherwise the prompt waits in a short queue (at most `max_queued`, best first) and is shown when
  the card goes away (followed, dismissed, expired), unless it waited longer than `max_wait_s`:
  then it is dropped as out of date ("expired ...").
- A card stays up `show_for_s` at most (then it "expired"; the overlay fades it out); an
  interruption is a nudge about the agent's last words and stays up `interrupt_show_s`.
- At the end of the call, the card and the queue are cleared; after-call prompts are shown.

Every decision is an event: a `Prompt` with `shown` True (on screen from `t`) or False with
`why_not`, and a `CardCleared` when a card goes away without another replacing it. Decisions on
queued prompts come when they are made (a queued prompt's event is emitted when it is shown or
dropped). Nothing here reads a clock: the same inputs give the same decisions, live or replayed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from app.events import CardCleared, Prompt

AFTER_CALL = "after_call"
Decision = Prompt | CardCleared


@dataclass(frozen=True, slots=True)
class Supersession:
    """A card on screen was replaced by a more important one."""

    id: str
    by: str
    t: float


@dataclass
class CardPolicy:
    show_for_s: float = 20.0
    interrupt_show_s: float = 8.0
    max_wait_s: float = 20.0
    max_queued: int = 3
    current: Prompt | None = None
    shown_at: float = 0.0
    queued: list[Prompt] = field(default_factory=list)
    superseded: list[Supersession] = field(default_factory=list)  # read and cleared by the coach

    # ------------------------------------------------------------------ queries
    def is_showing(self, prompt_id: str) -> bool:
        return self.current is not None and self.current.id == prompt_id

    def is_waiting(self, prompt_id: str) -> bool:
        return any(p.id == prompt_id for p in self.queued)

    # ------------------------------------------------------------------ changes
    def offer(self, prompt: Prompt, now: float) -> list[Decision]:
        """A prompt's trigger holds at call time `now`: show it, queue it or drop it."""
        out = self.advance(now)
        current = self.current
        if current is None or prompt.group == AFTER_CALL:
            return out + self._show(prompt, now)
        if current.id == prompt.id:
            return [*out, _not_shown(prompt, "the same card is already showing")]
        if prompt.interrupts:
            blocked = current.interrupts and current.priority <= prompt.priority
            if not blocked:
                return out + self._replace(prompt, now)
        elif prompt.priority < current.priority:
            return out + self._replace(prompt, now)
        return out + self._enqueue(prompt)

    def advance(self, now: float) -> list[Decision]:
        """Call time moved on to `now`: expire the card and stale queued prompts."""
        out: list[Decision] = self._drop_stale(now)
        current = self.current
        limit = self.show_for_s
        if current is not None and current.interrupts:
            limit = self.interrupt_show_s
        if current is not None and now - self.shown_at >= limit:
            until = self.shown_at + limit
            out.append(CardCleared(t=until, id=current.id, why=f"expired after {limit:.0f} s"))
            self.current = None
            out += self._next(now)
        return out + self._drop_stale(now)

    def clear(self, prompt_id: str, now: float, why: str) -> list[Decision]:
        """The card was acted on (followed, dismissed, done): take it down, show the next one.
        A queued prompt of that id is dropped instead (the agent did it before it showed)."""
        out = self.advance(now)
        if self.current is not None and self.current.id == prompt_id:
            self.current = None
            out.append(CardCleared(t=now, id=prompt_id, why=why))
            return out + self._next(now)
        for p in [p for p in self.queued if p.id == prompt_id]:
            self.queued.remove(p)
            out.append(_not_shown(p, why))
        return out

    def end_call(self, now: float) -> list[Decision]:
        """The call ended at `now`: the card comes down (expired first, if its time was up) and
        the queue is dropped; nothing new goes up until the after-call prompts."""
        out: list[Decision] = self._drop_stale(now)
        current = self.current
        if current is not None and current.group != AFTER_CALL:
            limit = self.interrupt_show_s if current.interrupts else self.show_for_s
            if now - self.shown_at >= limit:
                why, t = f"expired after {limit:.0f} s", self.shown_at + limit
            else:
                why, t = "the call ended", now
            out.append(CardCleared(t=t, id=current.id, why=why))
            self.current = None
        for p in self.queued:
            out.append(_not_shown(p, "the call ended before it could show"))
        self.queued = []
        return out

    # ------------------------------------------------------------------ internals
    def _show(self, prompt: Prompt, now: float) -> list[Decision]:
        self.current = dataclasses.replace(prompt, t=now, shown=True, why_not="")
        self.shown_at = now
        return [self.current]

    def _replace(self, prompt: Prompt, now: float) -> list[Decision]:
        old = self.current
        assert old is not None
        self.superseded.append(Supersession(old.id, prompt.id, now))
        return self._show(prompt, now)

    def _enqueue(self, prompt: Prompt) -> list[Decision]:
        self.queued = [p for p in self.queued if p.id != prompt.id]
        self.queued.append(prompt)
        self.queued.sort(key=lambda p: (p.priority, p.t))
        out: list[Decision] = []
        while len(self.queued) > self.max_queued:
            dropped = self.queued.pop()
            ahead = ", ".join(p.id for p in self.queued)
            out.append(_not_shown(dropped, f"queue full: {ahead} more important"))
        return out

    def _next(self, now: float) -> list[Decision]:
        out = self._drop_stale(now)
        if self.queued and self.current is None:
            out += self._show(self.queued.pop(0), now)
        return out

    def _drop_stale(self, now: float) -> list[Decision]:
        out: list[Decision] = []
        for p in list(self.queued):
            if now - p.t > self.max_wait_s:
                self.queued.remove(p)
                behind = f" behind {self.current.id}" if self.current is not None else ""
                why = f"expired after waiting {self.max_wait_s:.0f} s{behind}"
                out.append(_not_shown(p, why))
        return out


def _not_shown(prompt: Prompt, why: str) -> Prompt:
    # `t` stays when it would have appeared; the event itself is emitted at `now`
    return dataclasses.replace(prompt, shown=False, why_not=why)
