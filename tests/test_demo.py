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


def test_prompt_times_never_precede_their_trigger(demo_report: dict) -> None:
    ends = sorted(u["end"] for u in demo_report["utterances"])
    for p in demo_report["prompts"]:
        if p["id"] in ("update_on_progress", "follow_up_call"):
            continue  # clock-driven
        assert any(e <= p["t"] for e in ends)
