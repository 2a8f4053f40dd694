"""The customer's peak frustration as the reports, the batch summary, the review window's call
list and the store show it: one rule for when there is no peak (the customer was not heard)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.report.fields import mapping, number


def customer_peak(report: Mapping[str, Any]) -> float | None:
    """The customer's peak frustration, or None when the customer was not heard: the summary
    says their side carried no speech (a dead leg, `unheard_sides`), or the transcript is there
    and holds no customer turn. A report without its transcript (privacy mode "summary") keeps
    the summary's figure."""
    summary = mapping(report.get("summary"))
    unheard = summary.get("unheard_sides")
    if isinstance(unheard, list | tuple) and "customer" in unheard:
        return None
    utterances = [u for u in report.get("utterances") or [] if isinstance(u, Mapping)]
    customer = [number(u.get("frustration")) for u in utterances if u.get("speaker") == "customer"]
    heard = [v for v in customer if v is not None]
    if utterances and not heard:
        return None
    peak = number(summary.get("max_frustration"))
    return max(heard, default=None) if peak is None else peak


def peak_text(peak: float | None) -> str:
    """A customer's peak as the reports and the review window show it."""
    return "– (no customer speech)" if peak is None else f"{peak:.2f}"
