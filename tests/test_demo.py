"""The bundled demo call through the whole pipeline, as `callcoach demo` runs it."""

from __future__ import annotations

import json

from app.paths import ASSETS_DIR

SCRIPT = json.loads((ASSETS_DIR / "demo_call.json").read_text())


def first_angry_turn() -> dict:
    return SCRIPT["turns"][SCRIPT["first_angry_customer_turn"]]


def test_demo_audio_is_small_and_stereo() -> None:
    path = ASSETS_DIR / "demo_call.ogg"
    assert path.stat().st_size < 2 * 1024 * 1024
    assert 60 <= SCRIPT["duration_s"] <= 120


def test_acknowledge_anger_after_the_first_angry_utterance_and_not_before(
    demo_report: dict,
) -> None:
    angry = first_angry_turn()
    acks = [p for p in demo_report["prompts"] if p["id"] == "acknowledge_anger"]
    assert acks, demo_report["prompts"]
    assert acks[0]["t"] >= angry["end"]
    # and it comes with that escalation, not much later
    assert acks[0]["t"] <= angry["end"] + 15


def test_demo_shows_several_different_prompts(demo_report: dict) -> None:
    ids = {p["id"] for p in demo_report["prompts"]}
    assert {"acknowledge_anger", "avoid_policy_language", "follow_up_call"} <= ids
    assert len(ids) >= 5, ids
    assert demo_report["summary"]["escalated"] is True


def test_no_prompt_before_the_customer_gets_upset(demo_report: dict) -> None:
    calm_until = SCRIPT["turns"][SCRIPT["first_angry_customer_turn"] - 1]["start"]
    early = [p for p in demo_report["prompts"] if p["t"] < calm_until]
    assert all(p["id"] == "acknowledge_loyalty" for p in early), early


def test_customer_frustration_rises_then_falls(demo_report: dict) -> None:
    customer = [u for u in demo_report["utterances"] if u["speaker"] == "customer"]
    opening = [u["frustration"] for u in customer if u["end"] < 25]
    angry = [u["frustration"] for u in customer if 37 < u["start"] < 62]
    closing = [u["frustration"] for u in customer if u["start"] > 105]
    assert opening and angry and closing
    assert max(opening) < 0.45
    assert max(angry) > 0.65
    assert max(closing) < max(angry)


CLOCK_DRIVEN = ("update_on_progress", "follow_up_call")  # a silence, the call's end


def test_each_prompt_comes_after_its_own_trigger_and_not_long_after(demo_report: dict) -> None:
    """Each prompt against the utterance (or clock moment) that triggered it, `source_t`: an
    utterance-triggered card appears after that utterance ended and was processed, and a
    queued card no later than the coach's queue allows (20 s)."""
    ends = {round(u["end"], 2) for u in demo_report["utterances"]}
    assert demo_report["prompts"]
    for p in demo_report["prompts"]:
        assert p["t"] >= p["source_t"], p
        if p["id"] not in CLOCK_DRIVEN:
            assert p["source_t"] in ends, p  # triggered by a real utterance's end
        if p["shown"]:
            assert p["t"] - p["source_t"] <= 20.5, p
        else:
            assert p["why_not"], p


def test_report_prompts_say_whether_they_were_shown_and_outcomes_have_evidence(
    demo_report: dict,
) -> None:
    prompts = demo_report["prompts"]
    shown = [p for p in prompts if p["shown"]]
    assert {p["id"] for p in shown} >= {"acknowledge_anger", "avoid_policy_language"}
    counts = demo_report["summary"]["prompt_counts"]
    assert sum(counts.values()) == len(shown)
    for p in shown:
        if p["id"] == "follow_up_call":
            continue
        assert p["outcome"] in ("followed", "ignored", "superseded"), p
        assert p["outcome_t"] <= demo_report["duration_s"], p  # never after the call's end
        assert "frustration_before" in p and "frustration_after" in p, p
