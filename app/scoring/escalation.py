"""When a call counts as escalated: the one definition the coach, the summary and the report use.

A call escalated once one customer turn's fused frustration, or the customer's smoothed level
after a turn, reached the "high" threshold. Prompts shown are not part of the rule (a card can
fire on a steep rise that never got high), so the report can be checked against the scores.
"""

from __future__ import annotations

from collections.abc import Iterable


def turn_escalates(frustration: float, level: float, high: float) -> bool:
    """True when this customer turn (its score or the smoothed level after it) reached `high`."""
    return frustration >= high or level >= high


def call_escalated(frustrations: Iterable[float], levels: Iterable[float], high: float) -> bool:
    """The call's verdict from every customer turn's score and every smoothed level."""
    return any(turn_escalates(f, 0.0, high) for f in frustrations) or any(
        turn_escalates(0.0, lv, high) for lv in levels
    )
