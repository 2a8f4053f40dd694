"""`callcoach live` capturing from a real sound server (PulseAudio) through PortAudio.

PortAudio (Debian's libportaudio2) reaches PulseAudio through its ALSA host API and the ALSA
`pulse` plugin (libasound2-plugins); named ALSA devices in an asoundrc pick the PulseAudio
source. The server gets a null sink (the "phone line": the recording is played into it), its
monitor, and virtual sources remapped from that monitor (the agent's and the customer's side).

Needs `pulseaudio`, `pulseaudio-utils` (pactl, paplay) and `libasound2-plugins`; `.ci/run`
installs them, starts a server and sets CALLCOACH_SOUND_SERVER=required, so in CI these tests
fail rather than skip when the server cannot be used.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import correlate

from app.audio.reader import SAMPLE_RATE, read_blocks
from app.paths import ASSETS_DIR

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = os.environ.get("CALLCOACH_SOUND_SERVER") == "required"
# an excerpt of the demo call (29.7 s, stereo) that escalates: the test plays it in real time
EXCERPT_S = (28.8, 58.5)
LEAD_S = 0.5  # silence played before it
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"sound server required (CALLCOACH_SOUND_SERVER=required): {reason}")
    pytest.skip(reason)


@dataclass
class SoundServer:
    address: str  # a PulseAudio server string, e.g. unix:/tmp/x/native
    home: Path  # HOME for the callcoach processes: holds the .asoundrc naming the devices

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", "--server", self.address, *args],
            capture_output=True,
            text=True,
            timeout=15,
            check=True,
        )
        return done.stdout.strip()

    def load(self, module: str, **options: str) -> int:
        return int(self.pactl("load-module", module, *(f"{k}={v}" for k, v in options.items())))

    def play(self, wav: Path, sink: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(["paplay", "--server", self.address, "-d", sink, str(wav)])

    def env(self) -> dict[str, str]:
        return {**os.environ, "HOME": str(self.home), "PULSE_SERVER": self.address}


@pytest.fixture(scope="module")
def sound_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoundServer]:
    for tool in ("pactl", "paplay"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} not found (Debian: apt-get install pulseaudio-utils)")
    tmp = tmp_path_factory.mktemp("pulse")
    home = tmp / "home"
    home.mkdir()
    daemon: subprocess.Popen[bytes] | None = None
    address = os.environ.get("CALLCOACH_PULSE_SERVER", "")  # started by .ci/run
    if not address:
        if shutil.which("pulseaudio") is None:
            _unavailable("no PulseAudio server (Debian: apt-get install pulseaudio)")
        socket = tmp / "native"
        address = f"unix:{socket}"
        # a private user-mode daemon: no dbus, no default modules, never exits on idle; it
        # runs as root in a container too (it only warns)
        daemon = subprocess.Popen(
            [
                "pulseaudio",
                "--daemonize=no",
                "-n",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                f"--load=module-native-protocol-unix auth-anonymous=1 socket={socket}",
            ],
            env={**os.environ, "HOME": str(home), "PULSE_RUNTIME_PATH": str(tmp / "run")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    server = SoundServer(address, home)
    deadline = time.monotonic() + 15
    while True:
        try:
            server.pactl("info")
            break
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            if time.monotonic() > deadline or (daemon is not None and daemon.poll() is not None):
                if daemon is not None:
                    daemon.kill()
                _unavailable(f"the PulseAudio server at {address} did not start: {exc}")
            time.sleep(0.2)
    try:
        yield server
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(timeout=10)


@dataclass
class PhoneLine:
    """A null sink the call is played into, and PortAudio device names for its sides."""

    server: SoundServer
    sink: str
    modules: list[int]

    def unload(self) -> None:
        # the null sink goes and its monitor and the sources remapped from it go with it
        for index in reversed(self.modules):
            with contextlib.suppress(subprocess.CalledProcessError):  # went with its master
                self.server.pactl("unload-module", str(index))
        self.modules = []


def _side_source(server: SoundServer, name: str, side: str) -> int:
    """A virtual mono source carrying one side of the line: agent left, customer right."""
    return server.load(
        "module-remap-source",
        source_name=f"{name}_{side}",
        master=f"{name}.monitor",
        channels="1",
        master_channel_map="front-left" if side == "agent" else "front-right",
        channel_map="mono",
    )


def _plug_in(server: SoundServer, name: str) -> PhoneLine:
    monitor = f"{name}.monitor"
    modules = [
        server.load(
            "module-null-sink",
            sink_name=name,
            rate=str(SAMPLE_RATE),
            channels="2",
            format="float32le",
        )
    ]
    for side in ("agent", "customer"):
        modules.append(_side_source(server, name, side))
    modules.append(
        server.load("module-remap-source", source_name=f"{name}_in", master=monitor, channels="2")
    )
    pcms = {
        f"{name}_monitor": monitor,  # the monitor: both sides, stereo
        f"{name}_agent": f"{name}_agent",  # virtual sources: one side each
        f"{name}_customer": f"{name}_customer",
        f"{name}_in": f"{name}_in",  # a virtual stereo source
    }
    rc = server.home / ".asoundrc"
    with rc.open("a") as f:
        for pcm, source in pcms.items():
            f.write(f'pcm.{pcm} {{ type pulse; device "{source}"; hint {{ show on }} }}\n')
    return PhoneLine(server, name, modules)


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The excerpt as a 16 kHz 16-bit WAV: the server passes its samples through unchanged.

    It starts with half a second of silence: a sink's monitor misses the first few dozen ms of
    a new playback (PulseAudio renders them into a period the monitor has already posted)."""
    audio = np.concatenate(list(read_blocks(ASSETS_DIR / "demo_call.ogg", 1.0)), axis=1)
    lo, hi = (round(s * SAMPLE_RATE) for s in EXCERPT_S)
    lead = np.zeros((2, round(LEAD_S * SAMPLE_RATE)), np.float32)
    path = tmp_path_factory.mktemp("call") / "excerpt.wav"
    sf.write(path, np.concatenate([lead, audio[:, lo:hi]], axis=1).T, SAMPLE_RATE, "PCM_16")
    return path


