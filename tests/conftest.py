"""Shared fixtures: the shared data folder, settings, and models loaded once per test run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# the tests never read or write the real user's settings, overlay positions or sessions
_HOME = tempfile.mkdtemp(prefix="callcoach-test-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_HOME, "data")
os.environ["XDG_STATE_HOME"] = os.path.join(_HOME, "state")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ASR_EVAL = SHARED_DATA / "asr_eval_small"


def need_shared_data() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DATA}")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    need_shared_data()
    return SHARED_DATA


@pytest.fixture
def settings():  # type: ignore[no-untyped-def]
    from app.config import Settings

    return Settings()


@pytest.fixture(scope="session")
def models():  # type: ignore[no-untyped-def]
    from app.config import Settings
    from app.pipeline import load_models

    return load_models(Settings())


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The demo call analysed once through the CLI, as a user would run it."""
    import json

    from app.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--no-overlay"]) == 0
    return json.loads((out / "demo_call.json").read_text())
