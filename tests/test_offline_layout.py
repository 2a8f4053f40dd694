"""Layout rules from the packaging work: one logger hierarchy, no sys.path editing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_app_logger_is_under_callcoach() -> None:
    code = (
        "import logging, pkgutil, importlib, app\n"
        "skip = ('app.__main__',)\n"
        "for m in pkgutil.walk_packages(app.__path__, 'app.'):\n"
        "    if not m.name.startswith(skip): importlib.import_module(m.name)\n"
        "names = [n for n in logging.root.manager.loggerDict if n.split('.')[0] == 'app']\n"
        "print(names)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
    for path in (ROOT / "app").rglob("*.py"):
        for call in re.findall(r"getLogger\(([^)]*\)?)\)", path.read_text()):
            assert call.startswith(('"callcoach', '__name__.replace("app", "callcoach", 1)')), (
                f"{path}: getLogger({call})"
            )


def test_benchmarks_run_as_modules_without_sys_path_edits() -> None:
    for path in (ROOT / "benchmarks").rglob("*.py"):
        assert "sys.path.insert" not in path.read_text(), path
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.analyze_speed", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr


def test_training_scripts_run_as_modules_without_sys_path_edits() -> None:
    """models/words, models/tone and models/fusion: no sys.path edits, siblings imported as
    models.<folder>.* (they run with `python -m`; running them needs the training
    requirements, which the app's venv does not carry, so the imports are checked statically)."""
    import ast

    for folder in (ROOT / "models" / name for name in ("words", "tone", "fusion")):
        scripts = list(folder.glob("*.py"))
        assert scripts, folder
        siblings = {p.stem for p in (ROOT / "models").glob("*/*.py")}
        for path in scripts:
            text = path.read_text(encoding="utf-8")
            assert "sys.path.insert" not in text and "sys.path.append" not in text, path
            for node in ast.walk(ast.parse(text)):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name.split(".")[0] for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module.split(".")[0]]
                bare = [n for n in names if n in siblings]
                assert not bare, f"{path}:{node.lineno} imports sibling {bare} by bare name"


def test_tone_and_fusion_scripts_start_as_modules() -> None:
    for module in ("models.tone.train", "models.fusion.fit", "models.fusion.tone_oof"):
        done = subprocess.run(
            [sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=ROOT
        )
        assert done.returncode == 0, f"{module}: {done.stderr}"
        assert "usage:" in done.stdout, module
