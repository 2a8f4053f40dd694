"""Zero network, proven: every command runs with the network blocked and tries no connection.

Two independent ways:
- every command as a user runs it (`python -m app ...`, a fresh process each) inside a network
  namespace (`unshare -n`: no interface but a downed loopback) under strace, with HOME and XDG_*
  pointing at an empty folder. Any connect/sendto/sendmsg to an internet address (DNS to port 53
  included) or to the local name-service caches fails the test, as does any file written under
  HOME that the README's "What is stored, and where" does not list;
- the same commands in-process under `app.netguard.network_blocked()`, which fails on any
  Python-level connection attempt or name lookup.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from app.paths import ASSETS_DIR

ROOT = Path(__file__).resolve().parents[1]
DEMO = ASSETS_DIR / "demo_call.ogg"
TEXT = "I have been waiting for two weeks and nobody calls me back\nthanks, that was quick\n"

# Files a run may leave under HOME, relative to HOME: (regex, why). The README's section
# "What is stored, and where" lists the same; keep them together.
DOCUMENTED_HOME_FILES = [  # (regex relative to HOME, how the README names it)
    (
        r"\.local/share/callcoach/overlay_geometry\.json",
        "~/.local/share/callcoach/overlay_geometry.json",
    ),
    (
        r"\.local/share/callcoach/calls\.sqlite3(-wal|-shm)?",
        "~/.local/share/callcoach/calls.sqlite3",
    ),
    (
        r"\.local/share/callcoach/calls-peaks/[0-9a-f]{64}-100\.npz",
        "~/.local/share/callcoach/calls-peaks/<sha256>-100.npz",
    ),
    (r"\.cache/fontconfig/.*", "~/.cache/fontconfig/"),
    (r"\.config/pulse/[0-9a-f]+-runtime", "~/.config/pulse/<machine id>-runtime"),
]


def _clip(folder: Path, seconds: float = 20.0) -> Path:
    """The first `seconds` of the bundled demo call (stereo, both speakers) as a WAV."""
    audio, rate = sf.read(DEMO, dtype="float32", always_2d=True)
    path = folder / "call.wav"
    sf.write(path, audio[: int(seconds * rate)], rate)
    return path


# The review window as the tray opens it (`callcoach review` itself refuses the offscreen
# platform): the recording is analysed into the call store, then its waveform peaks are cached.
REVIEW_WINDOW = """
import sys
from pathlib import Path
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from app.config import load_settings
from app.ui.review.launch import open_review_window
app = QApplication([])
window = open_review_window([Path(sys.argv[1])], load_settings())
for _ in range(6000):
    QTest.qWait(50)
    if window.timeline.peaks is not None and window.peaks_job is None:
        break
window.close()
sys.exit(0 if window.timeline.peaks is not None else 1)
"""


def _commands(work: Path, clip: Path) -> list[tuple[str, list[str], str | None]]:
    py = [sys.executable, "-m", "app"]
    events = str(work / "events.jsonl")
    return [
        ("analyze", [*py, "analyze", str(clip), "--out", str(work / "analyze")], None),
        (
            "live-headless",
            [
                *py,
                "live",
                "--simulate",
                str(clip),
                "--speed",
                "20",
                "--headless",
                "--events",
                events,
            ],
            None,
        ),
        ("score-text", [*py, "score-text"], TEXT),
        ("score-tone", [*py, "score-tone", "--baseline", str(clip), str(clip)], None),
        ("demo", [*py, "demo", "--no-overlay", "--out", str(work / "demo")], None),
        ("overlay", [*py, "live", "--simulate", str(clip), "--speed", "20"], None),
        ("review-window", [sys.executable, "-c", REVIEW_WINDOW, str(clip)], None),
    ]


def _netns_prefix() -> list[str] | None:
    """`unshare` arguments that give a process no network, or None where none works here."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
        if subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return None


