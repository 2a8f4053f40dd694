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


# ---------------------------------------------------------------- the printed demo, in order
import contextlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

RESOLVED_SCRIPT = json.loads((ASSETS_DIR / "demo_call_resolved.json").read_text())
UTTERANCE_LINE = re.compile(r"^\s+(\d+\.\d)s (agent|customer)")
PROMPT_LINE = re.compile(r"^\s+>>>\s+(\d+\.\d)s\s+(.*)$")


def run_demo(out: Path, *extra: str) -> tuple[str, dict]:
    from app.cli import main

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(out), "--no-overlay", *extra]) == 0
    reports = list(out.glob("*.json"))
    assert len(reports) == 1, reports
    return printed.getvalue(), json.loads(reports[0].read_text())


@pytest.fixture(scope="module")
def printed_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    return run_demo(tmp_path_factory.mktemp("printed"))


@pytest.fixture(scope="module")
def resolved_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    return run_demo(tmp_path_factory.mktemp("resolved"), "--call", "resolved")


def printed_events(text: str) -> list[tuple[str, float, str]]:
    """("utterance", start, speaker) and ("prompt", t, title) in printed order."""
    events: list[tuple[str, float, str]] = []
    for line in text.splitlines():
        if m := PROMPT_LINE.match(line):
            events.append(("prompt", float(m.group(1)), m.group(2)))
        elif m := UTTERANCE_LINE.match(line):
            events.append(("utterance", float(m.group(1)), m.group(2)))
    return events


def check_print_order(text: str, report: dict) -> None:
    events = printed_events(text)
    assert len([e for e in events if e[0] == "utterance"]) == len(report["utterances"])
    shown = [p for p in report["prompts"] if p["shown"]]  # the demo prints what the agent sees
    assert len([e for e in events if e[0] == "prompt"]) == len(shown)
    times = [t for _, t, _ in events]
    assert times == sorted(times), events  # call-time order, as the times printed say
    for p in shown:
        where = next(
            i
            for i, e in enumerate(events)
            if e[0] == "prompt" and abs(e[1] - p["t"]) < 0.06 and e[2] == e[2].upper()
        )
        before = [t for kind, t, _ in events[:where] if kind == "utterance"]
        # every utterance that had ended when the card appeared (its trigger among them) is
        # printed before the card; none that started after it (printed times have 1 decimal)
        for u in report["utterances"]:
            if u["end"] <= p["t"]:
                assert any(abs(t - u["start"]) <= 0.06 for t in before), (p, u)
        after = [t for kind, t, _ in events[where:] if kind == "utterance"]
        assert all(t >= p["t"] - 0.06 for t in after), (p, after)


def test_demo_prints_prompts_after_the_utterances_before_them(
    printed_demo: tuple[str, dict],
) -> None:
    text, report = printed_demo
    check_print_order(text, report)
    titles = [title for kind, _, title in printed_events(text) if kind == "prompt"]
    assert "SAY WHAT YOU CAN DO" in titles  # the playbook's "*can*" without its asterisks
    assert not any("*" in title for title in titles)


# ---------------------------------------------------------------- the second demo: resolved
def test_resolved_demo_audio_is_small_stereo_and_scripted() -> None:
    import soundfile as sf

    path = ASSETS_DIR / "demo_call_resolved.ogg"
    assert path.stat().st_size < 1024 * 1024
    info = sf.info(path)
    assert info.channels == 2 and info.samplerate == 16_000
    assert abs(info.duration - RESOLVED_SCRIPT["duration_s"]) < 0.05
    assert 60 <= RESOLVED_SCRIPT["duration_s"] <= 120
    assert RESOLVED_SCRIPT["channels"] == {"left": "agent", "right": "customer"}
    assert RESOLVED_SCRIPT["hold"] is None  # handled without putting the customer on hold


def test_resolved_demo_escalates_then_calms_down(resolved_demo: tuple[str, dict]) -> None:
    _, report = resolved_demo
    customer = [u for u in report["utterances"] if u["speaker"] == "customer"]
    peak = max(range(len(customer)), key=lambda i: customer[i]["frustration"])
    # over "high": the words carry it (how far over depends on what the speech model hears in
    # the angry line; 0.64 with tone model v5, whose views both hear espeak-ng's raised voice
    # as only a little tense, 0.75 before)
    assert customer[peak]["frustration"] >= report["thresholds"]["high"]
    assert report["summary"]["escalated"] is True
    opening = [u["frustration"] for u in customer if u["end"] < 24]
    assert opening and max(opening) < 0.35  # a calm start
    last = customer[-3:]
    assert peak < len(customer) - 3
    assert all(u["frustration"] < 0.35 for u in last), last  # and a calm end


def test_resolved_demo_cards_are_the_ones_a_trainer_expects(
    resolved_demo: tuple[str, dict],
) -> None:
    text, report = resolved_demo
    ids = [p["id"] for p in report["prompts"]]
    # the first upset line is upset on the words only (espeak-ng's flat voice): "show you
    # understand" may answer it at once, and "acknowledge their anger" comes with the second
    # upset line (a calm-voiced line under words_alone waits for one, app/scoring/escalation.py)
    assert ids[0] in ("acknowledge_anger", "empathize"), ids
    assert ids[ids[0] == "empathize"] == "acknowledge_anger", ids
    first_upset = RESOLVED_SCRIPT["turns"][RESOLVED_SCRIPT["first_angry_customer_turn"] - 1]
    assert first_upset["mood"] == "annoyed"
    ack = next(p for p in report["prompts"] if p["id"] == "acknowledge_anger")
    assert first_upset["end"] <= ack["t"] <= first_upset["end"] + 10
    # the situations of the script: a "how long", the fix agreed once calm, an escalated call.
    # The rejected offer comes after one high line only, not sustained high frustration, so
    # the owner question is the agent's own move here, not a card.
    assert {"offer_timeline", "offer_something_extra", "follow_up_call"} <= set(ids)
    # the agent never sells, never hides behind policy, never raises their voice
    assert not {"no_upsell_unresolved", "avoid_policy_language", "slow_down"} & set(ids)
    check_print_order(text, report)
