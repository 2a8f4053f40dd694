"""The overlay's side of the one-card rule: it shows what the coach decided (no Qt here).

The rule itself lives in the core and is tested in tests/test_presentation.py."""

from __future__ import annotations

import dataclasses

from app.events import Prompt
from app.ui.policy import CardSlot, clean_prompt


def card(pid: str, t: float, priority: int, group: str = "customer") -> Prompt:
    return Prompt(t, pid, pid.title(), "", "", priority, group, False)


def test_the_slot_shows_what_the_coach_marked_shown_and_nothing_else() -> None:
    slot = CardSlot()
    assert slot.offer(card("a", 0, 50), 0)
    hidden = dataclasses.replace(card("b", 1, 10), shown=False, why_not="superseded")
    assert not slot.offer(hidden, 1)
    assert slot.current is not None and slot.current.id == "a"
    assert slot.queued == []  # the coach queues, not the overlay
    assert slot.offer(card("c", 2, 90), 2)  # the coach said show it: it replaces the card
    assert slot.current.id == "c"


def test_the_slot_clears_on_the_coachs_word_and_fades_only_as_a_safety_net() -> None:
    slot = CardSlot(fade_after_s=20)
    slot.offer(card("a", 0, 10), 0)
    assert not slot.clear("other")
    assert not slot.expire(24)
    assert slot.expire(25)  # the coach's "cleared" never came
    assert slot.clear("a") and slot.current is None


def test_end_of_call_keeps_only_after_call_cards() -> None:
    slot = CardSlot()
    slot.offer(card("follow", 2, 200, group="after_call"), 2)
    assert slot.end_call(3) is not None
    slot2 = CardSlot()
    slot2.offer(card("a", 0, 10), 0)
    assert slot2.end_call(1) is None and slot2.current is None


def test_clean_prompt_repairs_fields() -> None:
    bad = Prompt(float("nan"), "", "  Title ", None, 3, "x", None, 1)  # type: ignore[arg-type]
    good = clean_prompt(bad, now=7.0)
    assert good is not None
    assert (good.t, good.id, good.title, good.say, good.reason) == (7.0, "Title", "Title", "", "3")
    assert (good.priority, good.group, good.interrupts) == (100, "customer", True)
    assert clean_prompt(Prompt(1, "", "", "", "", 1), 0) is None
