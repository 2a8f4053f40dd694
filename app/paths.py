"""Where callcoach finds its shipped files (models, assets) without any network access."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR / "assets"


def models_dir() -> Path:
    """The folder holding the shipped ONNX models.

    `CALLCOACH_MODELS_DIR` wins (used by the installer bundle); otherwise the repository's
    top-level `models/` folder next to the package.
    """
    env = os.environ.get("CALLCOACH_MODELS_DIR")
    if env:
        return Path(env)
    return PACKAGE_DIR.parent / "models"
