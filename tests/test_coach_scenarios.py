"""The coach on scripted two-sided calls: one named behaviour per scenario.

The scenarios live in tests/coach/scenarios.toml (text, timings, scores and tone; no audio);
each asserts specific prompts: which cards are shown and in what order, which stay quiet, why a
prompt was kept off screen, outcomes with the words heard, and the name in suggested lines. The
coach runs at the production thresholds (the words model's dev thresholds).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.coach.script import ScriptedCall

SCENARIOS = tomllib.loads((Path(__file__).parent / "coach" / "scenarios.toml").read_text())[
    "scenario"
]


def test_there_are_at_least_sixty_named_scenarios() -> None:
    names = [s["name"] for s in SCENARIOS]
    assert len(names) >= 60
    assert len(set(names)) == len(names)
    for s in SCENARIOS:  # every scenario asserts something specific
        assert s.get("expect"), s["name"]


def test_every_playbook_prompt_is_shown_by_one_scenario_and_kept_quiet_by_another() -> None:
    from app.coaching.playbook import load_playbook

    fires: set[str] = set()
    quiet: set[str] = set()
    everything = {p.id for p in load_playbook().prompts}
    for s in SCENARIOS:
        e = s["expect"]
        fires |= set(e.get("shown", [])) | set(e.get("shown_includes", []))
        fires |= set(e.get("outcome", {}))
        quiet |= set(e.get("quiet", []))
        if "shown" in e:
            quiet |= everything - set(e["shown"])
    assert everything <= fires, everything - fires
    assert everything <= quiet, everything - quiet


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any]) -> None:
    call = ScriptedCall()
    call.run(scenario["lines"])
    call.end()
    check(call, scenario["expect"])


def check(call: ScriptedCall, expect: dict[str, Any]) -> None:
    shown = call.shown_ids
    story = describe(call)
    if "shown" in expect:
        assert shown == expect["shown"], story
    for pid in expect.get("shown_includes", []):
        assert pid in shown, story
    for pid in expect.get("quiet", []):
        assert pid not in call.raised_ids, story
    for pid, n in expect.get("count", {}).items():
        assert shown.count(pid) == n, story
    if "order" in expect:
        seen = [pid for pid in shown if pid in expect["order"]]
        assert seen[: len(expect["order"])] == expect["order"], story
    for pid, why in expect.get("not_shown", {}).items():
        dropped = [p for p in call.prompts if p.id == pid and not p.shown]
        assert dropped and why in dropped[0].why_not, story
        assert pid not in shown, story
    for pid, outcome in expect.get("outcome", {}).items():
        o = call.outcome(pid)
        assert o is not None and o.outcome == outcome, story
        assert o.frustration_after is not None, story
        assert o.outcome in ("dismissed", "done") or o.frustration_before is not None, story
    for pid, words in expect.get("heard", {}).items():
        o = call.outcome(pid)
        assert o is not None and words in o.heard.lower(), story
    for pid, when in expect.get("first_at_or_after", {}).items():
        first = next(p for p in call.shown if p.id == pid)
        assert first.t >= when and first.t >= first.source_t, story
    for pid, words in expect.get("say", {}).items():
        first = next(p for p in call.shown if p.id == pid)
        assert words in first.say, story
    for pid, words in expect.get("say_not", {}).items():
        first = next(p for p in call.shown if p.id == pid)
        assert words not in first.say, story
    for pid, words in expect.get("reason", {}).items():
        first = next(p for p in call.shown if p.id == pid)
        assert words in first.reason, story
    for pid, why in expect.get("cleared", {}).items():
        assert any(c.id == pid and c.why == why for c in call.cleared), story
    if expect.get("outcomes_before_end"):
        from app.events import PromptOutcome

        judged = [e for e in call.events if isinstance(e, PromptOutcome)]
        assert judged and all(o.t <= call.t for o in judged), story
    # always: no card before what triggered it, no two contradicting cards raised together,
    # and no reason that quotes a calm score as upset
    for p in call.shown:
        assert p.t >= p.source_t, story
    raised_at: dict[float, set[str]] = {}
    for p in call.prompts:
        raised_at.setdefault(p.source_t, set()).add(p.id)
    for ids in raised_at.values():
        for pair in CONTRADICTIONS:
            assert not pair <= ids, story
    for p in call.prompts:
        if p.id in ("acknowledge_anger", "empathize", "owner_question"):
            assert "frustration 0.0" not in p.reason and "frustration 0.1" not in p.reason, story


CONTRADICTIONS = [  # cards that cannot both be right about the same moment
    {"acknowledge_anger", "owner_question"},  # the question comes after an acknowledgement
    {"acknowledge_anger", "offer_something_extra"},  # angry now vs calmed down
    {"empathize", "offer_something_extra"},
    {"no_upsell_unresolved", "offer_something_extra"},
    {"acknowledge_anger", "empathize"},  # the acknowledgement card already asks for empathy
]


def describe(call: ScriptedCall) -> str:
    from app.events import CardCleared, Prompt, PromptOutcome

    lines = []
    for e in call.events:
        if isinstance(e, Prompt):
            state = "SHOWN" if e.shown else f"not shown ({e.why_not})"
            lines.append(f"{e.t:6.1f} {e.id} {state}: {e.say!r} | {e.reason}")
        elif isinstance(e, PromptOutcome):
            lines.append(f"{e.t:6.1f}   {e.id} -> {e.outcome}: {e.detail} | heard {e.heard!r}")
        elif isinstance(e, CardCleared):
            lines.append(f"{e.t:6.1f}   cleared {e.id}: {e.why}")
    return "\n" + "\n".join(lines)
