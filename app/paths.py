"""Where callcoach finds its shipped files (models, assets) without any network access.

Three layouts, one rule: the models sit in `models/` beside the `app` package's parent in a
checkout (the source of truth, with cards and training scripts), and in `app/models/` inside an
installed wheel (copied there by setup.py's build step) or a PyInstaller build (the spec puts them
there; `__file__` then points into the frozen folder, so the same relative paths hold).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR / "assets"
PACKAGED_MODELS_DIR = PACKAGE_DIR / "models"
# the model folders the app ships (setup.py and the PyInstaller spec copy the same list)
SHIPPED_MODELS = ("words", "tone", "fusion")
CHECKOUT_MODELS_DIR = PACKAGE_DIR.parent / "models"


def is_frozen() -> bool:
    """True inside a PyInstaller (or similar) build."""
    return bool(getattr(sys, "frozen", False))


def models_dir() -> Path:
    """The folder holding the shipped ONNX models (`tone/`, `words/`).

    `CALLCOACH_MODELS_DIR` wins; then the models packaged with the app (wheel, frozen build);
    then the checkout's top-level `models/`."""
    env = os.environ.get("CALLCOACH_MODELS_DIR")
    if env:
        return Path(env)
    if (PACKAGED_MODELS_DIR / "words" / "SHA256SUMS").is_file():
        return PACKAGED_MODELS_DIR
    return CHECKOUT_MODELS_DIR