class LiveRun:
    """`callcoach live --headless` on sound devices, in its own process (its own PortAudio)."""

    def __init__(self, server: SoundServer, out: Path, *settings: str) -> None:
        self.out, self.events = out, out / "events.jsonl"
        cmd = [sys.executable, "-m", "app", "live", "--headless", "--events", str(self.events)]
        cmd += ["--out", str(out), "--set", "privacy.store_audio=true"]
        for s in settings:
            cmd += ["--set", s]
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=server.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def read_events(self) -> list[dict]:
        if not self.events.exists():
            return []
        lines = self.events.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.endswith("}")]

    def wait_for_status(self, text: str, count: int = 1, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                e for e in self.read_events() if e["type"] == "status" and text in e["message"]
            ]
            if len(found) >= count:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.proc.kill()
        _, err = self.proc.communicate()
        pytest.fail(f"no {text!r} status from callcoach live: {err.decode(errors='replace')}")

    def stop(self) -> tuple[int, str]:
        """Ctrl+C, as a user ends the call; the report is written on the way out."""
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        return self.proc.returncode, err.decode(errors="replace")

    def report(self) -> dict:
        return json.loads((self.out / "live-call.json").read_text(encoding="utf-8"))

    def captured(self) -> np.ndarray:
        data, rate = sf.read(self.out / "live-call.wav", dtype="float32", always_2d=True)
        assert rate == SAMPLE_RATE
        return data.T


def _lag(captured: np.ndarray, played: np.ndarray) -> int:
    """Where `played` starts in `captured` (one channel each); negative when capture began
    after playback did."""
    corr = correlate(captured, played, mode="full", method="fft")
    return int(np.argmax(corr)) - (len(played) - 1)


def _analyze(
    path: Path, models
) -> tuple[list[tuple[str, float]], list[tuple[str, float, float, str]]]:  # type: ignore[no-untyped-def]
    """`analyze`'s prompts (id, t) and utterances (speaker, start, end) of a recording."""
    from app.config import Settings
    from app.events import Prompt, Utterance
    from app.pipeline import analyze_call

    events = analyze_call(path, Settings(), models).events
    prompts = [(e.id, e.t) for e in events if isinstance(e, Prompt)]
    turns = [(e.speaker, e.start, e.end, e.text) for e in events if isinstance(e, Utterance)]
    return prompts, turns


