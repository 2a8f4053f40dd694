"""The one-card-at-a-time rule as pure logic (no Qt)."""

from __future__ import annotations

from app.events import Prompt
from app.ui.policy import CardQueue, clean_prompt


def card(pid: str, t: float, priority: int, interrupts: bool = False, group: str = "customer"):  # type: ignore[no-untyped-def]
    return Prompt(t, pid, pid.title(), "", "", priority, group, interrupts)


def test_equal_priority_waits_and_the_queue_is_short_and_best_first() -> None:
    q = CardQueue(max_queued=2)
    assert q.offer(card("a", 0, 50), 0)
    assert not q.offer(card("b", 1, 50), 1)
    assert not q.offer(card("c", 2, 90), 2)
    assert not q.offer(card("d", 3, 70), 3)
    assert [p.id for p in q.queued] == ["b", "d"]  # c (least important) fell off
    assert q.resolve(4).id == "b"


def test_queued_prompts_go_out_of_date() -> None:
    q = CardQueue(fade_after_s=20)
    q.offer(card("a", 0, 10), 0)
    q.offer(card("b", 1, 60), 1)
    assert q.resolve(30) is None  # b waited 29 s: no longer relevant
    assert q.current is None


def test_interruptions_do_not_interrupt_a_more_important_one() -> None:
    q = CardQueue()
    q.offer(card("policy", 0, 5, interrupts=True), 0)
    assert not q.offer(card("slow", 1, 6, interrupts=True), 1)
    assert q.current.id == "policy"
    q.resolve(2)
    assert q.current.id == "slow"


def test_same_prompt_again_refreshes_and_stale_card_gives_way() -> None:
    q = CardQueue(fade_after_s=20)
    q.offer(card("a", 0, 10), 0)
    assert q.offer(card("a", 5, 10), 5) and q.shown_at == 5
    assert not q.expire(24)
    assert q.expire(25)
    assert q.offer(card("z", 25, 99), 25)


def test_end_of_call_keeps_only_after_call_prompts() -> None:
    q = CardQueue()
    q.offer(card("a", 0, 10), 0)
    q.offer(card("b", 1, 60), 1)
    q.offer(card("follow", 2, 200, group="after_call"), 2)
    assert q.end_call(3).id == "follow"
    assert q.queued == []
    q2 = CardQueue()
    q2.offer(card("a", 0, 10), 0)
    assert q2.end_call(1) is None and q2.current is None


def test_clean_prompt_repairs_fields() -> None:
    bad = Prompt(float("nan"), "", "  Title ", None, 3, "x", None, 1)  # type: ignore[arg-type]
    good = clean_prompt(bad, now=7.0)
    assert good is not None
    assert (good.t, good.id, good.title, good.say, good.reason) == (7.0, "Title", "Title", "", "3")
    assert (good.priority, good.group, good.interrupts) == (100, "customer", True)
    assert clean_prompt(Prompt(1, "", "", "", "", 1), 0) is None