def _clean_env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "ORT_", "HF_", "DO_NOT_TRACK"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_STATE_HOME=str(home / ".local/state"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_RUNTIME_DIR=str(home / "run"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
    )
    (home / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    return env


NETWORK_CALL = re.compile(r"\b(connect|sendto|sendmsg)\(")
INET = re.compile(r"sa_family=AF_INET6?\b")
NAME_SERVICE = re.compile(r"sun_path=\"(/var/run/nscd|/run/nscd|/run/systemd/resolve)")


def network_attempts(trace: str) -> list[str]:
    """The lines of an `strace -f` log that reach for the network: an internet address (DNS's
    port 53 included) or a local name-service cache. Local AF_UNIX sockets are fine."""
    return [
        line
        for line in trace.splitlines()
        if NETWORK_CALL.search(line) and (INET.search(line) or NAME_SERVICE.search(line))
    ]


def test_trace_parser_sees_dns_and_connections() -> None:
    """The check itself can fail: real strace lines of a DNS query and of an X11 connection."""
    dns = (
        '9636  connect(8, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.53")'
        "}, 16) = 0"
    )
    nscd = '12 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT'
    x11 = '12 connect(3, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X0"}, 20) = 0'
    v6 = '7 sendto(5, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443)}, 28) = -1 ENETUNREACH'
    assert network_attempts("\n".join([dns, nscd, x11, v6])) == [dns, nscd, v6]


@pytest.fixture(scope="module")
def netns_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    prefix = _netns_prefix()
    if prefix is None:
        pytest.skip("no network namespace here (unshare -n and unshare -rn both fail)")
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (apt-get install strace; .ci/run installs it)")
    work = tmp_path_factory.mktemp("netns")
    home = work / "home"
    home.mkdir()
    clip = _clip(work)
    env = _clean_env(home)
    results: dict = {"home": home, "work": work, "runs": {}}
    for name, argv, stdin in _commands(work, clip):
        trace = work / f"{name}.strace"
        cmd = ["strace", "-f", "-qq", "-e", "trace=%network", "-o", str(trace), *prefix, *argv]
        done = subprocess.run(
            cmd, input=stdin, capture_output=True, text=True, env=env, cwd=work, timeout=600
        )
        results["runs"][name] = (done, trace.read_text(errors="replace"))
    return results


@pytest.mark.parametrize("name", [c[0] for c in _commands(Path("."), Path("x"))])
def test_command_in_network_namespace_tries_no_network(netns_run: dict, name: str) -> None:
    done, trace = netns_run["runs"][name]
    assert done.returncode == 0, f"{name} failed:\n{done.stderr[-3000:]}"
    assert network_attempts(trace) == [], f"{name} reached for the network"


def test_commands_gave_their_outputs_offline(netns_run: dict) -> None:
    work = netns_run["work"]
    report = json.loads((work / "analyze" / "call.json").read_text())
    assert report["utterances"], "analysis found no speech"
    assert (work / "demo" / "demo_call.json").is_file()
    events = [json.loads(line) for line in (work / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "utterance" for e in events)
    scores = netns_run["runs"]["score-text"][0].stdout.split()
    assert len(scores) == 2 and all(0.0 <= float(s) <= 1.0 for s in scores)
    assert netns_run["runs"]["score-tone"][0].stdout.count("\t") == 1
    peaks = netns_run["home"] / ".local/share/callcoach/calls-peaks"
    assert len(list(peaks.glob("*-100.npz"))) == 1, "the review window cached no waveform peaks"


def test_a_run_writes_only_documented_files_under_home(netns_run: dict) -> None:
    home: Path = netns_run["home"]
    written = sorted(
        str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() or p.is_symlink()
    )
    undocumented = [
        f for f in written if not any(re.fullmatch(rx, f) for rx, _ in DOCUMENTED_HOME_FILES)
    ]
    assert not [f for f in written if "Microsoft" in f], "onnxruntime telemetry wrote its files"
    assert undocumented == [], f"undocumented files under HOME: {undocumented}"


def test_readme_documents_every_allowed_file() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## What is stored, and where", 1)
    assert len(section) == 2, "README has no 'What is stored, and where' section"
    for _, shown in DOCUMENTED_HOME_FILES:
        assert f"`{shown}`" in section[1].split("\n## ", 1)[0], shown


# --- in-process guard -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clip(tmp_path_factory.mktemp("clip"))


def _run_guarded(argv: list[str], stdin: str = "") -> tuple[int, str, list[str]]:
    from app.cli import main
    from app.netguard import network_blocked

    old_in, old_out = sys.stdin, sys.stdout
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()), encoding="utf-8")
    sys.stdout = io.StringIO()
    try:
        with network_blocked() as attempts:
            code = main(argv)
        out = sys.stdout.getvalue()
    finally:
        sys.stdin, sys.stdout = old_in, old_out
    return code, out, attempts


def test_guard_catches_an_attempt() -> None:
    import urllib.request

    from app.netguard import NetworkBlockedError, network_blocked

    with network_blocked() as attempts:
        with pytest.raises(OSError):
            urllib.request.urlopen("http://example.com/", timeout=1)
        with pytest.raises(NetworkBlockedError):
            __import__("socket").getaddrinfo("mobile.events.data.microsoft.com", 443)
    assert len(attempts) == 2


@pytest.mark.parametrize(
    "name", ["analyze", "live-headless", "score-text", "score-tone", "demo", "overlay"]
)
def test_command_under_in_process_guard(name: str, clip: Path, tmp_path: Path) -> None:
    argv = {c[0]: c[1][3:] for c in _commands(tmp_path, clip)}[name]
    if name == "overlay":
        pytest.importorskip("PySide6")
    code, out, attempts = _run_guarded(argv, TEXT if name == "score-text" else "")
    assert code == 0
    assert attempts == []
    if name == "score-text":
        assert len(out.split()) == 2


def test_no_module_but_app_inference_imports_onnxruntime() -> None:
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        if path.name == "inference.py" and path.parent.name == "app":
            continue
        text = path.read_text()
        if re.search(r"^\s*(import onnxruntime|from onnxruntime)", text, re.M) or (
            "InferenceSession(" in text
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], "create onnxruntime sessions through app.inference only"


def test_telemetry_is_off_in_a_fresh_process(tmp_path: Path) -> None:
    """Loading every model in a fresh process leaves no Microsoft telemetry store in HOME."""
    code = (
        "import app, onnxruntime, os; from app.config import Settings; "
        "from app.pipeline import load_models; load_models(Settings()); "
        "print(os.environ['ORT_DISABLE_TELEMETRY'])"
    )
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_clean_env(home)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert not (home / ".cache" / "Microsoft").exists()
