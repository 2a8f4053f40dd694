"""No side of a call is lost without a word (issue 14): a file of more than two channels is read
from the two that carry the call, any other channel with sound of its own is said, and a side
on which no speech at all was found is reported rather than analysed as a silent customer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.reader import SAMPLE_RATE
from app.audio.source import CallAudio, pick_pair
from app.cli import main
from app.config import Settings
from app.review.call_list import CallQuery
from tests.test_reader import _conversation


def _write(path: Path, channels: list[np.ndarray]) -> Path:
    sf.write(path, np.stack(channels, axis=1), SAMPLE_RATE, subtype="FLOAT")
    return path


def _analyse(path: Path, out: Path) -> dict:
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    return json.loads((out / f"{path.stem}.json").read_text())


def _said(report: dict, speaker: str) -> int:
    return sum(u["speaker"] == speaker for u in report["utterances"])


def test_the_customer_on_a_third_channel_is_found(shared_data: Path, tmp_path: Path) -> None:
    """Channel 2 silent, the customer on channel 3: the first two channels alone made a call
    in which the customer never spoke, with no warning."""
    audio, agent, customer = _conversation(shared_data)
    silent = np.zeros_like(audio[0])
    path = _write(tmp_path / "three.wav", [audio[0], silent, audio[1]])
    call = CallAudio(path)
    assert call.pair == (0, 2) and call.speakers == ["agent", "customer"]
    report = _analyse(path, tmp_path / "out")
    assert _said(report, "agent") == len(agent)
    assert _said(report, "customer") == len(customer)
    assert [w["what"] for w in report["warnings"]] == ["channels chosen"]
    assert "channels 1 and 3 of 3" in report["warnings"][0]["detail"]


def test_a_channel_left_out_is_said_unless_it_copies_or_mixes_the_two(
    shared_data: Path, tmp_path: Path
) -> None:
    audio, _, _ = _conversation(shared_data)
    left, right = audio[0], audio[1]
    other = np.roll(right, 3 * SAMPLE_RATE) * 0.8  # a third voice: its own sound
    for name, third, noted in (
        ("own", other, True),
        ("mix", 0.5 * left + 0.5 * right, False),  # the usual third track: both sides mixed
        ("copy", right.copy(), False),
    ):
        call = CallAudio(_write(tmp_path / f"{name}.wav", [left, right, third]))
        assert call.pair == (0, 1)
        list(call)
        notes = [r for r in call.repairs if r.what == "channel not analysed"]
        assert bool(notes) == noted, (name, call.repairs)
        if noted:
            assert "channel 3 of 3" in notes[0].detail
            # the half-second blocks in which the third voice sounds
            half = SAMPLE_RATE // 2
            blocks = other[: other.size // half * half].reshape(-1, half)
            sounding = float((blocks.var(axis=1) >= 1e-10).sum()) * 0.5
            assert notes[0].duration_s == pytest.approx(sounding, abs=0.6)


def test_pick_pair_reads_the_first_two_channels_with_sound() -> None:
    assert pick_pair([5.0, 4.0]) == (0, 1)  # two channels: as they are, even if one is silent
    assert pick_pair([5.0, 0.0, 4.0, 3.0]) == (0, 2)
    assert pick_pair([0.0, 0.0, 4.0, 3.0]) == (2, 3)
    assert pick_pair([0.0, 0.0, 4.0, 0.0]) == (0, 1)  # fewer than two: the first two


def _assert_not_scored(report: dict, who: str) -> None:
    """Half a conversation cannot be QA-scored: the agent used to fail "talk share" (100 % of
    the speech) and pass "no long dead air" on the pauses of one side."""
    card = report["scorecard"]
    assert card["passed"] == card["failed"] == 0 and card["not_applicable"] == len(card["items"])
    assert all(f"on the {who}'s side" in item["detail"] for item in card["items"])
    metrics = report["metrics"]
    for key in ("agent_talk_share", "interruptions", "longest_silence_s", "hold_count"):
        assert metrics[key] is None, key


@pytest.mark.parametrize("dead", ["right", "left"])
def test_a_side_that_was_not_recorded_is_reported(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], dead: str
) -> None:
    """One leg of the call recorded as digital silence: the report used to show a customer (or
    an agent) who never spoke, calm and uncoached, with no warning."""
    audio, _, _ = _conversation(shared_data)
    silent = np.zeros_like(audio[0])
    sides = [audio[0], silent] if dead == "right" else [silent, audio[1]]
    report = _analyse(_write(tmp_path / "one_leg.wav", sides), tmp_path / "out")
    who, other = ("customer", "agent") if dead == "right" else ("agent", "customer")
    assert report["channels"] == 2 and _said(report, who) == 0 and _said(report, other) > 0
    (warning,) = [w for w in report["warnings"] if w["what"] == "silent channel"]
    assert f"{dead} channel ({who})" in warning["detail"]
    assert warning["how_long"] == pytest.approx(report["duration_s"], abs=0.01)
    assert warning["speaker"] == who and report["summary"]["unheard_sides"] == [who]
    _assert_not_scored(report, who)
    err = [line for line in capsys.readouterr().err.splitlines() if "one_leg.wav" in line]
    assert len(err) == 1 and "silent channel" in err[0]


def test_a_call_whose_customer_was_not_heard_shows_no_peak(
    shared_data: Path, demo_report: dict, tmp_path: Path
) -> None:
    """A dead customer leg has no peak frustration: the batch summary ranked it as the calmest
    call ("0.00"), and the review window's list and the store showed "peak 0.00", read as a
    calm customer; the call's own page already said "no customer speech". In privacy mode
    "summary" the stored report has no transcript but keeps the real peak."""
    from app.report.batch_summary import write_batch_summary
    from app.report.html import call_view, render_call_html
    from app.review.call_list import row_from_report
    from app.review.stored_calls import ReviewStore
    from app.store import Store
    from app.ui.review.calls_panel import row_text

    audio, _, _ = _conversation(shared_data)
    dead = _analyse(_write(tmp_path / "dead.wav", [audio[0], np.zeros_like(audio[0])]), tmp_path)
    assert dead["summary"]["max_frustration"] == 0.0  # the JSON contract keeps a number
    summary = write_batch_summary([dead, demo_report], tmp_path / "batch")
    rows = summary.csv.read_text().splitlines()[1:]
    assert rows[0].split(",")[1] == demo_report["call"] and float(rows[0].split(",")[5]) > 0.5
    assert rows[1].split(",")[1] == "dead.wav" and rows[1].split(",")[5] == ""
    page = summary.html.read_text()
    assert "no customer speech" in page and "not heard" in page and "not scored" in page
    assert "Audio warnings (1 call)" in page and "dead.wav: silent channel at 0:00.0" in page
    assert "no customer speech" in row_text(row_from_report(dead, "dead.json"))
    assert call_view(dead)["peak"] == "– (no customer speech)"
    own_page = render_call_html(dead)
    assert "not heard</span>" in own_page and "not scored</span>" in own_page

    store = Store(tmp_path / "calls.sqlite3")
    try:
        store.save_report(dead, sha256="a" * 64)
        store.save_report(demo_report, sha256="b" * 64)
        listed = {r.name: r for r in ReviewStore(store, Settings()).rows(CallQuery())}
        assert listed["dead.wav"].max_frustration is None
        assert "no customer speech" in row_text(listed["dead.wav"])
        peak = demo_report["summary"]["max_frustration"]
        assert listed[demo_report["call"]].max_frustration == pytest.approx(peak)
    finally:
        store.close()
    private = {**demo_report, "utterances": []}  # as the store gives back a summary-only call
    assert call_view(private)["peak"] == f"{peak:.2f}"
    assert f"peak {peak:.2f}" in row_text(row_from_report(private, "private.json"))


@pytest.mark.parametrize("channels", [1, 2])
def test_a_recording_without_any_speech_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], channels: int
) -> None:
    """A capture that recorded nothing: the mono file gave a report of a calm customer with no
    warning, and the stereo one said only "identical channels" (two silent channels are alike)."""
    silence = [np.zeros(20 * SAMPLE_RATE, np.float32)] * channels
    report = _analyse(_write(tmp_path / "nothing.wav", silence), tmp_path / "out")
    assert report["utterances"] == [] and [w["what"] for w in report["warnings"]] == ["no speech"]
    assert report["warnings"][0]["how_long"] == pytest.approx(20.0, abs=0.05)
    assert report["summary"]["unheard_sides"] == ["customer"]
    card = report["scorecard"]
    assert card["passed"] == card["failed"] == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "nothing.wav" in line]
    assert len(err) == 1 and "was the call recorded" in err[0]


def test_a_call_with_both_sides_has_no_channel_warning(shared_data: Path, tmp_path: Path) -> None:
    audio, _, _ = _conversation(shared_data)
    report = _analyse(_write(tmp_path / "both.wav", [audio[0], audio[1]]), tmp_path / "out")
    assert report["warnings"] == [] and report["summary"]["unheard_sides"] == []
    card = report["scorecard"]
    assert card["passed"] + card["failed"] > 0 and report["metrics"]["agent_talk_share"] > 0


def test_live_reports_a_side_that_carried_no_speech(shared_data: Path, tmp_path: Path) -> None:
    """The same check at the end of a live call (a loopback that captured nothing of the
    customer): the stored report says so, as `analyze` does."""
    audio, _, _ = _conversation(shared_data)
    path = _write(tmp_path / "live_leg.wav", [audio[0], np.zeros_like(audio[0])])
    out = tmp_path / "out"
    args = ["live", "--simulate", str(path), "--speed", "20", "--lossless", "--headless"]
    assert main([*args, "--out", str(out)]) == 0
    report = json.loads((out / "live_leg.json").read_text())
    assert [w["what"] for w in report["warnings"]] == ["silent channel"]
    assert "right channel (customer)" in report["warnings"][0]["detail"]
    _assert_not_scored(report, "customer")


def test_live_tells_the_agent_during_the_call_that_a_side_is_not_captured(
    shared_data: Path, tmp_path: Path
) -> None:
    """A dead leg is also said while the call runs, once the other side has talked 20 s: the
    agent learns now that no card can come, not from the report afterwards."""
    from app.audio.dead_side import SPOKEN_S

    audio, _, _ = _conversation(shared_data)
    # the agent talks on (their four turns, three times over); the customer's side is zeros
    agent = np.concatenate([audio[0]] * 3)
    path = _write(tmp_path / "dead_leg.wav", [agent, np.zeros_like(agent)])
    events, out = tmp_path / "events.jsonl", tmp_path / "out"
    args = ["live", "--simulate", str(path), "--speed", "20", "--lossless", "--headless"]
    assert main([*args, "--events", str(events), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in events.read_text().splitlines()]
    told = [r for r in rows if r["type"] == "status" and "customer's side" in r["message"]]
    ended = next(i for i, r in enumerate(rows) if r["type"] == "call_ended")
    assert len(told) == 1 and rows.index(told[0]) < ended, "once, while the call runs"
    # when the agent's captured blocks (audio.block_s) over -60 dBFS add up to 20 s, not before
    step = round(Settings().audio.block_s * SAMPLE_RATE)
    blocks = agent[: agent.size // step * step].reshape(-1, step)
    talking = np.cumsum(blocks.var(axis=1) >= 1e-6) * step / SAMPLE_RATE
    due = (int(np.argmax(talking >= SPOKEN_S)) + 1) * step / SAMPLE_RATE
    assert told[0]["message"].startswith("nothing at all heard from the customer's side")
    assert due - 0.2 <= told[0]["t"] <= due + 0.5, (told[0]["t"], due)


def test_a_quiet_listener_is_not_a_dead_side() -> None:
    """A customer who made any sound at all is never called not captured, however long the
    agent then talks; the agent's muted microphone is said the other way round."""
    from app.audio.dead_side import DeadSideWatch

    watch = DeadSideWatch(["agent", "customer"])
    talk = np.full((1, SAMPLE_RATE), 0.05, np.float32) * np.sin(np.arange(SAMPLE_RATE) / 3)
    hiss = np.random.default_rng(0).standard_normal((1, SAMPLE_RATE)).astype(np.float32) * 1e-4
    assert watch.push(np.concatenate([talk, hiss])) == []
    assert all(watch.push(np.concatenate([talk, np.zeros_like(talk)])) == [] for _ in range(60))
    muted = DeadSideWatch(["agent", "customer"])
    said = [m for _ in range(30) for m in muted.push(np.concatenate([np.zeros_like(talk), talk]))]
    assert len(said) == 1 and "your microphone" in said[0]


def test_the_review_waveform_shows_the_channels_the_call_is_read_from(
    shared_data: Path, tmp_path: Path
) -> None:
    from app.review.peaks import compute_peaks

    audio, _, _ = _conversation(shared_data)
    path = _write(tmp_path / "three.wav", [audio[0], np.zeros_like(audio[0]), audio[1]])
    peaks = compute_peaks(path)
    assert peaks.hi.shape[0] == 2
    assert float(peaks.hi[1].max()) == pytest.approx(float(audio[1].max()), rel=0.05)
