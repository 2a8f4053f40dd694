"""`callcoach selftest`: is this installation complete and offline? One PASS/FAIL line per check.

Run after an offline install (installer/install.sh does), from a frozen build, or on a checkout.
Everything runs under the in-process network guard; the last check reports what it saw.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from app.config import Settings
from app.netguard import network_blocked
from app.paths import ASSETS_DIR, SHIPPED_MODELS, is_frozen, models_dir

CLIP_S = 5.0
CLIP_SOURCE = ASSETS_DIR / "demo_call.ogg"


class CheckFailed(Exception):
    """A check's one-line reason for failing."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_models(settings: Settings) -> str:
    root = models_dir()
    checked = 0
    for name in SHIPPED_MODELS:
        sums = root / name / "SHA256SUMS"
        if not sums.is_file():
            raise CheckFailed(f"{sums} is missing")
        for line in sums.read_text().splitlines():
            if not line.strip():
                continue
            expected, file = line.split()
            path = root / name / file
            if not path.is_file():
                raise CheckFailed(f"{path} is missing")
            if _sha256(path) != expected:
                raise CheckFailed(f"{path} does not match its sha256 in {sums}")
            checked += 1
    from app.asr.transcriber import resolve_model_path
    from app.audio.vad import silero_model_path

    speech = resolve_model_path(settings.asr.model)
    if not (speech / "model.bin").is_file():
        raise CheckFailed(f"speech model {speech} has no model.bin")
    vad = silero_model_path()
    return f"{checked} files match SHA256SUMS in {root}; speech model {speech}; VAD {vad.name}"


def _first_seconds(path: Path, seconds: float) -> np.ndarray:
    """The first `seconds` of a recording as (channels, samples) at 16 kHz, decoded by PyAV."""
    from app.audio.reader import SAMPLE_RATE, read_blocks

    wanted = int(seconds * SAMPLE_RATE)
    blocks = []
    for block in read_blocks(path, block_s=1.0):
        blocks.append(block)
        if sum(b.shape[1] for b in blocks) >= wanted:
            break
    return np.concatenate(blocks, axis=1)[:, :wanted]


def check_audio_stack(settings: Settings) -> str:
    import av
    import sounddevice as sd
    import soundfile as sf

    audio = _first_seconds(CLIP_SOURCE, CLIP_S)
    if audio.shape[-1] < int(CLIP_S * 16_000) - 1:
        raise CheckFailed(f"decoded only {audio.shape[-1]} samples of {CLIP_SOURCE.name}")
    try:
        inputs = sum(1 for d in sd.query_devices() if d["max_input_channels"] > 0)
    except Exception as exc:  # PortAudio reports a missing sound system as its own error
        inputs = 0
        note = f" ({exc})"
    else:
        note = ""
    return (
        f"PyAV {av.__version__} decodes {CLIP_SOURCE.name}; {sd.get_portaudio_version()[1]}: "
        f"{inputs} input devices{note}; libsndfile {sf.__libsndfile_version__}"
    )


def _self_command() -> list[str]:
    return [sys.executable] if is_frozen() else [sys.executable, "-m", "app"]


def check_qt(settings: Settings) -> str:
    # in a child process: Qt aborts the whole process when its platform plugin cannot load
    env = dict(os.environ)
    headless = sys.platform.startswith("linux") and not (
        env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")
    )
    if headless:
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    done = subprocess.run(
        [*_self_command(), "selftest", "--qt-probe"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckFailed(f"Qt could not start (exit {done.returncode}): {last}")
    return done.stdout.strip()


def qt_probe() -> int:
    """Child side of check_qt (Qt lives in app.ui only)."""
    from app.ui.probe import qt_probe as probe

    return probe()


def check_analysis(settings: Settings) -> str:
    import soundfile as sf

    from app.pipeline import analyze_call, load_models

    started = time.perf_counter()
    models = load_models(settings)
    audio = _first_seconds(CLIP_SOURCE, CLIP_S)
    with tempfile.TemporaryDirectory(prefix="callcoach-selftest-") as tmp:
        clip = Path(tmp) / "selftest.wav"
        sf.write(clip, audio.T, 16_000)
        result = analyze_call(clip, settings, models)
    from app.events import Utterance

    said = [e for e in result.events if isinstance(e, Utterance) and e.text.strip()]
    if not said:
        raise CheckFailed(
            f"no speech transcribed in the first {CLIP_S:.0f} s of {CLIP_SOURCE.name}"
        )
    first = said[0]
    return (
        f"{CLIP_S:.0f} s of {CLIP_SOURCE.name} in {time.perf_counter() - started:.1f} s "
        f"(models loaded): {first.speaker} said {first.text.strip()[:40]!r}, "
        f"frustration {first.frustration:.2f}"
    )


def run_selftest(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "qt_probe", False):
        return qt_probe()
    checks: list[tuple[str, Callable[[Settings], str]]] = [
        ("models", check_models),
        ("audio stack", check_audio_stack),
        ("Qt platform", check_qt),
        (f"{CLIP_S:.0f}-second analysis", check_analysis),
    ]
    failed = 0

    def report(name: str, ok: bool, detail: str) -> None:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)

    with network_blocked() as attempts:
        for name, check in checks:
            try:
                detail = check(settings)
            except CheckFailed as exc:
                failed += 1
                report(name, False, str(exc))
            except Exception as exc:  # a broken install shows up as any error: name it, go on
                failed += 1
                report(name, False, f"{type(exc).__name__}: {exc}")
            else:
                report(name, True, detail)
        seen_before_probe = list(attempts)
        import socket

        try:
            socket.getaddrinfo("mobile.events.data.microsoft.com", 443)
            probe_blocked = False
        except OSError:
            probe_blocked = True
    telemetry_off = os.environ.get("ORT_DISABLE_TELEMETRY") == "1"
    ok = probe_blocked and not seen_before_probe and telemetry_off
    if ok:
        detail = "no connection attempt or DNS lookup during the checks; a test lookup was blocked"
        detail += "; onnxruntime telemetry off (ORT_DISABLE_TELEMETRY=1)"
    elif seen_before_probe:
        detail = f"the checks reached for the network: {seen_before_probe[:3]}"
    elif not telemetry_off:
        detail = "ORT_DISABLE_TELEMETRY is not set to 1"
    else:
        detail = "the guard did not block a test lookup"
    report("network guard", ok, detail)
    failed += 0 if ok else 1
    print(f"selftest: {'all checks passed' if not failed else f'{failed} check(s) failed'}")
    return 1 if failed else 0
