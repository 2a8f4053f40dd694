"""The per-call HTML report opened in a real browser: Debian's headless Chromium takes a
screenshot and the plot must be there, in the curve colours, across the plot's width.

A control screenshot of the same page without its SVG shows the check can fail (the legend's
colour swatches alone do not pass it). Skipped only where Chromium is absent and this is not CI;
in CI (CI=true) a missing Chromium fails the test (.ci/run installs Debian's `chromium`).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.paths import ASSETS_DIR
from app.report import frustration_plot as plot
from app.report.html import render_call_html, write_call_html


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is not installed, and CI must run the screenshot test")
    pytest.skip("Chromium is not installed (apt-get install chromium); CI installs it")


def screenshot(html: Path, png: Path, width: int, height: int) -> np.ndarray:
    """`html` rendered by headless Chromium at `width`×`height` CSS pixels, as an RGB array."""
    browser = _chromium()
    profile = png.parent / f"{png.stem}-profile"
    cmd = [
        browser,
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        f"--screenshot={png}",
        html.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]
    return _read_png(png)


def _read_png(png: Path) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
    assert not image.isNull(), png
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    return raw.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()


def _hex(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)


def colour_spread(pixels: np.ndarray, colour: str, tolerance: int = 14) -> tuple[int, int]:
    """How many pixels have `colour` (within `tolerance` per channel), and how wide a span of
    columns they cover."""
    near = np.all(np.abs(pixels.astype(np.int16) - _hex(colour)) <= tolerance, axis=2)
    cols = np.flatnonzero(near.any(axis=0))
    return int(near.sum()), int(cols.max() - cols.min() + 1) if cols.size else 0


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The escalation demo call, analysed by `callcoach analyze`."""
    import json

    from app.cli import main

    out = tmp_path_factory.mktemp("analyzed")
    assert main(["analyze", str(ASSETS_DIR / "demo_call.ogg"), "--out", str(out)]) == 0
    (path,) = [p for p in out.rglob("*.json") if "utterances" in p.read_text(encoding="utf-8")]
    report: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return report


CURVES = {"customer": plot.CUSTOMER, "agent": plot.AGENT, "trend": plot.TREND}


@pytest.mark.parametrize("width", [1280, 390])  # a desktop and a phone
def test_chromium_renders_the_plot(demo_report: dict[str, Any], tmp_path: Path, width: int) -> None:
    report = copy.deepcopy(demo_report)
    page = write_call_html(report, tmp_path / "call.html")
    pixels = screenshot(page, tmp_path / "call.png", width, 1400 if width > 600 else 1600)
    assert pixels.shape[1] == width
    for name, colour in CURVES.items():
        count, span = colour_spread(pixels, colour)
        # each curve runs across most of the call: far wider than a legend swatch
        assert count >= 40 and span >= 0.4 * width, (name, count, span)
    # prompt markers in their outcome colours, and the threshold lines
    for outcome in {p["outcome"] for p in report["prompts"]} - {"shown"}:
        count, _ = colour_spread(pixels, plot.OUTCOME_COLOURS[outcome])
        assert count >= 20, (outcome, count)
    for colour in (plot.ELEVATED, plot.HIGH):
        _, span = colour_spread(pixels, colour, tolerance=30)
        assert span >= 0.4 * width, colour

    # the control: the same page without its plot fails the same check
    no_plot = re.sub(r"<svg.*?</svg>", "", render_call_html(report), flags=re.S)
    (tmp_path / "no_plot.html").write_text(no_plot, encoding="utf-8")
    control = screenshot(tmp_path / "no_plot.html", tmp_path / "no_plot.png", width, 1400)
    for name, colour in CURVES.items():
        _, span = colour_spread(control, colour)
        assert span < 0.4 * width, name
