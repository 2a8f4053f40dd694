"""A fast, deterministic subset of the call bench (benchmarks/call_bench.py) on real audio.

Three of the bench's own calls (same builder and seeds: RAVDESS clips for the customer's voice,
espeak-ng for the scripted lines) are written as files under each of the bench's conditions —
full band, 8 kHz telephone band, G.711 µ-law, −45 dBFS, clipped 6 dB over full scale, noise at
10 dB SNR, the agent's echo at −20 dB in the customer channel — and cut into utterances by the
real front end (reader, resampler, Silero VAD and the loud-voice detector, echo gate, utterance
cutter); a fourth call with four screamed turns of RAVDESS actor 18 runs at telephone band and
µ-law. Every turn of both speakers must be found (at least 80 % of its speech inside utterances
of its speaker, the bench's rule) and no customer utterance may fall outside the customer's
turns (echo and noise make none).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.scoring.fusion import load_fusion
from benchmarks.asr_eval.wer import normalise_for_wer
from benchmarks.bench_calls import (
    CONDITIONS,
    DEFAULT_SEED,
    SPEECH_FRAME,
    TYPES,
    apply_condition,
    build_bench,
    build_call,
    call_seed,
    frame_power,
    room_noise_power,
    shared_calls,
    speech_intervals,
    statement_clip,
)
from benchmarks.call_bench import (
    ConditionFigures,
    TurnMatch,
    heard_text,
    match_turns,
    score_call,
    speech_coverage,
)
from benchmarks.frontend_conditions import front_end_spans

SEED = DEFAULT_SEED  # these are the bench's own calls
# (name, kind, call number in the bench, RAVDESS actor override, conditions)
CASES = (
    # loud, strongly angry RAVDESS turns (the turns the telephone band used to lose)
    ("voice_only_0", "voice_only", 0, None, CONDITIONS),
    # a loud happy voice with espeak-ng lines, a control call
    ("happy_0", "happy", 0, None, CONDITIONS),
    # actor 18: each angry turn is a scream (F0 about 500 Hz) and a loud espeak-ng line; Silero
    # alone heard none of the screams at telephone band or µ-law, so the old 50 % rule still
    # counted these turns as found while their screamed half was lost
    ("both_1", "both", 1, None, CONDITIONS),
    # four screamed turns of actor 18 in a row, at telephone band and µ-law only
    ("voice_only_a18", "voice_only", 0, 18, ("tel8k", "ulaw")),
)


def needs_espeak() -> None:
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is needed to build the bench's calls: apt-get install -y espeak-ng")


def write_call(
    stereo: np.ndarray, turns: list[dict[str, object]], seed: int, condition: str, path: Path
) -> Path:
    """One bench call under one of its conditions, written where the bench writes it."""
    audio, rate, subtype = apply_condition(stereo, condition, seed, turns)
    sf.write(path, audio, rate, subtype=subtype)
    return path


def bench_call(
    set_seed: int, kind: str, n: int, condition: str, tmp_path: Path
) -> tuple[Path, list[dict[str, object]]]:
    """The bench call `<kind>_<n>` of the set drawn from `set_seed`, written under one condition
    into `tmp_path`: (its file, its reference turns)."""
    needs_espeak()
    seed = call_seed(set_seed, TYPES.index(kind), n)
    (tmp_path / "espeak").mkdir(exist_ok=True)
    stereo, turns = build_call(kind, seed, tmp_path / "espeak")
    path = write_call(stereo, turns, seed, condition, tmp_path / f"{kind}_{n}_{condition}.wav")
    return path, turns


def front_end_match(path: Path, turns: list[dict[str, object]]) -> tuple[TurnMatch, list[dict]]:
    """The call's turns matched against the utterances the real front end cuts from `path`."""
    spans = front_end_spans(path, "left")
    utterances = [
        {"speaker": who, "start": s, "end": e} for who, cuts in spans.items() for s, e in cuts
    ]
    return match_turns(turns, utterances), utterances


