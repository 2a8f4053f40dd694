"""Any report-shaped dict comes back from the store with exactly the keys and values it was
saved with: keys other developers add later (to the report, an utterance or a prompt), keys
present with None, nested JSON."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.store import Store

NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | FLOATS | NAMES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=8,
)
# keys the report's rows may gain (not the ones with columns of their own)
EXTRA_KEY = NAMES.filter(
    lambda k: (
        k
        not in (
            "speaker",
            "start",
            "end",
            "text",
            "tone",
            "words",
            "frustration",
            "t",
            "id",
            "title",
            "say",
            "reason",
            "shown",
            "why_not",
            "outcome",
            "outcome_t",
            "outcome_detail",
            "heard",
            "frustration_before",
            "frustration_after",
        )
    )
)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


utterances = st.fixed_dictionaries(
    {
        "speaker": st.sampled_from(["agent", "customer"]),
        "start": FLOATS,
        "end": FLOATS,
        "text": NAMES,
    },
    optional={
        "tone": _optional(FLOATS),
        "words": _optional(FLOATS),
        "frustration": _optional(FLOATS),
        "tone_baseline": st.booleans(),
    },
).flatmap(lambda row: st.dictionaries(EXTRA_KEY, JSON, max_size=2).map(lambda x: {**x, **row}))

prompts = st.fixed_dictionaries(
    {"t": FLOATS, "id": NAMES, "shown": st.booleans()},
    optional={
        "title": NAMES,
        "say": _optional(NAMES),
        "reason": NAMES,
        "why_not": NAMES,
        "outcome": st.sampled_from(["followed", "ignored", "shown", "not_shown"]),
        "outcome_t": FLOATS,
        "heard": NAMES,
        "frustration_before": _optional(FLOATS),
        "frustration_after": FLOATS,
    },
).flatmap(lambda row: st.dictionaries(EXTRA_KEY, JSON, max_size=2).map(lambda x: {**x, **row}))

REPORT_KEYS = ("call", "duration_s", "utterances", "prompts", "call_id", "notes")
reports = st.fixed_dictionaries(
    {
        "call": NAMES,
        "duration_s": FLOATS,
        "utterances": st.lists(utterances, max_size=4),
        "prompts": st.lists(prompts, max_size=4),
    },
    optional={
        "agent_channel": _optional(st.sampled_from(["left", "right"])),
        "channels": _optional(st.integers(1, 2)),
        "agent": _optional(NAMES),
        "summary": _optional(st.dictionaries(NAMES, JSON, max_size=3)),
        "metrics": JSON,
        "scorecard": _optional(st.dictionaries(NAMES, JSON, max_size=3)),
    },
).flatmap(
    lambda report: st.dictionaries(
        NAMES.filter(lambda k: k not in REPORT_KEYS and k not in report), JSON, max_size=3
    ).map(lambda extra: {**extra, **report})
)


_STORE: list[Store] = []  # one real store for every example (a new file each time is slow)


def _store() -> Store:
    if not _STORE:
        _STORE.append(Store(Path(tempfile.mkdtemp(prefix="callcoach-store-")) / "calls.sqlite3"))
    return _STORE[0]


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(report=reports)
def test_any_report_round_trips(report: dict[str, Any]) -> None:
    store = _store()
    call_id = store.save_report(report)
    loaded = store.load_report(call_id)
    assert loaded.pop("call_id") == call_id
    assert loaded.pop("notes") == []
    assert loaded == report
