"""RAVDESS clips by actor, emotion and intensity (../shared/data/ravdess, read-only)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
RAVDESS = DATA / "ravdess"

needs_ravdess = pytest.mark.skipif(
    not (RAVDESS / "manifest.csv").is_file(), reason=f"shared RAVDESS data not found at {RAVDESS}"
)


def clips(actor: int, emotion: str, intensity: str | None = None) -> list[np.ndarray]:
    """The actor's clips of one emotion (and intensity, "normal"/"strong"), as float32 mono
    16 kHz arrays, in manifest order."""
    import soundfile as sf

    out = []
    with open(RAVDESS / "manifest.csv", newline="") as f:
        for row in csv.DictReader(f):
            if int(row["actor"]) != actor or row["emotion"] != emotion:
                continue
            if intensity and row["intensity"] != intensity:
                continue
            out.append(sf.read(RAVDESS / row["path"], dtype="float32")[0])
    return out
