"""Which of a call's cards are follow-up reminders for after the call (the playbook's
"after_call" group), so the review window can flag them apart from the live cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.errors import CallcoachError


def after_call_ids() -> set[str]:
    """The ids of the playbook's after-call cards (the shipped one's when it cannot load)."""
    try:
        from app.coaching.playbook import load_playbook

        return {p.id for p in load_playbook().prompts if p.group == "after_call"}
    except CallcoachError:
        return {"follow_up_call"}


def follow_up_indexes(prompts: Sequence[Mapping[str, Any]], after_call: set[str]) -> set[int]:
    """The indexes of `prompts` that are after-call reminders."""
    return {i for i, p in enumerate(prompts) if str(p.get("id")) in after_call}
