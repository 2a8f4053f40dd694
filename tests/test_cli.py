"""`callcoach analyze / score-text / score-tone` end to end on real audio and real models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly

from app.audio.reader import read_all
from app.cli import main

STEREO = "asr_eval_small/audio/faster_whisper/stereo_diarization.wav"
JFK = "asr_eval_small/audio/faster_whisper/jfk.flac"


def analyze(tmp_path: Path, *args: str) -> tuple[int, Path]:
    out = tmp_path / "out"
    code = main(["analyze", *args, "--out", str(out)])
    return code, out


def load(out: Path, stem: str) -> dict:
    return json.loads((out / f"{stem}.json").read_text())


def texts(report: dict, speaker: str) -> str:
    return " ".join(u["text"] for u in report["utterances"] if u["speaker"] == speaker).lower()


def test_stereo_channels_are_agent_left_by_default(shared_data: Path, tmp_path: Path) -> None:
    code, out = analyze(tmp_path, str(shared_data / STEREO))
    assert code == 0
    report = load(out, "stereo_diarization")
    assert report["agent_channel"] == "left"
    assert "wizard" in texts(report, "agent")
    assert "horizon" in texts(report, "customer")
    assert "horizon" not in texts(report, "agent")


def test_agent_channel_right_swaps_speakers(shared_data: Path, tmp_path: Path) -> None:
    code, out = analyze(tmp_path, str(shared_data / STEREO), "--agent-channel", "right")
    assert code == 0
    report = load(out, "stereo_diarization")
    assert report["agent_channel"] == "right"
    assert "horizon" in texts(report, "agent")
    assert "wizard" in texts(report, "customer")


@pytest.fixture(scope="module")
def jfk_mono(shared_data: Path) -> np.ndarray:
    return read_all(shared_data / JFK).mean(axis=0)


def test_8khz_telephone_audio(jfk_mono: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "phone8k.wav"
    sf.write(path, resample_poly(jfk_mono, 1, 2).astype(np.float32), 8000, subtype="PCM_16")
    code, out = analyze(tmp_path, str(path))
    assert code == 0
    report = load(out, "phone8k")
    assert report["duration_s"] == pytest.approx(11.0, abs=0.1)
    assert {u["speaker"] for u in report["utterances"]} == {"customer"}  # mono: the customer
    assert "your country" in texts(report, "customer")


def test_mp3_input(jfk_mono: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "call.mp3"
    sf.write(path, jfk_mono, 16000, format="MP3")
    code, out = analyze(tmp_path, str(path))
    assert code == 0
    text = texts(load(out, "call"), "customer")
    assert "fellow americans" in text and "your country" in text


def test_corrupt_call_is_reported_and_the_others_still_analysed(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    code, out = analyze(tmp_path, str(bad), str(shared_data / STEREO))
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.wav" in err[0]
    assert not (out / "broken.json").exists()
    assert (out / "stereo_diarization.json").exists()


def test_report_follows_the_contract(shared_data: Path, tmp_path: Path) -> None:
    code, out = analyze(tmp_path, str(shared_data / STEREO))
    assert code == 0
    report = load(out, "stereo_diarization")
    assert {"call", "duration_s", "agent_channel", "utterances", "prompts", "summary"} <= set(
        report
    )
    assert report["call"] == "stereo_diarization.wav"
    assert report["duration_s"] == pytest.approx(5.0, abs=0.05)
    for u in report["utterances"]:
        assert u["speaker"] in ("agent", "customer")
        assert 0 <= u["start"] < u["end"] <= report["duration_s"] + 0.01
        for key in ("tone", "words", "frustration"):
            assert 0.0 <= u[key] <= 1.0
    assert set(report["summary"]) >= {"max_frustration", "escalated", "prompt_counts"}


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args], input=stdin, capture_output=True, text=True
    )


def test_score_text_one_score_per_line() -> None:
    lines = [
        "this is the third time i'm calling and nobody called me back i'm furious",
        "thanks so much that's perfect have a great day",
        "",
        "um so yeah i just wanted to check my order status",
    ]
    out = run_cli("score-text", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    scores = [float(x) for x in out.stdout.splitlines()]
    assert len(scores) == len(lines)
    assert all(0 <= s <= 1 for s in scores)
    assert scores[0] > 0.5 > scores[1]
    assert scores[0] > scores[3]


def test_score_tone_angry_above_calm_with_baseline(shared_data: Path) -> None:
    actor = shared_data / "ravdess/audio/Actor_03"
    neutral = sorted(actor.glob("03-01-01-*"))
    calm = actor / "03-01-02-01-01-01-03.flac"
    angry = actor / "03-01-05-02-01-01-03.flac"
    baseline = [str(p) for p in neutral[:2]]
    out = run_cli(
        "score-tone", "--baseline", baseline[0], "--baseline", baseline[1], str(calm), str(angry)
    )
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == [str(calm), str(angry)]
    scores = {Path(r[0]).name: float(r[1]) for r in rows}
    assert scores[angry.name] > scores[calm.name]


def test_score_tone_unreadable_clip(tmp_path: Path, shared_data: Path) -> None:
    bad = tmp_path / "bad.flac"
    bad.write_bytes(b"not audio")
    good = shared_data / "ravdess/audio/Actor_03/03-01-02-01-01-01-03.flac"
    out = run_cli("score-tone", str(bad), str(good))
    assert out.returncode == 2
    assert "bad.flac" in out.stderr
    assert out.stdout.startswith(str(good))


def test_score_tone_baseline_forms(shared_data: Path) -> None:
    actor = shared_data / "ravdess/audio/Actor_05"
    neutral = [str(p) for p in sorted(actor.glob("03-01-01-*"))[:2]]
    clip = str(actor / "03-01-05-01-01-01-05.flac")
    # each --baseline takes exactly one clip and may repeat (../shared/CONTRACT.md)
    forms = [
        ["--baseline", neutral[0], "--baseline", neutral[1], "--", clip],
        [clip, "--baseline", neutral[0], "--baseline", neutral[1]],
        ["--baseline", neutral[0], clip, "--baseline", neutral[1]],
    ]
    outputs = []
    for form in forms:
        out = run_cli("score-tone", *form)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split("\t")[0] == clip
        outputs.append(out.stdout)
    assert outputs[0] == outputs[1] == outputs[2]


def test_score_tone_repeated_baseline_scores_every_file(shared_data: Path) -> None:
    """The contract break of issue 16: `--baseline A --baseline B X Y` once took X as a third
    baseline and scored only Y. Now X and Y are both scored, against the baseline A+B."""
    actor = shared_data / "ravdess/audio/Actor_05"
    a, b = (str(p) for p in sorted(actor.glob("03-01-01-*"))[:2])
    x = str(actor / "03-01-05-01-01-01-05.flac")
    y = str(actor / "03-01-02-01-01-01-05.flac")
    out = run_cli("score-tone", "--baseline", a, "--baseline", b, x, y)
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == [x, y]
    # the same scores as with the clips to score kept apart from the options by `--`
    apart = run_cli("score-tone", "--baseline", a, "--baseline", b, "--", x, y)
    assert apart.stdout == out.stdout
    # and not the scores of Y against the baseline A+B+X (the old reading)
    old = run_cli("score-tone", "--baseline", a, "--baseline", b, "--baseline", x, "--", y)
    assert old.stdout.split("\t")[1] != rows[1][1]
