"""Bad input on the command line: one clear line on standard error, the right exit code, no
traceback, and nothing lost (outputs are checked before any work starts). Issue 16.

Each case runs `python -m app ...` in a subprocess, as a user or a site's script would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.commands import read_lines
from app.cli.preflight import OutputError, writable_file, writable_folder

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "app" / "assets" / "demo_call.ogg"
JFK = "asr_eval_small/audio/faster_whisper/jfk.flac"


def run(
    *args: str,
    stdin: bytes = b"",
    env: dict[str, str] | None = None,
    prefix: list[str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )


def one_line(proc: subprocess.CompletedProcess[bytes], code: int = 2) -> str:
    """The run exited with `code` and said exactly one line on standard error; that line."""
    err = proc.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert proc.returncode == code, (proc.returncode, err)
    assert len(lines) == 1, err
    assert lines[0].startswith("callcoach"), err
    return lines[0]


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "somefile"
    path.write_text("not a folder\n")
    return path


@pytest.fixture
def broken_call(tmp_path: Path) -> Path:
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    return bad


# ------------------------------------------------------------------ read-only filesystem


def _readonly_prefix(folder: Path) -> list[str] | None:
    """A command prefix that runs the rest with `folder` on a read-only tmpfs, in a private mount
    namespace (nothing is mounted on the host), or None when this machine cannot build one."""
    if shutil.which("unshare") is None:
        return None
    ns = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    prefix = [*ns, "sh", "-c", 'mount -t tmpfs -o ro tmpfs "$0" && exec "$@"', str(folder)]
    try:
        probe = subprocess.run(
            [*prefix, "sh", "-c", 'touch "$0/x" 2>/dev/null && exit 9 || exit 0', str(folder)],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return prefix if probe.returncode == 0 else None


@pytest.fixture
def readonly(tmp_path: Path) -> tuple[Path, list[str]]:
    folder = tmp_path / "ro"
    folder.mkdir()
    prefix = _readonly_prefix(folder)
    if prefix is None:
        pytest.skip(
            "cannot build a read-only filesystem here (needs `unshare` with mount namespaces); "
            "the unwritable-path cases under a regular file still run"
        )
    return folder, prefix


def test_analyze_out_on_a_readonly_filesystem(
    readonly: tuple[Path, list[str]], broken_call: Path
) -> None:
    folder, prefix = readonly
    proc = run("analyze", str(broken_call), "--out", str(folder / "reports"), prefix=prefix)
    line = one_line(proc)
    assert "--out" in line and "read-only" in line.lower()
    assert "broken.wav" not in line  # caught before the first call


def test_analyze_out_is_a_readonly_folder(
    readonly: tuple[Path, list[str]], broken_call: Path
) -> None:
    folder, prefix = readonly
    proc = run("analyze", str(broken_call), "--out", str(folder), prefix=prefix)
    assert "read-only" in one_line(proc).lower()


def test_live_events_on_a_readonly_filesystem(
    readonly: tuple[Path, list[str]], shared_data: Path
) -> None:
    folder, prefix = readonly
    proc = run(
        "live",
        "--simulate",
        str(shared_data / JFK),
        "--headless",
        "--events",
        str(folder / "events.jsonl"),
        prefix=prefix,
    )
    line = one_line(proc)
    assert "--events" in line and "read-only" in line.lower()


def test_live_out_on_a_readonly_filesystem(
    readonly: tuple[Path, list[str]], shared_data: Path
) -> None:
    folder, prefix = readonly
    call = str(shared_data / JFK)
    proc = run("live", "--simulate", call, "--headless", "--out", str(folder), prefix=prefix)
    line = one_line(proc)
    assert "--out" in line and "read-only" in line.lower()


# ------------------------------------------------------------------ outputs named wrongly


def test_analyze_out_naming_a_file_is_caught_before_the_first_call(
    a_file: Path, broken_call: Path
) -> None:
    # had the call been analysed first, its own error line would be on standard error too
    proc = run("analyze", str(broken_call), "--out", str(a_file))
    line = one_line(proc)
    assert "is a file" in line and str(a_file) in line
    assert a_file.read_text() == "not a folder\n"  # untouched


def test_analyze_out_under_a_file(a_file: Path, broken_call: Path) -> None:
    proc = run("analyze", str(broken_call), "--out", str(a_file / "sub"))
    assert "is a file" in one_line(proc)


def test_demo_out_naming_a_file(a_file: Path) -> None:
    proc = run("demo", "--no-overlay", "--out", str(a_file))
    assert "is a file" in one_line(proc)
    assert b"analysing" not in proc.stdout


def test_events_naming_a_folder(tmp_path: Path, shared_data: Path) -> None:
    proc = run(
        "live", "--simulate", str(shared_data / JFK), "--headless", "--events", str(tmp_path)
    )
    line = one_line(proc)
    assert "--events" in line and "folder" in line


def test_events_under_a_file(a_file: Path, shared_data: Path) -> None:
    events = a_file / "events.jsonl"
    proc = run("live", "--simulate", str(shared_data / JFK), "--headless", "--events", str(events))
    assert "--events" in one_line(proc)


def test_live_out_naming_a_file_is_caught_before_the_replay(a_file: Path, tmp_path: Path) -> None:
    # the demo call replayed at 1x takes two minutes: the check must come first
    events = tmp_path / "events.jsonl"
    proc = run(
        "live",
        "--simulate",
        str(DEMO),
        "--headless",
        "--events",
        str(events),
        "--out",
        str(a_file),
        timeout=60,
    )
    assert "is a file" in one_line(proc)
    assert not events.exists()  # no replay started, no event written


# ------------------------------------------------------------------ settings and options


def test_config_naming_a_folder(tmp_path: Path) -> None:
    proc = run("score-text", "--config", str(tmp_path), stdin=b"hello\n")
    line = one_line(proc)
    assert "folder" in line and str(tmp_path) in line
    assert proc.stdout == b""


def test_config_not_utf8(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_bytes(b"[coach]\ncooldown_s = 30 # \xff\xfe\n")
    proc = run("score-text", "--config", str(config), stdin=b"hello\n")
    assert "settings.toml" in one_line(proc)


@pytest.mark.parametrize("speed", ["nan", "inf", "-inf", "0", "-1", "fast"])
def test_speed_must_be_finite_and_positive(speed: str, shared_data: Path) -> None:
    proc = run("live", "--simulate", str(shared_data / JFK), "--headless", "--speed", speed)
    assert "--speed" in one_line(proc)


@pytest.mark.parametrize(
    "override",
    [
        "vad.threshold=nan",
        "coach.cooldown_s=inf",
        "coach.hold_s=-inf",
        "audio.block_s=nan",
        "vad.max_utterance_s=500",
        "vad.min_speech_s=-0.5",
        "asr.threads=0",
        "asr.threads=1e400",
        "asr.beam_size=100000",
        "coach.steep_rise=0",
        "vad.speech_pad_s=-1",
        "coach.high=1.5",
        "coach.cooldown_s",
    ],
)
def test_numeric_settings_are_finite_and_in_range(override: str) -> None:
    proc = run("score-text", "--set", override, stdin=b"hello\n")
    line = one_line(proc)
    assert override.split("=")[0] in line
    assert proc.stdout == b""


def test_unknown_setting() -> None:
    proc = run("score-text", "--set", "no_such.key=1", stdin=b"hello\n")
    assert "unknown setting 'no_such'" in one_line(proc)


def test_nan_in_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[vad]\nmin_silence_s = nan\n")
    proc = run("score-text", "--config", str(config), stdin=b"hello\n")
    assert "vad.min_silence_s" in one_line(proc)


def test_unknown_option_is_one_line() -> None:
    proc = run("analyze", "--bogus")
    assert "--bogus" in one_line(proc) or "required" in one_line(proc)


def test_playbook_naming_a_folder(tmp_path: Path, broken_call: Path) -> None:
    proc = run("analyze", str(broken_call), "--out", str(tmp_path / "o"), "--playbook", "/")
    assert "playbook" in one_line(proc)


# ------------------------------------------------------------------ score-text and bytes


def test_score_text_keeps_one_score_per_line_with_invalid_utf8() -> None:
    lines = [
        f"line {i}: this is the third time i'm calling and it's still broken" for i in range(111)
    ]
    raw = [line.encode() for line in lines]
    bad = list(range(0, 111, 3))  # 37 lines with bytes that are not UTF-8
    for i in bad:
        raw[i] = raw[i].replace(b"third", b"th\xffir\xfe\xc3d")
    clean = run("score-text", stdin="\n".join(lines).encode() + b"\n")
    assert clean.returncode == 0 and clean.stderr == b""
    proc = run("score-text", stdin=b"\n".join(raw) + b"\n")
    line = one_line(proc, code=0)
    assert "37" in line
    scores = proc.stdout.decode().splitlines()
    assert len(scores) == 111
    assert all(0 <= float(s) <= 1 for s in scores)
    # the valid lines keep their own scores: nothing shifted or merged
    expected = clean.stdout.decode().splitlines()
    for i in range(111):
        if i not in bad:
            assert scores[i] == expected[i]


def test_read_lines_splits_like_text_mode() -> None:
    assert read_lines(b"") == ([], 0)
    assert read_lines(b"a\nb\n") == (["a", "b"], 0)
    assert read_lines(b"a\r\nb") == (["a", "b"], 0)
    assert read_lines(b"a\rb\n\n") == (["a", "b", ""], 0)
    assert read_lines("\ufeffhi\n".encode()) == (["hi"], 0)
    lines, invalid = read_lines(b"ok\n\xff\xfe\nok \xc3\n")
    assert lines == ["ok", "\ufffd\ufffd", "ok \ufffd"] and invalid == 2


# ------------------------------------------------------------------ screen and audio device


def _stale_display() -> str:
    for n in range(99, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists():
            return f":{n}"
    pytest.skip("no free X display number to use as a stale DISPLAY")


def _display_env(display: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = display
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_demo_with_a_stale_display_writes_the_report_and_says_so(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("DISPLAY is an X11 (Linux) matter")
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "app", "demo", "--out", str(out)],
        capture_output=True,
        env=_display_env(_stale_display()),
        timeout=600,
        cwd=ROOT,
    )
    line = one_line(proc, code=0)  # the report is the demo's result: written, so exit 0
    assert "no screen could be opened" in line
    assert "xcb" not in proc.stderr.decode().lower()  # not Qt's misleading plugin message
    assert (out / "demo_call.json").exists()
    assert b"report written to" in proc.stdout


def test_live_window_with_a_stale_display(shared_data: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("DISPLAY is an X11 (Linux) matter")
    proc = subprocess.run(
        [sys.executable, "-m", "app", "live", "--simulate", str(shared_data / JFK)],
        capture_output=True,
        env=_display_env(_stale_display()),
        timeout=120,
        cwd=ROOT,
    )
    line = one_line(proc)
    assert "no screen could be opened" in line and "--headless" in line


def test_live_without_an_audio_device_is_one_line() -> None:
    # hide any sound server this machine may run, then make sure PortAudio sees no input
    env = {"PULSE_SERVER": "unix:/nonexistent", "PIPEWIRE_REMOTE": "/nonexistent"}
    devices = run("devices", env=env, timeout=60)
    if b"no audio input devices" not in devices.stdout:
        pytest.skip("this machine has an audio input device even without a sound server")
    proc = run("live", "--headless", env=env, timeout=60)
    line = one_line(proc)
    assert "no audio input device" in line
    assert "Error querying device" not in proc.stderr.decode()


# ------------------------------------------------------------------ the checks themselves


def test_writable_folder_and_file_checks(tmp_path: Path, a_file: Path) -> None:
    assert writable_folder(tmp_path / "new" / "deeper").is_dir()
    assert list((tmp_path / "new" / "deeper").iterdir()) == []  # the probe file is gone
    with pytest.raises(OutputError, match="is a file"):
        writable_folder(a_file)
    with pytest.raises(OutputError, match="is a file"):
        writable_folder(a_file / "x" / "y")
    assert writable_file(a_file, "--events") == a_file
    assert a_file.read_text() == "not a folder\n"  # probing kept the content
    with pytest.raises(OutputError, match="is a folder"):
        writable_file(tmp_path, "--events")
    with pytest.raises(OutputError, match="is a file"):
        writable_file(a_file / "events.jsonl", "--events")
    assert not (tmp_path / "e.jsonl").exists()
    writable_file(tmp_path / "e.jsonl", "--events")
    assert not (tmp_path / "e.jsonl").exists()  # a check, not a write


def test_screen_check_accepts_a_working_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stale-display check must not turn away a screen that works (Xvfb here)."""
    import time

    from app.cli.preflight import screen_problem

    xvfb = shutil.which("Xvfb")
    if xvfb is None or not sys.platform.startswith("linux"):
        pytest.skip("Xvfb is not installed (scripts/setup.sh installs it with CALLCOACH_XVFB=1)")
    display = _stale_display()
    server = subprocess.Popen(
        [xvfb, display, "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        socket = Path(f"/tmp/.X11-unix/X{display[1:]}")
        deadline = time.monotonic() + 15
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert socket.exists(), "Xvfb did not start"
        monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
        monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
        monkeypatch.setenv("DISPLAY", display)
        assert screen_problem() is None
    finally:
        server.terminate()
        server.wait(timeout=10)


# ------------------------------------------------------------------ nothing lost, nothing skewed


def test_two_calls_with_the_same_stem_both_get_a_report(tmp_path: Path, broken_call: Path) -> None:
    """Issue 17: same-name calls are no longer refused (nor overwritten): each gets a report
    name of its own (`<stem>-<hash>`, app/batch/inputs.py); here both are unreadable, so each
    is one line naming its own path, exit 2, and nothing is written for them."""
    other = tmp_path / "elsewhere" / broken_call.name
    other.parent.mkdir()
    other.write_bytes(broken_call.read_bytes())
    out = tmp_path / "reports"
    proc = run("analyze", str(broken_call), str(other), "--out", str(out))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert str(broken_call) in lines[0] and str(other) in lines[1]
    assert not list(out.glob("broken*.json"))


def test_score_tone_with_an_unreadable_baseline_scores_nothing(
    tmp_path: Path, shared_data: Path
) -> None:
    bad = tmp_path / "calm.wav"
    bad.write_bytes(b"not audio")
    clip = str(shared_data / "ravdess/audio/Actor_03/03-01-02-01-01-01-03.flac")
    proc = run("score-tone", "--baseline", str(bad), clip)
    line = one_line(proc)
    assert "calm.wav" in line and "nothing scored" in line
    assert proc.stdout == b""  # no score against a baseline that lost a clip


def test_a_message_with_a_line_break_is_still_one_line(tmp_path: Path, broken_call: Path) -> None:
    playbook = tmp_path / "playbook.toml"
    playbook.write_text('[phrases]\n"two\\nlines" = 3\n')  # a TOML key holding a line break
    proc = run(
        "analyze", str(broken_call), "--out", str(tmp_path / "o"), "--playbook", str(playbook)
    )
    assert "two\\nlines" in one_line(proc)


FAKE_SOUNDDEVICE = """
class PortAudioError(Exception):
    pass


def query_devices(device=None, kind=None):
    if kind is not None:  # what PortAudio answers when there is no default input
        raise PortAudioError("Error querying device -1")
    return [{"name": "Fake mic", "max_input_channels": 2, "default_samplerate": 48000.0,
             "hostapi": 0}]


def query_hostapis():
    return [{"name": "ALSA"}]


class InputStream:
    def __init__(self, *args, **kwargs):
        raise PortAudioError("Error opening InputStream: Invalid device")
"""


def test_live_with_a_device_that_will_not_open_says_one_line_per_retry(tmp_path: Path) -> None:
    """A fake PortAudio (the audio device is the edge): a device is listed but cannot be opened.
    Each retry is one line on standard error, not a log line plus an echo of it."""
    import itertools
    import signal
    import time

    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "sounddevice.py").write_text(FAKE_SOUNDDEVICE)
    env = {**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{ROOT}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "live", "--headless"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        text=True,
    )
    lines: list[str] = []
    arrived: list[float] = []
    try:
        assert proc.stderr is not None
        while len(lines) < 3:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            arrived.append(time.monotonic())
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += rest.strip().splitlines()
    assert len(lines) >= 3, lines
    assert not any("Traceback" in line for line in lines)
    retries = [line for line in lines if "cannot open audio device" in line]
    # every line is a retry (or the last one saying it stopped), none said twice
    assert len(retries) >= len(lines) - 1, lines
    assert all("retrying" in line for line in retries)
    # retries are 2 s apart; the same message said twice comes out at once
    gaps = [b - a for a, b in itertools.pairwise(arrived)]
    assert min(gaps) > 1.0, (gaps, lines)


def test_audio_that_stops_decoding_part_way_is_one_plain_line(tmp_path: Path) -> None:
    """A chained Ogg file whose second part changes rate and channels (a recorder restarted
    mid-call) stops FFmpeg part way. That was said twice on stderr, a logging line and the
    warning, both with FFmpeg's error number and the path again."""
    import numpy as np
    import soundfile as sf

    x, rate = sf.read(DEMO, dtype="float32")
    half = len(x) // 2
    first, second = tmp_path / "a.ogg", tmp_path / "b.ogg"
    sf.write(first, x[:half], rate, format="OGG", subtype="VORBIS")
    sf.write(second, np.ascontiguousarray(x[half:, 0]), 8000, format="OGG", subtype="VORBIS")
    call = tmp_path / "restarted.ogg"
    call.write_bytes(first.read_bytes() + second.read_bytes())
    done = run("analyze", str(call), "--out", str(tmp_path / "out"))
    assert done.returncode == 0
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert "restarted.ogg: warning: unreadable tail at" in lines[0]
    assert "Errno" not in lines[0] and lines[0].count("restarted.ogg") == 1
