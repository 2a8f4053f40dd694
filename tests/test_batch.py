"""Batch analysis (`callcoach analyze DIR_OR_FILES`, app/batch): folders, same-name inputs,
resume after a real kill, --jobs N identical to --jobs 1, agents, the summary. Issue 17.

Real audio (the shared LJSpeech and faster-whisper clips), real models, real subprocesses.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from app.batch import collect_inputs, report_names
from app.batch.agents import load_agents
from app.batch.inputs import CallInput
from app.batch.manifest import MANIFEST_NAME, Finished, Manifest
from app.batch.summary import last_run
from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
LJ = "asr_eval_small/audio/coqui_tts_ljspeech"
STEREO = "asr_eval_small/audio/faster_whisper/stereo_diarization.wav"
JFK = "asr_eval_small/audio/faster_whisper/jfk.flac"


def reports(out: Path) -> dict[str, dict]:
    """Every call report in `out` by file name: `*.json` there holds call reports only."""
    return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}


def summary(out: Path) -> dict:
    return last_run(out)


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


# ------------------------------------------------------------------ naming (pure)


def test_report_names_unique_stems_keep_the_contract_name() -> None:
    calls = [CallInput(Path("/x/a/one.wav"), "a/one.wav"), CallInput(Path("/x/b/two.flac"), "")]
    assert report_names(calls) == {Path("/x/a/one.wav"): "one", Path("/x/b/two.flac"): "two"}


def test_report_names_same_stems_never_collide_and_are_stable() -> None:
    a, b, c = Path("/x/a/call.wav"), Path("/x/b/call.wav"), Path("/x/c/CALL.flac")
    names = report_names([CallInput(p, str(p)) for p in (a, b, c)])
    assert len({n.casefold() for n in names.values()}) == 3  # case-insensitive filesystems too
    assert all(n.casefold().startswith("call-") and len(n) == 13 for n in names.values())
    # the same rule on another run gives the same names, whatever the order
    again = report_names([CallInput(p, str(p)) for p in (c, a, b)])
    assert again == names
    # a name given before is kept, even when its stem is no longer shared
    kept = report_names([CallInput(a, str(a))], {names[a]: a})
    assert kept == {a: names[a]}
    # a new call never takes a name the folder already uses for another call
    taken = report_names([CallInput(b, str(b))], {"call": a})
    assert taken[b] != "call" and taken[b].startswith("call-")


def test_a_call_named_like_the_batch_files_gets_its_own_name() -> None:
    path = Path("/x/batch_summary.wav")
    assert report_names([CallInput(path, str(path))])[path] != "batch_summary"


# ------------------------------------------------------------------ inputs


def test_folders_are_walked_and_non_audio_files_listed(tmp_path: Path) -> None:
    (tmp_path / "in" / "deep" / "er").mkdir(parents=True)
    for rel in ("x.wav", "deep/y.FLAC", "deep/er/z.mp3"):
        (tmp_path / "in" / rel).write_bytes(b"")
    (tmp_path / "in" / "notes.txt").write_text("x")
    (tmp_path / "in" / "deep" / "er" / ".DS_Store").write_bytes(b"")
    (tmp_path / "in" / "out").mkdir()
    (tmp_path / "in" / "out" / "old.wav").write_bytes(b"")
    os.symlink(tmp_path / "in", tmp_path / "in" / "deep" / "loop")  # a loop is walked once
    found = collect_inputs([tmp_path / "in", tmp_path / "in" / "x.wav"], tmp_path / "in" / "out")
    assert [c.path.name for c in found.calls] == ["x.wav", "y.FLAC", "z.mp3"]
    assert sorted(Path(p).name for p in found.not_audio) == [".DS_Store", "notes.txt"]
    assert found.ignored_out_dir == str(tmp_path / "in" / "out")


def test_the_same_call_given_twice_is_analysed_once(tmp_path: Path) -> None:
    call = tmp_path / "call.wav"
    call.write_bytes(b"x")
    (tmp_path / "other.wav").write_bytes(b"x")
    found = collect_inputs([call, tmp_path / "." / "call.wav", tmp_path / "other.wav"])
    assert [c.path for c in found.calls] == [call, tmp_path / "other.wav"]


def test_manifest_ignores_a_torn_last_line(tmp_path: Path) -> None:
    manifest = Manifest.load(tmp_path)
    manifest.record(Finished("a", "/x/a.wav", "00", "k", 1.0, ("a.json",)))
    with open(tmp_path / MANIFEST_NAME, "ab") as fh:
        fh.write(b'{"name": "b", "sour')  # a kill in the middle of a write
    again = Manifest.load(tmp_path)
    assert list(again.by_source) == ["/x/a.wav"] and again.damaged_lines == 1
    again.record(Finished("c", "/x/c.wav", "11", "k"))  # appended on a line of its own
    assert set(Manifest.load(tmp_path).by_source) == {"/x/a.wav", "/x/c.wav"}


def test_agents_from_a_csv_and_a_file_name_pattern(tmp_path: Path) -> None:
    csv = tmp_path / "agents.csv"
    csv.write_text("file,agent\nteam1/call.wav,alice\nbob_0002.wav,robert\nnobody.wav,x\n")
    agents = load_agents(csv, r"^(?P<agent>[a-z]+)_")
    call = CallInput(tmp_path / "team1" / "call.wav", "")
    assert agents.agent_for(call) == "alice"
    assert agents.agent_for(CallInput(tmp_path / "bob_0002.wav", "")) == "robert"  # CSV wins
    assert agents.agent_for(CallInput(tmp_path / "carol_0003.wav", "")) == "carol"  # pattern
    assert agents.agent_for(CallInput(tmp_path / "0004.wav", "")) is None
    assert agents.unused_rows() == ["nobody.wav"]


# ------------------------------------------------------------------ end to end


@pytest.fixture
def same_names(shared_data: Path, tmp_path: Path) -> Path:
    """a/call.wav and b/call.wav (different calls), a text file, a broken file."""
    folder = tmp_path / "calls"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    shutil.copy(shared_data / STEREO, folder / "a" / "call.wav")
    shutil.copy(shared_data / LJ / "LJ001-0001.wav", folder / "b" / "call.wav")
    (folder / "README.txt").write_text("calls of monday\n")
    (folder / "b" / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(256))
    return folder


def test_same_name_inputs_resume_and_force(same_names: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = cli("analyze", str(same_names), "--out", str(out))
    assert first.returncode == 2, first.stderr  # the broken call: exit 2, the others analysed
    assert "Traceback" not in first.stderr
    lines = first.stderr.strip().splitlines()
    assert any("broken.wav" in line for line in lines)
    assert any("not audio" in line for line in lines)  # README.txt skipped, and said so
    made = reports(out)
    assert len(made) == 2 and all(name.startswith("call-") for name in made)
    sources = {r["source"]["path"] for r in made.values()}
    assert sources == {str(same_names / "a" / "call.wav"), str(same_names / "b" / "call.wav")}
    for report in made.values():  # each report is about its own audio
        assert report["call"] == "call.wav"
        assert len(report["source"]["sha256"]) == 64
        assert report["provenance"]["analysis_key"]
    s = summary(out)
    assert s["counts"]["analysed"] == 2 and s["counts"]["failed"] == 1
    assert s["not_audio"] == [str(same_names / "README.txt")]

    # again: nothing analysed, the same names, said on stderr
    before = {name: (out / name).stat().st_mtime_ns for name in made}
    again = cli("analyze", str(same_names), "--out", str(out))
    assert again.returncode == 2
    assert "2 already analysed" in again.stderr
    assert summary(out)["counts"] == {**s["counts"], "analysed": 0, "skipped_done": 2}
    assert {name: (out / name).stat().st_mtime_ns for name in made} == before

    # a third call with the same name joins: the first two keep their names
    (same_names / "c").mkdir()
    shutil.copy(same_names / "a" / "call.wav", same_names / "c" / "call.wav")
    with open(same_names / "c" / "call.wav", "ab") as fh:
        fh.write(b"\0" * 64)  # other bytes: another call
    third = cli("analyze", str(same_names), "--out", str(out))
    assert third.returncode == 2
    now = reports(out)
    assert set(made) < set(now) and len(now) == 3
    assert summary(out)["counts"]["analysed"] == 1

    # --force analyses everything again into the same names
    forced = cli("analyze", str(same_names), "--out", str(out), "--force")
    assert forced.returncode == 2
    assert summary(out)["counts"]["analysed"] == 3
    assert set(reports(out)) == set(now)


def test_contract_form_with_unique_stems_and_a_copy(shared_data: Path, tmp_path: Path) -> None:
    """`analyze A B --out DIR` still writes DIR/<stem>.json; a byte-identical copy analysed
    before gets its own report, copied (same results, its own name and path)."""
    out = tmp_path / "out"
    code = main(["analyze", str(shared_data / STEREO), str(shared_data / JFK), "--out", str(out)])
    assert code == 0
    assert set(reports(out)) == {"stereo_diarization.json", "jfk.json"}
    copy = tmp_path / "again.wav"
    shutil.copy(shared_data / STEREO, copy)
    assert main(["analyze", str(copy), "--out", str(out)]) == 0
    s = summary(out)
    assert s["counts"]["reused"] == 1 and s["counts"]["analysed"] == 0
    original, copied = reports(out)["stereo_diarization.json"], reports(out)["again.json"]
    assert copied["call"] == "again.wav" and copied["source"]["path"] == str(copy)
    for key in ("utterances", "prompts", "summary", "provenance"):
        assert copied[key] == original[key]


def _lj_folder(shared_data: Path, folder: Path, count: int = 8) -> list[Path]:
    folder.mkdir(parents=True)
    clips = sorted((shared_data / LJ).glob("*.wav"))[:count]
    for clip in clips:
        shutil.copy(clip, folder / clip.name)
    return clips


def _long_lj_folder(shared_data: Path, folder: Path, count: int = 8) -> list[Path]:
    """`count` calls of three LJ clips each, all different: enough work left after the first two
    that the signal always lands mid-batch (with single clips a fast machine could finish the
    batch between the check and the signal: exit 0 instead of 143)."""
    import soundfile as sf

    folder.mkdir(parents=True)
    clips = sorted((shared_data / LJ).glob("*.wav"))
    calls = []
    for i in range(count):
        parts = [sf.read(clips[(i + k) % len(clips)], dtype="float32") for k in range(3)]
        path = folder / f"call_{i}.wav"
        sf.write(path, np.concatenate([a for a, _ in parts]), parts[0][1])
        calls.append(path)
    return calls


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_batch_killed_midway_goes_on_where_it_stopped(
    shared_data: Path, tmp_path: Path, how: signal.Signals
) -> None:
    calls = tmp_path / "calls"
    clips = _long_lj_folder(shared_data, calls)
    out = tmp_path / "out"
    manifest = out / MANIFEST_NAME
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "analyze", str(calls), "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if manifest.exists() and manifest.read_text().count("\n") >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    proc.send_signal(how)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == (143 if how == signal.SIGTERM else -9)
    if how == signal.SIGTERM:
        assert "Traceback" not in err
        assert "run the same command again" in err
        assert summary(out)["interrupted"] == "SIGTERM"
        assert summary(out)["failed"] == []  # the call cut short is not "failed": redone later
    done = Manifest.load(out)
    assert done.damaged_lines == 0
    assert 2 <= len(done.by_source) < len(clips)
    for entry in done.by_source.values():  # every call the manifest names is complete
        report = json.loads((out / f"{entry.name}.json").read_text())
        assert report["source"]["sha256"] == entry.sha256

    resumed = cli("analyze", str(calls), "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    s = summary(out)
    assert s["counts"]["skipped_done"] == len(done.by_source)
    assert s["counts"]["analysed"] == len(clips) - len(done.by_source)
    assert set(reports(out)) == {f"{c.stem}.json" for c in clips}


def test_jobs_2_gives_the_same_reports_as_jobs_1(shared_data: Path, tmp_path: Path) -> None:
    calls = tmp_path / "calls"
    _lj_folder(shared_data, calls, count=4)
    shutil.copy(shared_data / STEREO, calls / "stereo.wav")
    one, two = tmp_path / "one", tmp_path / "two"
    assert main(["analyze", str(calls), "--out", str(one), "--jobs", "1"]) == 0
    assert main(["analyze", str(calls), "--out", str(two), "--jobs", "2"]) == 0
    assert summary(two)["workers"] == 2 and summary(two)["counts"]["analysed"] == 5
    rows = summary(two)["analysed"]
    # models loaded once per worker: at most two worker processes, each loading once
    assert len({r["worker"] for r in rows}) <= 2
    assert all(r["worker_model_loads"] == 1 for r in rows)
    assert all(r["worker"] != summary(one)["analysed"][0]["worker"] for r in rows)
    assert reports(one) == reports(two)
    assert any(r["utterances"] for r in reports(one).values())  # real transcripts compared


def test_progress_bar_on_a_terminal_and_quiet_otherwise(shared_data: Path, tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    calls = tmp_path / "calls"
    _lj_folder(shared_data, calls, count=2)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "analyze", str(calls), "--out", str(tmp_path / "tty")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=slave,
        stdout=subprocess.DEVNULL,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    assert proc.wait(timeout=300) == 0
    os.close(master)
    text = seen.decode("utf-8", "replace")
    assert "2/2 calls done 100%|" in text and "[00:" in text  # the bar, with elapsed<ETA
    assert "2 calls: 2 analysed" in text  # the summary for a person
    quiet = cli("analyze", str(calls), "--out", str(tmp_path / "pipe"))
    assert quiet.returncode == 0 and quiet.stderr == ""  # not a terminal: nothing to say