def test_live_on_monitor_and_virtual_sources_gives_the_prompts_of_analyze(
    sound_server: SoundServer,
    recording: Path,
    models,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    line = _plug_in(sound_server, "cc_call")
    try:
        # the same call heard two ways at once: the sink's stereo monitor, and the two sides as
        # separate virtual sources (an agent's microphone and a loopback of the customer)
        stereo = LiveRun(sound_server, tmp_path / "monitor", "audio.stereo_device=cc_call_monitor")
        two = LiveRun(
            sound_server,
            tmp_path / "sources",
            "audio.agent_device=cc_call_agent",
            "audio.customer_device=cc_call_customer",
        )
        for run in (stereo, two):
            run.wait_for_status("listening")
        time.sleep(0.5)
        assert sound_server.play(recording, line.sink).wait(timeout=120) == 0
        time.sleep(1.5)  # the last turn's end-of-speech silence, then hang up
        results = [run.stop() for run in (stereo, two)]
    finally:
        line.unload()

    played, _ = sf.read(recording, dtype="float32", always_2d=True)
    for run, (code, err) in zip((stereo, two), results, strict=True):
        assert code == 0, err
        events, report = run.read_events(), run.report()
        assert report["dropped_audio_s"] == 0.0
        # the server delivered the recording sample for sample, agent first, on both set-ups
        captured = run.captured()
        assert captured.shape[0] == 2
        lags = []
        for row, side in ((0, "agent"), (1, "customer")):
            lag = _lag(captured[row], played[:, row])
            # capture may start a little after playback: only the silent lead-in may be missed
            assert lag > -LEAD_S * SAMPLE_RATE, f"{side}: the start of the call was not heard"
            skip = max(0, -lag)
            got = captured[row, lag + skip : lag + len(played)]
            assert len(got) == len(played) - skip, f"{side}: the recording was cut short"
            assert np.max(np.abs(got - played[skip:, row])) < 1e-4, side
            lags.append(lag)
        # nothing but the call was heard: the sink is silent before and after it
        heard = np.zeros((captured.shape[1], 2), np.float32)
        for row, lag in enumerate(lags):
            skip = max(0, -lag)
            heard[lag + skip : lag + len(played), row] = played[skip:, row]
        assert np.max(np.abs(heard.T - captured)) < 1e-4
        # `analyze` on exactly what the session captured (stored with privacy.store_audio). The
        # recording placed at the captured offset is not enough: the pipeline's decisions are
        # not continuous in the input (a VAD frame, a transcript), so even batch runs of one
        # recording at sub-frame start offsets differ (the note of this work), and so could a
        # 1e-4 difference; live and batch on the same samples must agree.
        batch, batch_turns = _analyze(run.out / "live-call.wav", models)
        live = [(e["id"], e["t"]) for e in events if e["type"] == "prompt"]
        # the same prompts at the same call times while the call ran. After the last turn the
        # live coach has sometimes added a card batch does not give (owner_question, then the
        # follow-up): at real time the last turn is processed a few hundred ms after it ends,
        # and the coach's time-based rules see that later time (the note of this work). So
        # batch's prompts must be live's, in order, and live may add only after the last turn.
        last_end = max(e["end"] for e in events if e["type"] == "utterance")
        # the same utterances and words: the session high-passes the raw device samples exactly as
        # `analyze` high-passes the recording (an unfiltered stream once closed a turn one VAD
        # frame later, 18.212 s vs 18.18 s, and another card followed)
        live_turns = [
            (e["speaker"], e["start"], e["end"], e["text"])
            for e in events
            if e["type"] == "utterance"
        ]
        assert live_turns == batch_turns
        assert [i for i, _ in live[: len(batch)]] == [i for i, _ in batch], (live, batch)
        shared = live[: len(batch)]
        # to one VAD frame (32 ms): a card raised on a clock tick (an agent-side card that waits
        # for the customer's turn to close) lands on the tick of the block the device delivered
        assert np.allclose([t for _, t in shared], [t for _, t in batch], atol=0.033), (live, batch)
        assert all(t > last_end for _, t in live[len(batch) :]), (live, batch)
        assert [p["id"] for p in report["prompts"]] == [i for i, _ in live]
        # the excerpt has cards to compare: loyalty and the timeline at least. Its one angry line
        # ("this is the third time I'm calling…") is upset on the words in a calm voice, and
        # whether it escalates alone depends on what the speech model hears in the captured
        # samples (0.86-0.93 on the words, around `words_alone`): the anger and policy cards
        # come and go with it, the same in live and batch (asserted above)
        assert {"acknowledge_loyalty", "offer_timeline"} <= {i for i, _ in batch}, batch


def test_device_unloaded_mid_call_is_reported_and_the_session_resumes(
    sound_server: SoundServer, recording: Path, tmp_path: Path
) -> None:
    played, _ = sf.read(recording, dtype="float32", always_2d=True)
    cut = 12 * SAMPLE_RATE
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    sf.write(first, played[:cut], SAMPLE_RATE, subtype="FLOAT")
    sf.write(second, played[cut:], SAMPLE_RATE, subtype="FLOAT")

    line = _plug_in(sound_server, "cc_unplug")
    try:
        run = LiveRun(sound_server, tmp_path / "out", "audio.stereo_device=cc_unplug_in")
        run.wait_for_status("listening")
        time.sleep(0.5)
        assert sound_server.play(first, line.sink).wait(timeout=60) == 0
        time.sleep(1.0)
        heard_before = run.read_events()
        line.unload()  # the device disappears mid-call
        run.wait_for_status("audio device lost", timeout=30)
        run.wait_for_status("cannot open audio device", timeout=30)
        line = _plug_in(sound_server, "cc_unplug")  # and comes back
        run.wait_for_status("listening", count=2, timeout=30)
        assert sound_server.play(second, line.sink).wait(timeout=60) == 0
        time.sleep(1.5)
        code, err = run.stop()
    finally:
        line.unload()

    assert code == 0, err
    events, report = run.read_events(), run.report()
    utterances = [e for e in events if e["type"] == "utterance"]
    # (the unplug's "device lost": a stream may also stall once while it starts)
    lost_at = next(
        e["call_t"] for e in events[len(heard_before) :] if "device lost" in e.get("message", "")
    )
    before = [u for u in utterances if u["end"] <= lost_at]
    after = [u for u in utterances if u["start"] > lost_at]
    assert before and after, "speech on both sides of the unplug"
    # nothing heard before the unplug is lost: the same events, and all of them in the report
    assert events[: len(heard_before)] == heard_before
    assert [u["text"] for u in report["utterances"]] == [u["text"] for u in utterances]
    assert len(before) >= 3 and len(after) >= 3, utterances  # turns of each part were heard
    prompts = [e for e in events if e["type"] == "prompt"]
    assert "acknowledge_loyalty" in [p["id"] for p in prompts if p["call_t"] <= lost_at]
    assert [p for p in prompts if p["call_t"] > lost_at and p["id"] != "follow_up_call"]
    # one call: its clock runs on through the gap
    times = [e["call_t"] for e in events]
    assert times == sorted(times)
    assert report["duration_s"] == pytest.approx(len(run.captured()[0]) / SAMPLE_RATE, abs=0.2)


@contextlib.contextmanager
def _machine_loaded(workers: int = 3) -> Iterator[None]:
    """Busy processes competing with the live session for the CPU while a device comes back
    (under such load one side once came back offset by over a second)."""
    burn = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass"
    procs = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(workers)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


FRAME_S = 0.032  # one VAD frame


def _turn_times(path: Path, models) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    return [(speaker, start, end) for speaker, start, end, _ in _analyze(path, models)[1]]


def _matches(
    live: list[tuple[str, float, float]], batch: list[tuple[str, float, float]], shift: float
) -> list[tuple[str, float, float]]:
    """Batch turns (shifted by `shift` s) that live has no turn of the same speaker for, with
    start and end within two VAD frames: what does not match."""
    tol = 2 * FRAME_S + 1e-3
    return [
        (sp, a + shift, b + shift)
        for sp, a, b in batch
        if not any(
            sp == lsp and abs(a + shift - la) <= tol and abs(b + shift - lb) <= tol
            for lsp, la, lb in live
        )
    ]


def test_a_device_that_goes_away_is_not_replaced_by_another(
    sound_server: SoundServer,
    recording: Path,
    models,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """PulseAudio moves a capture stream to another source when its device goes away (the
    ALSA plugin does not pin it): the session must say the device is lost, not record the
    other source as the agent, and resume on the agent's own device when it is back, with the
    two sides still where they were captured (on a loaded machine)."""
    played, _ = sf.read(recording, dtype="float32", always_2d=True)
    cut = 12 * SAMPLE_RATE
    first, second = tmp_path / "first.wav", tmp_path / "second.wav"
    sf.write(first, played[:cut], SAMPLE_RATE, subtype="FLOAT")
    # the second part gets the recording's silent lead-in too: a sink's monitor misses the first
    # few ms of a new playback (see `recording`)
    lead = np.zeros((round(LEAD_S * SAMPLE_RATE), 2), np.float32)
    sf.write(second, np.concatenate([lead, played[cut:]]), SAMPLE_RATE, subtype="FLOAT")

    line = _plug_in(sound_server, "cc_move")
    try:
        run = LiveRun(
            sound_server,
            tmp_path / "out",
            "audio.agent_device=cc_move_agent",
            "audio.customer_device=cc_move_customer",
        )
        run.wait_for_status("listening")
        time.sleep(0.5)
        assert sound_server.play(first, line.sink).wait(timeout=60) == 0
        time.sleep(1.0)
        heard_before = run.read_events()
        with _machine_loaded():
            # only the agent's source goes (a headset unplugged): the server moves the stream
            # to another source that still exists (the line's monitor); PortAudio says nothing
            sound_server.pactl("unload-module", str(line.modules.pop(1)))
            run.wait_for_status("the sound server moved capture", timeout=30)
            run.wait_for_status("cannot open audio device", timeout=30)  # not while it is away
            line.modules.insert(1, _side_source(sound_server, "cc_move", "agent"))  # plugged in
            run.wait_for_status("listening", count=2, timeout=30)
            assert sound_server.play(second, line.sink).wait(timeout=60) == 0
        time.sleep(1.5)
        code, err = run.stop()
    finally:
        line.unload()

    assert code == 0, err
    events, report = run.read_events(), run.report()
    assert events[: len(heard_before)] == heard_before  # nothing heard before is lost
    lost = [w for w in report["warnings"] if w["what"] == "audio device lost"]
    assert len(lost) == 1, report["warnings"]
    assert "cc_move_agent" in lost[0]["detail"] and "came back" in lost[0]["detail"]
    assert [e for e in events if e["type"] == "status" and "audio is back" in e["message"]]
    # each row is its own device before and after: the agent's row the left channel of the
    # line, never the monitor's mix of both sides or the customer's source; and the two rows
    # line up after the device came back as before (both are placed by when they were
    # captured, the time away filled with silence)
    captured = run.captured()
    part_lags = []
    for part, audio in (("before", played[:cut]), ("after", np.concatenate([lead, played[cut:]]))):
        lags = []
        for row, side in ((0, "agent"), (1, "customer")):
            lag = _lag(captured[row], audio[:, row])
            # (capture may start a little after playback: only the silent lead-in may be missed)
            assert lag > -LEAD_S * SAMPLE_RATE, f"{side} {part}"
            skip = max(0, -lag)
            got = captured[row, lag + skip : lag + len(audio)]
            assert len(got) == len(audio) - skip, f"{side} {part}: the recording was cut short"
            assert np.max(np.abs(got - audio[skip:, row])) < 1e-4, f"{side} {part}"
            lags.append(lag)
        # (the two sources feed from one monitor: opened together, they start together)
        assert abs(lags[0] - lags[1]) <= FRAME_S * SAMPLE_RATE, f"{part}: rows apart: {lags}"
        part_lags.append(lags)
    # `analyze` on the call as it was played: both parts on the session's timeline where the
    # agent's side of each was found, the customer's side at the very same place. A side
    # shifted against the other (by a device that came back late) would have its turns apart
    # from these; VAD decisions may move by a frame on samples that differ by a few samples
    played_call = np.zeros_like(captured)
    for audio, lags in (
        (played[:cut], part_lags[0]),
        (np.concatenate([lead, played[cut:]]), part_lags[1]),
    ):
        at, skip = max(lags[0], 0), max(0, -lags[0])
        n = min(len(audio) - skip, captured.shape[1] - at)
        played_call[:, at : at + n] = audio[skip : skip + n].T
    played_wav = tmp_path / "played-call.wav"
    sf.write(played_wav, played_call.T, SAMPLE_RATE, subtype="FLOAT")
    batch = _turn_times(played_wav, models)
    live_turns = [(e["speaker"], e["start"], e["end"]) for e in events if e["type"] == "utterance"]
    assert {sp for sp, _, _ in batch} == {"agent", "customer"}
    assert len(live_turns) == len(batch), (live_turns, batch)
    assert not _matches(live_turns, batch, 0.0), (live_turns, batch)
    assert [u["text"] for u in report["utterances"]] == [
        e["text"] for e in events if e["type"] == "utterance"
    ]
    lost_at = lost[0]["where"]
    assert [t for t in live_turns if t[0] == "agent" and t[1] > lost_at]
