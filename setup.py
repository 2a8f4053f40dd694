"""Build step: the wheel carries the shipped models as package data under `app/models/`.

`models/` (with each model's card, training script and SHA256SUMS) stays the source of truth; only
the files a model's SHA256SUMS lists, the SHA256SUMS itself and the model card go into the wheel.
`app/paths.py` finds them there in an installed wheel, and in `models/` in a checkout or an
editable install. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
MODELS = ("tone", "words", "fusion")  # keep in step with app.paths.SHIPPED_MODELS


def shipped_model_files(name: str) -> list[Path]:
    folder = ROOT / "models" / name
    listed = [line.split()[-1] for line in (folder / "SHA256SUMS").read_text().splitlines() if line]
    return [folder / f for f in ("SHA256SUMS", "MODEL_CARD.md", *listed)]


class BuildPyWithModels(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads models/ in place
        for name in MODELS:
            target = Path(self.build_lib) / "app" / "models" / name
            target.mkdir(parents=True, exist_ok=True)
            for source in shipped_model_files(name):
                shutil.copy2(source, target / source.name)


setup(cmdclass={"build_py": BuildPyWithModels})
