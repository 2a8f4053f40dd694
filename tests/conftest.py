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


# ------------------------------------------------------------------ hypothesis (issue 16)
# Property and fuzz tests run briefly and reproducibly by default (the "ci" profile: a fixed
# derandomised seed, bounded examples, no example database written into the checkout); a longer
# search: HYPOTHESIS_PROFILE=fuzz pytest tests/test_properties*.py tests/test_fuzz*.py
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile(
    "ci",
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large],
)
_hypothesis_settings.register_profile(
    "fuzz",
    max_examples=1500,
    deadline=None,
    suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large],
)
_hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
