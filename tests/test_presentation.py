"""The one-card-at-a-time rule, in the coaching core (pure logic, call time only)."""

from __future__ import annotations

from app.coaching.presentation import CardPolicy
from app.events import CardCleared, Prompt


def card(pid: str, t: float, priority: int, interrupts: bool = False, group: str = "customer"):  # type: ignore[no-untyped-def]
    return Prompt(t, pid, pid.title(), "", "", priority, group, interrupts, source_t=t)


def shown(decisions: list) -> list[str]:  # type: ignore[type-arg]
    return [d.id for d in decisions if isinstance(d, Prompt) and d.shown]


def dropped(decisions: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {d.id: d.why_not for d in decisions if isinstance(d, Prompt) and not d.shown}


def test_more_important_card_replaces_and_the_replaced_one_is_superseded() -> None:
    q = CardPolicy()
    assert shown(q.offer(card("timeline", 10, 60), 10)) == ["timeline"]
    assert shown(q.offer(card("ack", 11, 10), 11)) == ["ack"]
    assert [(s.id, s.by) for s in q.superseded] == [("timeline", "ack")]


def test_less_important_card_waits_and_shows_when_the_card_goes() -> None:
    q = CardPolicy()
    q.offer(card("ack", 0, 10), 0)
    assert q.offer(card("loyalty", 1, 80), 1) == []  # no decision yet: it waits
    out = q.clear("ack", 5, "followed")
    assert isinstance(out[0], CardCleared) and out[0].why == "followed"
    assert shown(out) == ["loyalty"] and out[1].t == 5 and out[1].source_t == 1


def test_a_waiting_card_expires_with_a_reason() -> None:
    q = CardPolicy(show_for_s=60, max_wait_s=20)
    q.offer(card("ack", 0, 10), 0)
    q.offer(card("loyalty", 1, 80), 1)
    assert dropped(q.advance(22)) == {"loyalty": "expired after waiting 20 s behind ack"}


def test_card_expires_after_its_time_and_the_next_one_shows() -> None:
    q = CardPolicy(show_for_s=20, max_wait_s=30)
    q.offer(card("ack", 0, 10), 0)
    q.offer(card("loyalty", 2, 80), 2)
    out = q.advance(21)
    assert out[0] == CardCleared(20, "ack", "expired after 20 s")
    assert shown(out) == ["loyalty"]


def test_interruptions_replace_any_card_but_not_a_more_important_interruption() -> None:
    q = CardPolicy()
    q.offer(card("ack", 0, 10), 0)
    assert shown(q.offer(card("policy", 1, 5, interrupts=True), 1)) == ["policy"]
    assert q.offer(card("slow", 2, 6, interrupts=True), 2) == []  # waits behind policy
    assert shown(q.clear("policy", 3, "followed")) == ["slow"]


def test_queue_is_short_and_best_first() -> None:
    q = CardPolicy(max_queued=2)
    q.offer(card("a", 0, 10), 0)
    q.offer(card("b", 1, 50), 1)
    q.offer(card("d", 2, 70), 2)
    out = q.offer(card("c", 3, 90), 3)
    assert dropped(out) == {"c": "queue full: b, d more important"}
    assert shown(q.clear("a", 4, "followed")) == ["b"]


def test_end_of_call_drops_the_card_and_the_queue_then_after_call_cards_show() -> None:
    q = CardPolicy()
    q.offer(card("a", 0, 10), 0)
    q.offer(card("b", 1, 60), 1)
    out = q.end_call(3)
    assert out[0] == CardCleared(3, "a", "the call ended")
    assert dropped(out) == {"b": "the call ended before it could show"}
    assert shown(q.offer(card("follow", 3, 200, group="after_call"), 3)) == ["follow"]


def test_a_card_the_agent_already_did_leaves_the_queue() -> None:
    q = CardPolicy()
    q.offer(card("a", 0, 10), 0)
    q.offer(card("timeline", 1, 60), 1)
    assert dropped(q.clear("timeline", 2, "the agent already did it")) == {
        "timeline": "the agent already did it"
    }
    assert q.current is not None and q.current.id == "a"
