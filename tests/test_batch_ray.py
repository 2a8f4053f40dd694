"""`callcoach analyze --ray`: a local Ray instance started by the test gives the same reports as
`--jobs 1` (each call a task on an actor holding the models; reports written by the driver).
Issue 17. Needs the `ray` extra (installed by scripts/setup.sh with the dev extra)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.batch.ray_executor import import_ray
from app.batch.summary import last_run
from app.cli import main

ROOT = Path(__file__).resolve().parents[1]
LJ = "asr_eval_small/audio/coqui_tts_ljspeech"
STEREO = "asr_eval_small/audio/faster_whisper/stereo_diarization.wav"


def _reports(out: Path) -> dict[str, dict]:
    return {p.name: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[object]:
    pytest.importorskip("ray", reason="the ray extra is not installed")
    ray = import_ray()  # usage statistics off before Ray is imported
    assert os.environ["RAY_USAGE_STATS_ENABLED"] == "0"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_local_ray_gives_the_same_reports_as_jobs_1(
    local_ray: object, shared_data: Path, tmp_path: Path
) -> None:
    calls = tmp_path / "calls"
    (calls / "a").mkdir(parents=True)
    (calls / "b").mkdir()
    for clip in sorted((shared_data / LJ).glob("*.wav"))[:3]:
        shutil.copy(clip, calls / "a" / clip.name)
    shutil.copy(shared_data / STEREO, calls / "a" / "call.wav")
    shutil.copy(shared_data / LJ / "LJ001-0008.wav", calls / "b" / "call.wav")  # same name
    local, on_ray = tmp_path / "local", tmp_path / "ray"
    assert main(["analyze", str(calls), "--out", str(local), "--jobs", "1"]) == 0
    assert main(["analyze", str(calls), "--out", str(on_ray), "--ray", "auto"]) == 0
    summary = last_run(on_ray)
    assert summary["runner"] == "ray" and summary["counts"]["analysed"] == 5
    rows = summary["analysed"]
    assert len({r["worker"] for r in rows}) <= 2  # one actor per CPU of the test's Ray
    assert all(r["worker_model_loads"] == 1 for r in rows)  # models loaded once per actor
    assert os.getpid() not in {int(r["worker"].rsplit(":", 1)[1]) for r in rows}
    assert _reports(local) == _reports(on_ray)
    assert len(_reports(on_ray)) == 5
    # the manifest was written by the driver: a second run skips every call, on Ray too
    assert main(["analyze", str(calls), "--out", str(on_ray), "--ray", "auto"]) == 0
    again = last_run(on_ray)
    assert again["counts"]["skipped_done"] == 5 and again["counts"]["analysed"] == 0


def test_ray_option_without_ray_installed_is_one_line(tmp_path: Path) -> None:
    """Ray missing (an import that fails, as on a plain install): one clear line, exit 2."""
    blocker = tmp_path / "site"
    (blocker / "ray").mkdir(parents=True)
    (blocker / "ray" / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    call = tmp_path / "call.wav"
    shutil.copy(ROOT / "app" / "assets" / "demo_call.ogg", call.with_suffix(".ogg"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "analyze",
            str(call.with_suffix(".ogg")),
            "--out",
            str(tmp_path / "out"),
            "--ray",
            "auto",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{blocker}{os.pathsep}{ROOT}"},
        timeout=300,
    )
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "callcoach[ray]" in lines[0] and "Traceback" not in proc.stderr