def lost_turns(match: TurnMatch, utterances: list[dict]) -> list[str]:
    """One line per lost turn: who, when, and how much of its speech was found."""
    return [
        f"{t['speaker']} turn {t['start']:.1f}-{t['end']:.1f} s: "
        f"{100 * speech_coverage(t, utterances):.0f} % of its speech found"
        for t in match.lost
    ]


@pytest.fixture(scope="module")
def bench_calls(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    needs_espeak()
    work = tmp_path_factory.mktemp("espeak")
    calls = {}
    for name, kind, n, actor, _ in CASES:
        seed = call_seed(SEED, TYPES.index(kind), n)  # the bench's call `<kind>_<n>`
        calls[name] = (seed, *build_call(kind, seed, work, actor))
    return calls


@pytest.mark.parametrize(
    ("name", "condition"),
    [(case[0], condition) for case in CASES for condition in case[4]],
)
def test_every_turn_found_under_each_bench_condition(
    bench_calls: dict, tmp_path: Path, name: str, condition: str
) -> None:
    seed, stereo, turns = bench_calls[name]
    path = write_call(stereo, turns, seed, condition, tmp_path / f"{name}_{condition}.wav")
    match, utterances = front_end_match(path, turns)
    assert len(turns) == 15  # 8 agent turns, 7 customer turns
    assert not match.lost, lost_turns(match, utterances)
    assert not match.spurious, [
        f"customer utterance at {u['start']:.1f} s is no turn" for u in match.spurious
    ]


@pytest.fixture(scope="module")
def pleased_call(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """The bench's control call happy_1: a pleased customer whose loud happy RAVDESS clip with
    "You have made my day, honestly" fired acknowledge_anger at 8 kHz, µ-law and -45 dBFS."""
    needs_espeak()
    seed = call_seed(SEED, TYPES.index("happy"), 1)
    return (seed, *build_call("happy", seed, tmp_path_factory.mktemp("espeak_happy")))


def analyse(path: Path, out: Path) -> dict:
    """`callcoach analyze` on one file: its JSON report."""
    import json

    from app.cli import main

    assert main(["analyze", str(path), "--out", str(out)]) == 0
    return json.loads((out / f"{path.stem}.json").read_text())


@pytest.mark.parametrize("condition", ["ulaw"])
def test_a_pleased_customer_on_a_phone_line_gets_no_anger_card(
    pleased_call: tuple, tmp_path: Path, condition: str
) -> None:
    """The whole pipeline (`callcoach analyze`) on the bench's happy_1 over a telephone line: the
    loud pleased turn is scored tense by the voice; pleased words read it as excitement, and a
    voice-only high turn would need a second upset turn, which never comes
    (app/scoring/fusion.py, app/scoring/escalation.py). At µ-law the voice alone still fuses it
    over "high" (0.74 with the v5 tone model); at 8 kHz it no longer does (0.60; over 0.63
    before), so that condition no longer tests the case."""
    seed, stereo, turns = pleased_call
    path = write_call(stereo, turns, seed, condition, tmp_path / f"happy_1_{condition}.wav")
    report = analyse(path, tmp_path / "out")
    customer = [u for u in report["utterances"] if u["speaker"] == "customer"]
    # the case this guards: the voice alone would fuse some turn over "high"
    fusion = load_fusion()
    assert max(fusion(u["tone"], u["words"]) for u in customer) >= report["thresholds"]["high"]
    ids = {p["id"] for p in report["prompts"]}
    assert not {"acknowledge_anger", "owner_question", "follow_up_call"} & ids, ids
    assert report["summary"]["escalated"] is False


@pytest.mark.parametrize("condition", ["full", "clipped"])
def test_pleased_words_read_a_loud_happy_turn_as_excitement(
    shared_data: Path, tmp_path: Path, condition: str
) -> None:
    """The bench's happy_2: a loud happy RAVDESS clip with "Brilliant, you have made my day,
    honestly" fused 0.85 at full band and 0.71 at 8 kHz on the voice alone (tone 0.65 / 0.48,
    under voice_alone; with the tone model's excitement damping still over "elevated"; with the
    v5 tone model 0.37 at full band, 0.36 clipped, 0.31 at 8 kHz: under "elevated" there, so
    8 kHz no longer tests the case). Its words are clearly pleased (`pleased` in the JSON), so
    the fusion reads the voice as excitement: the turn stays under "elevated" and no anger card
    fires."""
    path, _ = bench_call(SEED, "happy", 2, condition, tmp_path)
    report = analyse(path, tmp_path / "out")
    fusion = load_fusion()
    assert fusion.pleased is not None
    customer = [u for u in report["utterances"] if u["speaker"] == "customer"]
    loud = max(customer, key=lambda u: fusion(u["tone"], u["words"]))
    # the case this guards: the voice alone would make this turn upset (before the excitement
    # damping in the tone model, over "high": 0.85 at full band, 0.71 at 8 kHz)
    assert fusion(loud["tone"], loud["words"]) >= report["thresholds"]["elevated"], loud
    assert loud["pleased"] >= fusion.pleased, loud
    assert loud["frustration"] < report["thresholds"]["elevated"], loud
    assert report["thresholds"]["pleased"] == fusion.pleased
    ids = {p["id"] for p in report["prompts"]}
    assert not {"acknowledge_anger", "owner_question", "follow_up_call"} & ids, ids


FRESH_SEED = 20461202  # the bench set first run in stop 24


@pytest.mark.parametrize("condition", ["tel8k", "ulaw"])
def test_a_turn_that_opens_with_one_screamed_word_is_found_whole(
    shared_data: Path, tmp_path: Path, condition: str
) -> None:
    """The fresh set's both_3: an angry turn opens with a screamed "Dogs", 0.54 s of silence and
    the rest, which Silero scores under 0.35 at 8 kHz. The first word alone was too short to be
    an utterance and was dropped, so the turn began 0.7 s late (72 % of its speech found); the
    segmenter now holds such a stretch until the turn goes on."""
    path, turns = bench_call(FRESH_SEED, "both", 3, condition, tmp_path)
    match, utterances = front_end_match(path, turns)
    assert not match.lost, lost_turns(match, utterances)


def test_a_held_out_seed_shares_no_call_with_the_default_set() -> None:
    # call n of a type is drawn from seed + n: the next seed re-draws all but one call per type
    assert shared_calls(DEFAULT_SEED + 1, per_type=4) == 3 * len(TYPES)
    assert shared_calls(DEFAULT_SEED, per_type=4) == 4 * len(TYPES)
    assert shared_calls(20361202, per_type=4) == 0


def test_a_subset_of_types_draws_the_calls_of_the_whole_bench(tmp_path: Path) -> None:
    """`call_bench --types happy` must analyse the bench's own happy calls: the call seed
    follows the type's place in TYPES, not its place in the subset."""
    needs_espeak()
    manifest = build_bench(tmp_path, per_type=1, conditions=("full",), types=("happy",))
    call = manifest["calls"]["happy_0"]  # type: ignore[index]
    assert call["seed"] == call_seed(DEFAULT_SEED, TYPES.index("happy"), 0)
    (tmp_path / "espeak").mkdir()
    _, turns = build_call("happy", call["seed"], tmp_path / "espeak")
    assert [t["text"] for t in turns] == [t["text"] for t in call["turns"]]


HELD_OUT_SEED = 20361202  # the held-out bench set (stop 23)


@pytest.mark.parametrize("condition", ["tel8k"])
def test_a_quiet_talker_who_then_shouts_gets_the_anger_card(
    shared_data: Path, tmp_path: Path, condition: str
) -> None:
    """The held-out set's voice_only_3: RAVDESS actor 5 talks calmly 35-40 dB under their shouts.
    The tone's Whisper view, trained on whole RAVDESS files (about half silence), read the four
    shouts as the front end cuts them 0.11-0.42 against the calm reference: no card in any
    condition. Trained on clips cut the same way (tone model v5), it reads each shout as anger
    and the card follows the first one."""
    path, turns = bench_call(HELD_OUT_SEED, "voice_only", 3, condition, tmp_path)
    report = analyse(path, tmp_path / "out")
    first_angry = min(
        float(t["first_part_end"])  # type: ignore[arg-type]
        for t in turns
        if t["speaker"] == "customer" and t["kind"] == "angry"
    )
    cards = [p["t"] for p in report["prompts"] if p["id"] == "acknowledge_anger"]
    assert cards and min(cards) >= first_angry, (cards, first_angry)
    # on time: before the second angry turn begins
    second = sorted(
        float(t["start"])  # type: ignore[arg-type]
        for t in turns
        if t["speaker"] == "customer" and t["kind"] == "angry"
    )[1]
    assert min(cards) < second, (cards, second)


@pytest.mark.parametrize("condition", ["tel8k"])
def test_a_calm_customer_stating_their_problem_gets_no_anger_card(
    shared_data: Path, tmp_path: Path, condition: str
) -> None:
    """The bench's control call service_2: a calm customer says "I'm moving next month, so I
    need to stop the service at this address", which the ASR hears at telephone band as "... stop
    my service at this unmet" and the words model reads as upset (0.79, over "high", in a calm
    voice). One calm-voiced line under `words_alone` is no escalation: it waits for a second upset
    turn, which never comes (app/scoring/escalation.py). (Until stop 31 this was service_1, whose
    "I'd like to cancel my subscription, please" the stop-30 words model read at 0.63 and the
    stop-31 one at 0.45: no longer a case for the rule. Before the rule, "acknowledge their
    anger" fired at 9.8 s there and "call back in 1-2 days" at the end.)"""
    path, turns = bench_call(SEED, "service", 2, condition, tmp_path)
    report = analyse(path, tmp_path / "out")
    th = report["thresholds"]
    assert 0 < th["high"] < th["words_alone"] < 1
    customer = [u for u in report["utterances"] if u["speaker"] == "customer"]
    # the case this guards: a turn high on its words alone, in a calm voice
    assert any(
        u["frustration"] >= th["high"]
        and u["tone"] < th["elevated"]
        and u["words"] < th["words_alone"]
        for u in customer
    ), [(u["frustration"], u["tone"], u["words"]) for u in customer]
    ids = {p["id"] for p in report["prompts"]}
    assert not {"acknowledge_anger", "owner_question", "follow_up_call"} & ids, ids
    assert report["summary"]["escalated"] is False
    # the bench's WER column: every customer turn's script against what was transcribed of it
    figures = ConditionFigures(condition)
    call = {"turns": turns, "type": "service", "escalation": False}
    score_call("service_2", call, report, figures)
    said = [t for t in turns if t["speaker"] == "customer"]
    assert figures.ref_words == sum(len(normalise_for_wer(str(t["text"]))) for t in said)
    assert 0 < figures.word_errors < figures.ref_words / 2  # "this unmet": misheard, not lost
    assert all(heard_text(t, report["utterances"]) for t in said)
    # the line the case rests on was heard, its start word for word
    moving = [t for t in said if "I'm moving next month" in str(t["text"])]
    assert moving
    assert "moving" in normalise_for_wer(heard_text(moving[0], report["utterances"]))


def test_a_greedy_decoding_loop_is_decoded_again(shared_data: Path, tmp_path: Path) -> None:
    """The fresh set's happy_1 at µ-law: greedy decoding read a pleased turn ("Kids are talking by
    the door. Oh that is wonderful news...") as "You can't hit the door," four times (words
    0.32, over "elevated"), and with a moderately raised voice the turn fused over "high": an
    anger card on a pleased customer. A text that loops is decoded again with the beam, which
    reads the words. Run as the bench runs it, `callcoach analyze` in its own process: greedy
    decoding sits on a knife edge here, and analysed inside the pytest process the same call did
    not loop (cause not found)."""
    from app.asr.transcriber import is_decoding_loop

    path, _ = bench_call(FRESH_SEED, "happy", 1, "ulaw", tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "app", "analyze", str(path), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((out / f"{path.stem}.json").read_text())
    texts = [u["text"] for u in report["utterances"]]
    assert not [t for t in texts if is_decoding_loop(t) or "hit the door" in t], texts
    assert any("wonderful news" in t for t in texts), texts
    ids = {p["id"] for p in report["prompts"]}
    assert not {"acknowledge_anger", "owner_question", "follow_up_call"} & ids, ids


def _ravdess_file(shared_data: Path, name: str) -> Path:
    return shared_data / "ravdess" / "audio" / f"Actor_{name[-7:-5]}" / name


def _frame_db(audio: np.ndarray) -> np.ndarray:
    return 10 * np.log10(frame_power(audio) + 1e-20)


def test_the_bench_does_not_count_a_quiet_clips_room_noise_as_speech(shared_data: Path) -> None:
    """The fresh set's voice_only_1: actor 11's calm "Kids are talking by the door" peaks at
    -43 dBFS, and the 35 dB rule alone counted the room noise before it (-84 to -76 dBFS) as
    speech, so an utterance holding the whole sentence covered under 80 % of it ("partly
    found"). Speech must now rise 12 dB over the file's own room noise."""
    path = _ravdess_file(shared_data, "03-01-02-01-01-01-11.flac")
    clip, floor = statement_clip(path), room_noise_power(path)
    floor_db = 10 * np.log10(floor)
    assert -95 < floor_db < -75, floor_db
    level = _frame_db(clip)

    def under_floor_s(intervals: list[tuple[int, int]]) -> float:
        frames = [k for a, b in intervals for k in range(a // SPEECH_FRAME, b // SPEECH_FRAME)]
        return sum(level[k] < floor_db + 12 for k in frames if k < level.size) * 0.02

    assert under_floor_s(speech_intervals(clip)) >= 0.1  # what the old rule counted
    speech = speech_intervals(clip, floor)
    assert under_floor_s(speech) <= 0.04, speech  # bridged gaps inside speech only
    # the statement itself is all there: every frame 20 dB over the room noise is speech
    loud = np.flatnonzero(level > floor_db + 20)
    inside = [any(a <= k * SPEECH_FRAME < b for a, b in speech) for k in loud]
    assert all(inside), loud[~np.array(inside)]


def test_the_bench_hears_a_shout_end_where_the_shout_ends_not_at_a_breath(
    shared_data: Path,
) -> None:
    """The fresh set's voice_only_2: actor 8's shouted "Kids are talking by the door" ends at
    1.78 s of the clip, and 0.66 s later comes a 0.2 s breath 28 dB under the shout. The bench
    took the clip's end (the breath) as the moment the anger was heard, and a card 0.56 s after
    the shout counted as early. A short, quiet sound apart from the rest is not speech; the
    same sound right after the speech still is."""
    path = _ravdess_file(shared_data, "03-01-05-02-01-01-08.flac")
    clip, floor = statement_clip(path), room_noise_power(path)
    speech = speech_intervals(clip, floor)
    assert abs(speech[-1][1] / 16_000 - 1.78) < 0.04, speech
    assert len(clip) / 16_000 > 2.5  # the trimmed clip still ends with the breath
    # moved to 0.2 s after the shout, the quiet sound is part of the speech
    shout_end = speech[-1][1]
    breath = clip[-int(0.2 * 16_000) :]
    close = np.concatenate([clip[:shout_end], np.zeros(int(0.2 * 16_000), np.float32), breath])
    assert speech_intervals(close, floor)[-1][1] > shout_end + int(0.3 * 16_000)
