"""`callcoach selftest` passes on a complete installation and fails, by name, on a broken one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _selftest(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    full = {**os.environ, "HOME": str(home), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "app", "selftest"],
        capture_output=True,
        text=True,
        env=full,
        cwd=tmp_path,
        timeout=600,
    )


def test_selftest_passes_here(tmp_path: Path) -> None:
    done = _selftest(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    checks = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    names = [line.split(":", 1)[0].split(None, 1)[1] for line in checks]
    assert names == ["models", "audio stack", "Qt platform", "5-second analysis", "network guard"]
    assert all(line.startswith("PASS") for line in checks)
    assert lines[-1] == "selftest: all checks passed"


def test_selftest_names_an_altered_model_and_exits_non_zero(tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models" / "tone", models / "tone")
    shutil.copytree(ROOT / "models" / "words", models / "words")
    with (models / "tone" / "tone.json").open("a") as f:
        f.write(" ")
    done = _selftest(tmp_path, CALLCOACH_MODELS_DIR=str(models))
    assert done.returncode == 1
    assert any(
        line.startswith("FAIL  models:") and "tone.json" in line
        for line in done.stdout.splitlines()
    )
    assert "Traceback" not in done.stdout + done.stderr


def test_wheel_carries_the_models(tmp_path: Path) -> None:
    """setup.py's build step copies every file a model's SHA256SUMS lists into app/models/."""
    import zipfile

    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "deprecated" not in (done.stdout + done.stderr).lower()  # the licence table
    (wheel,) = tmp_path.glob("callcoach-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in ("tone", "words"):
        sums = (ROOT / "models" / model / "SHA256SUMS").read_text().split()[1::2]
        for file in [*sums, "SHA256SUMS", "MODEL_CARD.md"]:
            assert f"app/models/{model}/{file}" in names
    assert "app/assets/demo_call.ogg" in names
